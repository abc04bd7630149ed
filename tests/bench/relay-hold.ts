/**
 * The bounded "many idle authenticated connections" run, the way the product scales out: TWO relay
 * processes on this machine sharing one address space through a real redis-server (REDIS_URL, pub/sub
 * only), each holding half of the target. One process cannot hold all of them here: a socket is a file
 * descriptor, and RLIMIT_NOFILE (soft and hard) caps each process, relays and load generators alike, so
 * the clients come from several load processes on several loopback source addresses (127.0.0.x) too.
 * Heartbeats every 4 s. At the end one message goes from a client on node 1 to a client on node 2 and one
 * back, through Redis, proving cross-node routing under the held load.
 */
import { randomBytes } from 'node:crypto';
import { startRedisServer } from '../support/redis-server.ts';
import { type LoadProcess, type ServerProcess, startLoad, startServer } from './relay-processes.ts';

const RELAY_PROCESSES = 2;
const CLIENT_PROCESSES = 4;
const CONCURRENCY_PER_PROCESS = 48;
const HOLD_MS = 10_000;
/** Pings every 4 s: two rounds during the hold, 7× the production rate, yet slack for a busy 2-core machine. */
const HEARTBEAT_MS = 4000;
const PROBE_TIMEOUT_MS = 5000;
/** File descriptors a relay needs besides its sockets (listener, epoll, pipes, Redis) and some slack. */
const FD_RESERVE = 32;
const SETTLE_MS = 500;

export interface HoldResult {
  readonly target: number;
  readonly relayProcesses: number;
  /** Sockets one relay process could hold here: its RLIMIT_NOFILE minus what it already uses. */
  readonly perProcessMaximum: number;
  readonly heldPerRelay: readonly number[];
  readonly held: number;
  readonly connectsPerSecond: number;
  readonly failed: number;
  readonly faults: number;
  readonly probesDelivered: number;
  readonly probes: number;
  readonly rssPerConnectionKiB: number;
  readonly notes: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function holdIdleConnections(target: number): Promise<HoldResult> {
  const redis = await startRedisServer();
  const relays: ServerProcess[] = [];
  const loads: LoadProcess[] = [];
  try {
    const env = {
      BENCH_HEARTBEAT_MS: String(HEARTBEAT_MS),
      REDIS_URL: redis.url,
      REDIS_CHANNEL_KEY: randomBytes(32).toString('hex'),
    };
    for (let i = 0; i < RELAY_PROCESSES; i++) relays.push(await startServer('relay', env));
    for (let i = 0; i < CLIENT_PROCESSES; i++) loads.push(await startLoad());
    const perProcessMaximum = Math.min(...relays.map((r) => r.maxOpenFiles() - r.openFiles() - FD_RESERVE));
    const relayOf = (load: number) => relays[load % RELAY_PROCESSES]!;
    const share = (i: number) =>
      Math.floor(target / CLIENT_PROCESSES) + (i < target % CLIENT_PROCESSES ? 1 : 0);
    const perRelay = relays.map((_, r) =>
      loads.reduce((sum, _load, i) => sum + (i % RELAY_PROCESSES === r ? share(i) : 0), 0),
    );
    if (Math.max(...perRelay) > perProcessMaximum) {
      throw new Error(
        `${Math.max(...perRelay)} sockets per relay exceed the ${perProcessMaximum} one can hold`,
      );
    }
    const rssBefore = relays.map((r) => r.rssBytes());
    const started = performance.now();
    const connects = await Promise.all(
      loads.map((load, i) =>
        load.run(
          {
            op: 'connect',
            target: relayOf(i).target,
            count: share(i),
            concurrency: CONCURRENCY_PER_PROCESS,
            localAddress: `127.0.0.${10 + i}`,
          },
          180_000,
        ),
      ),
    );
    const connectsPerSecond = target / ((performance.now() - started) / 1000);
    await sleep(HOLD_MS);

    // Node 1 -> node 2 and node 2 -> node 1: loads 0 and 1 are clients of different relays.
    let probesDelivered = 0;
    const pairs = [
      [0, 1],
      [1, 0],
    ] as const;
    for (const [from, to] of pairs) {
      const armed = await loads[to]!.run({ op: 'expect' });
      await loads[from]!.run({ op: 'send-to', to: String(armed.id) });
      const result = await loads[to]!.run({ op: 'expected', timeoutMs: PROBE_TIMEOUT_MS });
      if (result.delivered === true) probesDelivered++;
    }

    await Promise.all(relays.map((r) => r.collectGarbage()));
    await sleep(SETTLE_MS);
    const rssHeld = relays.map((r) => r.rssBytes());
    const replies = await Promise.all(loads.map((load) => load.run({ op: 'hold', ms: 0 })));
    const heldPerRelay = relays.map((_, r) =>
      replies.reduce((sum, reply, i) => sum + (i % RELAY_PROCESSES === r ? reply.connected : 0), 0),
    );
    const held = heldPerRelay.reduce((a, b) => a + b, 0);
    const rssGrowth = rssHeld.reduce((sum, rss, r) => sum + rss - rssBefore[r]!, 0);
    const fds = relays.map((r) => r.openFiles());
    return {
      target,
      relayProcesses: RELAY_PROCESSES,
      perProcessMaximum,
      heldPerRelay,
      held,
      connectsPerSecond,
      failed: connects.reduce((sum, reply) => sum + Number(reply.failed), 0),
      faults: replies.reduce((sum, reply) => sum + reply.faults.errors + reply.faults.unexpectedCloses, 0),
      probesDelivered,
      probes: pairs.length,
      rssPerConnectionKiB: rssGrowth / Math.max(1, held) / 1024,
      notes: [
        `How: ${RELAY_PROCESSES} relay processes sharing routing through one redis-server (pub/sub, REDIS_URL), ` +
          `${heldPerRelay.map((n) => n.toLocaleString('en-US')).join(' + ')} authenticated idle sockets, ` +
          `from ${CLIENT_PROCESSES} load processes on 127.0.0.10-${9 + CLIENT_PROCESSES}; held ${HOLD_MS / 1000} s ` +
          `with relay pings every ${HEARTBEAT_MS / 1000} s.`,
        `Per-process maximum here: ${perProcessMaximum.toLocaleString('en-US')} sockets (RLIMIT_NOFILE ` +
          `${relays[0]!.maxOpenFiles().toLocaleString('en-US')}, hard limit, cannot be raised in this sandbox, minus ` +
          `the files a relay already has open and ${FD_RESERVE} spare); relay file descriptors at the end: ${fds.join(', ')}.`,
        `Probes: ${probesDelivered} of ${pairs.length} messages across nodes delivered (node 1 -> node 2, node 2 -> node 1).`,
        "RSS per connection: growth of both relays' RSS from start to the held state, after a full GC, over the sockets held (includes each process's one-time growth).",
      ],
    };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await Promise.all(relays.map((relay) => relay.stop()));
    await redis.stop();
  }
}
