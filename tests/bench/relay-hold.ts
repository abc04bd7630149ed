/**
 * The bounded "many idle authenticated connections" run: our relay alone, heartbeats every 2 s, clients
 * spread over several load processes and loopback source addresses (127.0.0.x), so that neither a
 * client's file limit nor the ephemeral ports of one source address run out.
 */
import { startLoad, startServer } from './relay-processes.ts';

const CLIENT_PROCESSES = 4;
const CONCURRENCY_PER_PROCESS = 64;
const HOLD_MS = 6000;
const HEARTBEAT_MS = 2000;
/** File descriptors the relay needs besides its sockets (listener, epoll, pipes) and some slack. */
const FD_RESERVE = 32;

export interface HoldResult {
  readonly target: number;
  readonly attempted: number;
  readonly held: number;
  readonly connectsPerSecond: number;
  readonly failed: number;
  readonly faults: number;
  readonly probeDelivered: boolean;
  readonly rssPerConnectionKiB: number;
  readonly notes: string[];
}

export async function holdIdleConnections(target: number): Promise<HoldResult> {
  const server = await startServer('relay', { BENCH_HEARTBEAT_MS: String(HEARTBEAT_MS) });
  const loads = await Promise.all(Array.from({ length: CLIENT_PROCESSES }, () => startLoad()));
  try {
    const fdLimit = server.maxOpenFiles();
    const attempted = Math.min(target, fdLimit - server.openFiles() - FD_RESERVE);
    const rssBefore = server.rssBytes();
    const share = (i: number) =>
      Math.floor(attempted / CLIENT_PROCESSES) + (i < attempted % CLIENT_PROCESSES ? 1 : 0);
    const started = performance.now();
    const connects = await Promise.all(
      loads.map((load, i) =>
        load.run(
          {
            op: 'connect',
            target: server.target,
            count: share(i),
            concurrency: CONCURRENCY_PER_PROCESS,
            localAddress: `127.0.0.${10 + i}`,
          },
          180_000,
        ),
      ),
    );
    const connectsPerSecond = attempted / ((performance.now() - started) / 1000);
    await loads[0]!.run({ op: 'hold', ms: HOLD_MS });
    const probe = await loads[0]!.run({ op: 'probe' });
    server.collectGarbage();
    await loads[0]!.run({ op: 'hold', ms: 500 });
    const rssHeld = server.rssBytes();
    const replies = await Promise.all(loads.map((load) => load.run({ op: 'hold', ms: 0 })));
    const held = replies.reduce((sum, reply) => sum + reply.connected, 0);
    const notes = [
      `Held for ${HOLD_MS / 1000} s with relay pings every ${HEARTBEAT_MS / 1000} s, from ${CLIENT_PROCESSES} client` +
        ` processes on 127.0.0.10-${9 + CLIENT_PROCESSES}; relay file descriptors at the end: ${server.openFiles()}.`,
    ];
    if (attempted < target) {
      notes.push(
        `LIMITED: the relay process may open ${fdLimit} files (RLIMIT_NOFILE; its hard limit cannot be raised` +
          ` here), so ${target} sockets do not fit in one process; run under \`ulimit -n 65536\` for the full target.`,
      );
    }
    return {
      target,
      attempted,
      held,
      connectsPerSecond,
      failed: connects.reduce((sum, reply) => sum + Number(reply.failed), 0),
      faults: replies.reduce((sum, reply) => sum + reply.faults.errors + reply.faults.unexpectedCloses, 0),
      probeDelivered: probe.delivered === true,
      rssPerConnectionKiB: (rssHeld - rssBefore) / Math.max(1, held) / 1024,
      notes,
    };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await server.stop();
  }
}
