/**
 * Relay benchmark: our relay, a bare `ws` forwarder (the practical limit) and the PeerJS server, each in
 * its own child process, in alternating rounds, driven by a load generator in another child process.
 * Returns (npm run bench prints them; run alone, `npx tsx tests/bench/relay.ts`, prints them itself) a table
 * with the ratios to the bare forwarder and the goals of issue 3 §9, and one for the bounded run holding
 * many idle authenticated connections on our relay.
 * Env: BENCH_ROUNDS (default 3), BENCH_HOLD (default 20000). About 2 minutes on a 2-core machine.
 */
import { pathToFileURL } from 'node:url';
import type { ServerKind } from './relay-bench-clients.ts';
import { holdIdleConnections } from './relay-hold.ts';
import { startLoad, startServer } from './relay-processes.ts';
import { comparisonTable, type Figures, holdTable, KINDS, LABEL } from './relay-table.ts';
import { type BenchTable, formatNumber, printTable } from './support/table.ts';

const CONNECTIONS = 2000;
const WARMUP_CONNECTIONS = 1000;
const CONNECT_CONCURRENCY = 64;
const PAYLOAD_BYTES = 100;
const THROUGHPUT = { pairs: 20, durationMs: 3000, window: 32 };
const LATENCY = { pairs: 10, ratePerSecond: 2000, durationMs: 3000 };
const SETTLE_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(kind: ServerKind): Promise<Figures> {
  const server = await startServer(kind);
  const load = await startLoad();
  try {
    const settledRss = async () => {
      server.collectGarbage();
      await sleep(SETTLE_MS);
      return server.rssBytes();
    };
    // Warm-up, the same for every server: one-time growth (JIT code, heap spaces sized to the allocation
    // rate, caches) is then in the baseline instead of being charged to each of the measured connections.
    await load.run({
      op: 'connect',
      target: server.target,
      count: WARMUP_CONNECTIONS,
      concurrency: CONNECT_CONCURRENCY,
    });
    await load.run({ op: 'close' });
    const rssIdle = await settledRss();
    const cpuAtStart = server.cpuMs();
    const accepted = await load.run({
      op: 'connect',
      target: server.target,
      count: CONNECTIONS,
      concurrency: CONNECT_CONCURRENCY,
    });
    const cpuPerAccept = ((server.cpuMs() - cpuAtStart) * 1000) / CONNECTIONS;
    const rssConnected = await settledRss();
    if (Number(accepted.failed) > 0)
      throw new Error(`${kind}: ${accepted.failed} connects failed (${accepted.firstError})`);

    const cpuBefore = server.cpuMs();
    const wallBefore = performance.now();
    const flow = await load.run({ op: 'throughput', payloadBytes: PAYLOAD_BYTES, ...THROUGHPUT });
    const cpuUsed = server.cpuMs() - cpuBefore;
    const wallUsed = performance.now() - wallBefore;
    const timed = await load.run({ op: 'latency', payloadBytes: PAYLOAD_BYTES, ...LATENCY });
    const faults = timed.faults.errors + timed.faults.unexpectedCloses + timed.faults.undeliverable;
    return {
      cpuMicrosPerMessage: (cpuUsed * 1000) / Number(flow.received),
      messagesPerSecond: (Number(flow.received) * 1000) / Number(flow.ms),
      serverCpuShare: cpuUsed / wallUsed,
      p50Ms: Number(timed.p50),
      p99Ms: Number(timed.p99),
      rssPerConnectionKiB: (rssConnected - rssIdle) / CONNECTIONS / 1024,
      cpuMicrosPerAccept: cpuPerAccept,
      acceptsPerSecond: (CONNECTIONS * 1000) / Number(accepted.ms),
      lost: Number(flow.sent) - Number(flow.received) + Number(timed.sent) - Number(timed.received),
      faults,
      loadCpuShareAccepting: Number(accepted.loadCpuMs) / Number(accepted.ms),
      loadCpuShareForwarding: Number(flow.loadCpuMs) / wallUsed,
    };
  } finally {
    await load.stop();
    await server.stop();
  }
}

export async function runRelayBench(): Promise<BenchTable[]> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const results: Record<ServerKind, Figures[]> = { relay: [], bare: [], peerjs: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? KINDS : [...KINDS].reverse();
    for (const kind of order) {
      const figures = await measure(kind);
      results[kind].push(figures);
      const rounded = Object.entries(figures).map(([key, value]) => `${key} ${formatNumber(value)}`);
      console.log(`round ${round + 1}, ${LABEL[kind]}: ${rounded.join(', ')}`);
    }
  }
  const settings = {
    rounds,
    payloadBytes: PAYLOAD_BYTES,
    connections: CONNECTIONS,
    latencyRate: LATENCY.ratePerSecond,
    latencyPairs: LATENCY.pairs,
  };
  const hold = await holdIdleConnections(Number(process.env.BENCH_HOLD ?? 20_000));
  return [comparisonTable(results, settings), holdTable(hold)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const table of await runRelayBench()) printTable(table);
}
