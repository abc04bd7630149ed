/**
 * What a repeat visit costs on the network before the unlock screen shows: with the release worker (the goal
 * is nothing at all), beside the first visit and beside a repeat visit with service workers blocked (the
 * browser's HTTP cache alone). Bytes are counted on the wire by a proxy between Chromium and the relay.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createRelay, type Relay } from '../../relay/server.ts';
import { buildClient } from '../e2e/support/build-client.ts';
import { launchChromium } from '../e2e/support/chromium.ts';
import { type ByteCountingProxy, startByteCountingProxy } from './support/byte-counting-proxy.ts';
import { atMost, type BenchTable, formatNumber, verdictMark } from './support/table.ts';

const PASS = 'bench offline battery';
/** How long after the unlock screen the rest of the start (release check, relay list) is given. */
const SETTLE_MS = 3_000;

interface Visit {
  readonly label: string;
  readonly beforeScreen: { toBrowser: number; toServer: number; connections: number };
  readonly afterSettle: { toBrowser: number; toServer: number };
}

const waitQuiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records in the page the Date.now() at which the first screen's heading enters the DOM (it is painted in
 * the same frame), so that the proxy's bytes are split at that moment rather than when a poll notices. A
 * string, not a function: the bench runs under tsx, whose name helpers do not exist in the page.
 */
const RECORD_FIRST_SCREEN = `(() => {
  const seen = () => {
    if (document.querySelector('main h1') === null) return false;
    sessionStorage.setItem('bench-first-screen-at', String(Date.now()));
    return true;
  };
  if (seen()) return;
  const observer = new MutationObserver(() => { if (seen()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true });
})();`;

async function visit(
  context: BrowserContext,
  url: string,
  proxy: ByteCountingProxy,
  screen: 'welcome' | 'unlock',
) {
  proxy.reset();
  const page = await context.newPage();
  // The welcome and unlock screens both open with an h1; the loading gate has none.
  await page.addInitScript({ content: RECORD_FIRST_SCREEN });
  await page.goto(url);
  const target =
    screen === 'welcome'
      ? page.getByRole('button', { name: 'Create my identity' })
      : page.getByRole('heading', { name: 'Unlock' });
  await target.waitFor({ timeout: 60_000 });
  const shownAt = Number(await page.evaluate(() => sessionStorage.getItem('bench-first-screen-at')));
  if (!(shownAt > 0)) throw new Error('the first screen was not seen entering the page');
  const beforeScreen = proxy.counts(shownAt);
  await waitQuiet(SETTLE_MS);
  return { page, beforeScreen, afterSettle: proxy.counts() };
}

async function createIdentity(page: Page): Promise<void> {
  await page.getByLabel('Your name').fill('Bench');
  await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByLabel('Passphrase again').fill(PASS);
  await page.getByRole('button', { name: 'Create my identity' }).click();
  await page.getByRole('button', { name: 'Add contact', exact: true }).waitFor({ timeout: 60_000 });
}

async function visits(
  browser: Browser,
  url: string,
  proxy: ByteCountingProxy,
  worker: boolean,
): Promise<Visit[]> {
  const context = await browser.newContext({ serviceWorkers: worker ? 'allow' : 'block' });
  try {
    const first = await visit(context, url, proxy, 'welcome');
    if (worker) await first.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await createIdentity(first.page);
    await first.page.close();
    await waitQuiet(500);
    const repeat = await visit(context, url, proxy, 'unlock');
    await repeat.page.close();
    const how = worker ? 'with the release worker' : 'service workers blocked (HTTP cache only)';
    return [
      { label: `first visit, ${how}`, ...first },
      { label: `repeat visit, ${how}`, ...repeat },
    ];
  } finally {
    await context.close();
  }
}

export async function runClientOfflineBench(): Promise<BenchTable[]> {
  const built = await buildClient();
  let relay: Relay | undefined;
  const proxy = await startByteCountingProxy(() => Number(new URL(relay!.httpUrl).port));
  const url = `http://127.0.0.1:${proxy.port}`;
  relay = await createRelay({ host: '127.0.0.1', port: 0, staticDir: built.dir, origins: [url] });
  const browser = await launchChromium();
  try {
    const blocked = await visits(browser, url, proxy, false);
    const pinned = await visits(browser, url, proxy, true);
    const rows = [blocked[0]!, blocked[1]!, pinned[0]!, pinned[1]!];
    const goal = atMost(0, ' B');
    const repeat = pinned[1]!.beforeScreen.toBrowser + pinned[1]!.beforeScreen.toServer;
    const kb = (bytes: number) => `${formatNumber(bytes / 1024)} KB`;
    return [
      {
        title: 'Client start on the network: bytes on the wire before the first screen shows',
        columns: [
          { header: 'visit' },
          { header: 'to browser', align: 'right' },
          { header: 'to server', align: 'right' },
          { header: 'connections', align: 'right' },
          { header: `+${SETTLE_MS / 1000} s after`, align: 'right' },
          { header: 'goal' },
          { header: 'pass' },
        ],
        rows: rows.map((row, i) => [
          row.label,
          kb(row.beforeScreen.toBrowser),
          kb(row.beforeScreen.toServer),
          String(row.beforeScreen.connections),
          kb(row.afterSettle.toBrowser + row.afterSettle.toServer),
          i === 3 ? goal.text : '—',
          i === 3 ? verdictMark(goal, repeat) : '—',
        ]),
        notes: [
          'first screen: the welcome screen on a first visit, the unlock screen on a repeat visit',
          `"+${SETTLE_MS / 1000} s after": both directions, counted until then (the release check, the relay list, the relay connection is not opened while locked)`,
        ],
        goals: [
          {
            subject: 'repeat visit with the release worker, bytes before the unlock screen',
            goal: goal.text,
            met: goal.met(repeat),
          },
        ],
      },
    ];
  } finally {
    await browser.close();
    await relay.close();
    await proxy.close();
    await built.remove();
  }
}
