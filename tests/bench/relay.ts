/**
 * Relay benchmark: our relay, a bare `ws` forwarder (the practical limit) and the PeerJS server, each in
 * its own child process, driven by load generators in other child processes. Returns (npm run bench prints
 * them; run alone, `npx tsx tests/bench/relay.ts`, prints them itself) a table with the ratios to the bare
 * forwarder and the goals of spec/performance.md, and one for the bounded run holding many idle authenticated
 * connections (relay-hold.ts).
 *
 * Each round starts all three servers, fresh, and measures them in alternating slices (the order rotates
 * from slice to slice and round to round): connects in a few slices, then short message runs, one server
 * after the other, again and again. A burst of load from elsewhere on this shared 2-core machine then
 * falls on all three alike instead of on whichever ran during it. Figures are pooled per round over the
 * slices; the table shows the medians over the rounds.
 * Env: BENCH_ROUNDS (default 3), BENCH_HOLD (default 20000). About 2.5 minutes on a 2-core machine.
 */
import { pathToFileURL } from 'node:url';
import type { ServerKind } from './relay-bench-clients.ts';
import { holdIdleConnections } from './relay-hold.ts';
import { type LoadProcess, type ServerProcess, startLoad, startServer } from './relay-processes.ts';
import { comparisonTable, type Figures, holdTable, KINDS, LABEL } from './relay-table.ts';
import { type BenchTable, formatNumber, printTable } from './support/table.ts';

const CONNECTIONS = 2000;
const WARMUP_CONNECTIONS = 1000;
const ACCEPT_SLICES = 4;
/**
 * Connections come from this many load processes, for every server alike: one process signing an Ed25519
 * challenge per connection for our relay would otherwise be the bottleneck of the accept figure.
 */
const CONNECT_PROCESSES = 2;
const CONNECT_CONCURRENCY = 64;
const PAYLOAD_BYTES = 100;
const MESSAGE_SLICES = 3;
const THROUGHPUT = { pairs: 20, durationMs: 1000, window: 32 };
const LATENCY = { pairs: 10, ratePerSecond: 2000, durationMs: 1000 };
const SETTLE_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One server under test with its load processes; the first load holds the pairs of the message runs. */
interface Subject {
  readonly kind: ServerKind;
  readonly server: ServerProcess;
  readonly loads: LoadProcess[];
}

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

async function settledMemory(subject: Subject): Promise<Memory> {
  const heapUsed = await subject.server.collectGarbage();
  await sleep(SETTLE_MS);
  return { rss: subject.server.rssBytes(), heapUsed };
}

async function connect(subject: Subject, count: number) {
  const replies = await Promise.all(
    subject.loads.map((load, i) =>
      load.run({
        op: 'connect',
        target: subject.server.target,
        count: Math.floor(count / CONNECT_PROCESSES) + (i < count % CONNECT_PROCESSES ? 1 : 0),
        concurrency: CONNECT_CONCURRENCY / CONNECT_PROCESSES,
      }),
    ),
  );
  const failed = replies.reduce((sum, reply) => sum + Number(reply.failed), 0);
  if (failed > 0) {
    const firstError = replies.find((reply) => reply.firstError !== undefined)?.firstError;
    throw new Error(`${subject.kind}: ${failed} connects failed (${String(firstError)})`);
  }
  return {
    ms: Math.max(...replies.map((reply) => Number(reply.ms))),
    loadCpuMs: replies.reduce((sum, reply) => sum + Number(reply.loadCpuMs), 0),
  };
}

/** The order of the servers in slice `slice` of round `round`: every server goes first in turn. */
function rotation(round: number, slice: number): ServerKind[] {
  const shift = (round + slice) % KINDS.length;
  return [...KINDS.slice(shift), ...KINDS.slice(0, shift)];
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function measureRound(round: number): Promise<Record<ServerKind, Figures>> {
  const subjects = new Map<ServerKind, Subject>();
  try {
    for (const kind of KINDS) {
      const server = await startServer(kind);
      const loads = await Promise.all(Array.from({ length: CONNECT_PROCESSES }, () => startLoad()));
      subjects.set(kind, { kind, server, loads });
    }
    const each = (kind: ServerKind) => subjects.get(kind)!;

    // Warm-up, the same for every server: one-time growth (JIT code, heap spaces sized to the allocation
    // rate, caches) is then in the baseline instead of being charged to each of the measured connections.
    const idle = new Map<ServerKind, Memory>();
    for (const kind of rotation(round, 0)) {
      await connect(each(kind), WARMUP_CONNECTIONS);
      await Promise.all(each(kind).loads.map((load) => load.run({ op: 'close' })));
      idle.set(kind, await settledMemory(each(kind)));
    }

    const accept = new Map(KINDS.map((kind) => [kind, { ms: 0, cpuMs: 0, loadCpuMs: 0 }]));
    for (let slice = 0; slice < ACCEPT_SLICES; slice++) {
      for (const kind of rotation(round, slice)) {
        const cpuBefore = each(kind).server.cpuMs();
        const slot = await connect(each(kind), CONNECTIONS / ACCEPT_SLICES);
        const totals = accept.get(kind)!;
        totals.ms += slot.ms;
        totals.cpuMs += each(kind).server.cpuMs() - cpuBefore;
        totals.loadCpuMs += slot.loadCpuMs;
      }
    }
    const connected = new Map<ServerKind, Memory>();
    for (const kind of KINDS) connected.set(kind, await settledMemory(each(kind)));

    // The message path gets the same unmeasured warm-up on every server.
    for (const kind of rotation(round, 0)) {
      await each(kind).loads[0]!.run({
        op: 'throughput',
        payloadBytes: PAYLOAD_BYTES,
        ...THROUGHPUT,
        durationMs: 300,
      });
    }
    const flow = new Map(
      KINDS.map((kind) => [kind, { sent: 0, received: 0, ms: 0, cpuMs: 0, wallMs: 0, loadCpuMs: 0 }]),
    );
    const timed = new Map(KINDS.map((kind) => [kind, { sent: 0, samples: [] as number[] }]));
    for (let slice = 0; slice < MESSAGE_SLICES; slice++) {
      for (const kind of rotation(round, slice)) {
        const { server, loads } = each(kind);
        const cpuBefore = server.cpuMs();
        const wallBefore = performance.now();
        const run = await loads[0]!.run({ op: 'throughput', payloadBytes: PAYLOAD_BYTES, ...THROUGHPUT });
        const totals = flow.get(kind)!;
        totals.cpuMs += server.cpuMs() - cpuBefore;
        totals.wallMs += performance.now() - wallBefore;
        totals.sent += Number(run.sent);
        totals.received += Number(run.received);
        totals.ms += Number(run.ms);
        totals.loadCpuMs += Number(run.loadCpuMs);
        const trips = await loads[0]!.run({ op: 'latency', payloadBytes: PAYLOAD_BYTES, ...LATENCY });
        const pooled = timed.get(kind)!;
        pooled.sent += Number(trips.sent);
        pooled.samples.push(...(trips.samples as number[]));
      }
    }

    const figures = {} as Record<ServerKind, Figures>;
    for (const kind of KINDS) {
      const replies = await Promise.all(each(kind).loads.map((load) => load.run({ op: 'hold', ms: 0 })));
      const faults = replies.reduce(
        (sum, reply) =>
          sum + reply.faults.errors + reply.faults.unexpectedCloses + reply.faults.undeliverable,
        0,
      );
      const [before, after] = [idle.get(kind)!, connected.get(kind)!];

      const { ms, cpuMs, loadCpuMs } = accept.get(kind)!;
      const moved = flow.get(kind)!;
      const trips = timed.get(kind)!;
      const sorted = trips.samples.sort((a, b) => a - b);
      figures[kind] = {
        cpuMicrosPerMessage: (moved.cpuMs * 1000) / moved.received,
        messagesPerSecond: (moved.received * 1000) / moved.ms,
        serverCpuShare: moved.cpuMs / moved.wallMs,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        rssPerConnectionKiB: (after.rss - before.rss) / CONNECTIONS / 1024,
        heapPerConnectionKiB: (after.heapUsed - before.heapUsed) / CONNECTIONS / 1024,
        cpuMicrosPerAccept: (cpuMs * 1000) / CONNECTIONS,
        acceptsPerSecond: (CONNECTIONS * 1000) / ms,
        lost: moved.sent - moved.received + trips.sent - sorted.length,
        faults,
        loadCpuShareAccepting: loadCpuMs / ms,
        loadCpuShareForwarding: moved.loadCpuMs / moved.wallMs,
      };
    }
    return figures;
  } finally {
    for (const { server, loads } of subjects.values()) {
      await Promise.all(loads.map((load) => load.stop()));
      await server.stop();
    }
  }
}

export async function runRelayBench(): Promise<BenchTable[]> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const results: Record<ServerKind, Figures[]> = { relay: [], bare: [], 'bare-auth': [], peerjs: [] };
  for (let round = 0; round < rounds; round++) {
    const figures = await measureRound(round);
    for (const kind of KINDS) {
      results[kind].push(figures[kind]);
      const rounded = Object.entries(figures[kind]).map(([key, value]) => `${key} ${formatNumber(value)}`);
      console.log(`round ${round + 1}, ${LABEL[kind]}: ${rounded.join(', ')}`);
    }
  }
  const settings = {
    rounds,
    payloadBytes: PAYLOAD_BYTES,
    connections: CONNECTIONS,
    latencyRate: LATENCY.ratePerSecond,
    latencyPairs: LATENCY.pairs,
    slices: MESSAGE_SLICES,
    sliceMs: THROUGHPUT.durationMs,
  };
  const hold = await holdIdleConnections(Number(process.env.BENCH_HOLD ?? 20_000));
  return [comparisonTable(results, settings), holdTable(hold)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const table of await runRelayBench()) printTable(table);
}
