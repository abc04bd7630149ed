/**
 * Client figures: first-load JavaScript of the production build, gzip, against the 45 KB goal; and
 * the safety-number time in Chromium beside the same computation in Node in this run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { safetyNumber } from '../../crypto/safety-number.ts';
import { buildClient } from '../e2e/support/build-client.ts';
import { launchChromium } from '../e2e/support/chromium.ts';
import { measureFirstLoad, measureSafetyNumberInChromium } from '../e2e/support/client-metrics.ts';
import { testIdentity } from '../support/identities.ts';
import { median } from './support/stats.ts';
import {
  atMost,
  type BenchTable,
  formatMs,
  formatNumber,
  formatRatio,
  verdictMark,
} from './support/table.ts';

const FIRST_LOAD_GOAL_KB = 45;

async function safetyNumberInNode(runs: number): Promise<number> {
  const [alice, bob] = [await testIdentity('bench-alice'), await testIdentity('bench-bob')];
  safetyNumber(alice.publicKey, bob.publicKey);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    safetyNumber(alice.publicKey, bob.publicKey);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Gzip size of the page itself, in KB: the import map and the integrity attributes are part of it. */
function pageKb(dir: string): number {
  return gzipSync(readFileSync(join(dir, 'index.html')), { level: 9 }).length / 1024;
}

export async function runClientBench(): Promise<BenchTable[]> {
  const built = await buildClient();
  const browser = await launchChromium();
  try {
    const firstLoad = await measureFirstLoad(built.dir);
    const kb = firstLoad.gzipBytes / 1024;
    const goal = atMost(FIRST_LOAD_GOAL_KB, ' KB');
    const inChromium = await measureSafetyNumberInChromium(browser);
    const inNode = await safetyNumberInNode(9);
    return [
      {
        title: 'Client first load (production build, scripts loaded before the first screen)',
        columns: [
          { header: 'files' },
          { header: 'raw', align: 'right' },
          { header: 'gzip', align: 'right' },
          { header: 'goal' },
          { header: 'pass' },
        ],
        rows: [
          [
            firstLoad.files.join(', '),
            `${formatNumber(firstLoad.bytes / 1024)} KB`,
            `${formatNumber(kb)} KB`,
            goal.text,
            verdictMark(goal, kb),
          ],
        ],
        goals: [{ subject: 'client first-load JS (gzip)', goal: goal.text, met: goal.met(kb) }],
        notes: [
          `index.html ${formatNumber(pageKb(built.dir))} KB gzip, its import map (the integrity of every chunk) included`,
        ],
      },
      {
        title: 'Safety number (10,400 SHA-512 calls), median of 9',
        columns: [
          { header: 'where' },
          { header: 'ms', align: 'right' },
          { header: 'ratio vs Node', align: 'right' },
        ],
        rows: [
          ['Chromium (the client)', formatMs(inChromium), formatRatio(inChromium / inNode)],
          ['Node (same code, this run)', formatMs(inNode), formatRatio(1)],
        ],
        notes: ['no goal set; a person waits for this once per contact'],
      },
    ];
  } finally {
    await browser.close();
    await built.remove();
  }
}
