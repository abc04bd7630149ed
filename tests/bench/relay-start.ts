/**
 * Cold start and memory at rest of the relay as the README starts it (`npm start`: npm, then the bundled
 * dist/main.js), beside a bare `ws` forwarder bundled the same way and run by `node` alone. Rounds alternate
 * the two, so noise on this shared machine hits both. Start time is spawn → the first WebSocket that opens;
 * RSS is read from /proc after a short settle, for the server process and for the whole process tree.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../support/redis-server.ts';
import { buildRelay } from '../support/relay-process.ts';
import { median, pairedRatio, spread } from './support/stats.ts';
import {
  atMost,
  type BenchTable,
  formatMs,
  formatNumber,
  formatRatio,
  verdictMark,
} from './support/table.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = 7;
const START_TIMEOUT_MS = 20_000;
const SETTLE_MS = 1000;
const RSS_GOAL = atMost(1.2, '×');

interface Sample {
  readonly startMs: number;
  readonly serverRss: number;
  readonly treeRss: number;
  readonly processes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rssOf = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
}

function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}

function opens(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.terminate();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function measure(command: string[], env: Record<string, string>, url: string): Promise<Sample> {
  const started = performance.now();
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, ...env },
    stdio: 'ignore',
  });
  try {
    while (!(await opens(url))) {
      if (performance.now() - started > START_TIMEOUT_MS)
        throw new Error(`${command.join(' ')} did not start`);
      await sleep(5);
    }
    const startMs = performance.now() - started;
    await sleep(SETTLE_MS);
    const pids = tree(child.pid!);
    const server = pids[pids.length - 1]!;
    return {
      startMs,
      serverRss: rssOf(server),
      treeRss: pids.reduce((sum, pid) => sum + rssOf(pid), 0),
      processes: pids.length,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

export async function runRelayStartBench(): Promise<BenchTable> {
  buildRelay();
  // Under node_modules, so the bundle's `import 'ws'` resolves to the project's copy, as the relay's does.
  const cache = join(ROOT, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const bareDir = mkdtempSync(join(cache, 'tincan-bare-'));
  try {
    const bare = join(bareDir, 'bare-forwarder.js');
    execFileSync(
      join(ROOT, 'node_modules/.bin/esbuild'),
      [
        'tests/bench/bare-forwarder.ts',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--packages=external',
        `--outfile=${bare}`,
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
    const ours: Sample[] = [];
    const direct: Sample[] = [];
    const theirs: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const portA = await freePort();
      const relayRound = () =>
        measure(['npm', 'start', '--', '--port', String(portA)], {}, `ws://127.0.0.1:${portA}/relay`);
      const portD = await freePort();
      const directRound = () =>
        measure(
          [process.execPath, 'dist/main.js', '--port', String(portD)],
          {},
          `ws://127.0.0.1:${portD}/relay`,
        );
      const portB = await freePort();
      const bareRound = () =>
        measure(
          [process.execPath, bare],
          { PORT: String(portB) },
          `ws://127.0.0.1:${portB}/?id=${'0'.repeat(64)}`,
        );
      if (round % 2 === 0) {
        ours.push(await relayRound());
        direct.push(await directRound());
        theirs.push(await bareRound());
      } else {
        theirs.push(await bareRound());
        direct.push(await directRound());
        ours.push(await relayRound());
      }
    }
    const mib = (bytes: number) => `${formatNumber(bytes / 2 ** 20)} MiB`;
    const rssRatio = pairedRatio(
      ours.map((s) => s.serverRss),
      theirs.map((s) => s.serverRss),
    );
    const row = (label: string, samples: Sample[]) => {
      const start = spread(samples.map((s) => s.startMs));
      return [
        label,
        `${formatMs(median(samples.map((s) => s.startMs)))} (${formatNumber(start.min)}–${formatNumber(start.max)})`,
        mib(median(samples.map((s) => s.serverRss))),
        mib(median(samples.map((s) => s.treeRss))),
        String(median(samples.map((s) => s.processes))),
      ];
    };
    return {
      title: `Relay cold start and memory at rest (${ROUNDS} alternating rounds, medians)`,
      columns: [
        { header: 'server' },
        { header: 'spawn → first WebSocket', align: 'right' },
        { header: 'server RSS', align: 'right' },
        { header: 'tree RSS', align: 'right' },
        { header: 'processes', align: 'right' },
      ],
      rows: [
        row('tincan relay (`npm start`)', ours),
        row('tincan relay (`node dist/main.js`)', direct),
        row('bare ws forwarder (node)', theirs),
        [
          '`npm start` / bare (paired)',
          formatRatio(
            pairedRatio(
              ours.map((s) => s.startMs),
              theirs.map((s) => s.startMs),
            ),
          ),
          `${formatRatio(rssRatio)} ${verdictMark(RSS_GOAL, rssRatio)} (goal ${RSS_GOAL.text})`,
          formatRatio(
            pairedRatio(
              ours.map((s) => s.treeRss),
              theirs.map((s) => s.treeRss),
            ),
          ),
          '',
        ],
      ],
      notes: [
        'Our start includes npm itself (it stays as the parent and forwards signals); the tree RSS counts it.',
        'A supervisor that runs `node dist/main.js` directly (as a systemd unit can) starts without npm.',
      ],
      goals: [
        {
          subject: 'relay RSS at rest vs bare ws forwarder',
          goal: RSS_GOAL.text,
          met: RSS_GOAL.met(rssRatio),
        },
      ],
    };
  } finally {
    rmSync(bareDir, { recursive: true, force: true });
  }
}
