/**
 * Two relay processes (started as the README says, `npm start` with REDIS_URL) whose Redis is away: they
 * start and serve their own clients without it, say so in /healthz, /readyz, /metrics and their log, join
 * when Redis comes, and say so again when it goes mid-run.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRelay, type RelayClient } from '../../client/cli/relay-client.ts';
import { freePort, type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { identity } from '../support/relay-harness.ts';
import { type RelayProcess, relayProcesses } from '../support/relay-process.ts';

const relays = relayProcesses('outage');
const clients: RelayClient[] = [];
let redis: RedisServer | undefined;

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await relays.stop();
  await redis?.stop();
}, 30_000);

const startNode = (redisUrl: string, channelKey: string): Promise<RelayProcess> =>
  relays.start({ env: { REDIS_URL: redisUrl, REDIS_CHANNEL_KEY: channelKey } });

async function health(relay: RelayProcess) {
  const [live, ready, metrics] = await Promise.all(
    ['/healthz', '/readyz', '/metrics'].map((path) => fetch(`${relay.httpUrl}${path}`)),
  );
  const text = await metrics!.text();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    live: `${live!.status} ${await live!.text()}`,
    ready: ready!.status,
    redisUp: sample('tincan_relay_redis_up'),
    connectionErrors: sample('tincan_relay_errors_total\\{kind="redis-connection"\\}'),
  };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function client(relay: RelayProcess, label: string) {
  const inbox: Uint8Array[] = [];
  const connected = await connectRelay({
    url: relay.url,
    identity: await identity(label),
    onDeliver: (envelope) => inbox.push(envelope.slice()),
  });
  clients.push(connected);
  return Object.assign(connected, { inbox });
}

describe('relay nodes whose Redis is away', () => {
  it('start without it, route locally, report it, join when it comes and report when it goes', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const channelKey = randomBytes(32).toString('hex');
    const [node1, node2] = await Promise.all([startNode(url, channelKey), startNode(url, channelKey)]);

    const down = await health(node1);
    expect(down.live).toBe('200 degraded: redis unreachable, routing locally\n');
    expect(down.ready).toBe(503);
    expect(down.redisUp).toBe(0);
    expect(node1.output()).toContain('redis unreachable, routing locally');
    // Its own clients still reach each other; a client on the other node is undeliverable, not a hang.
    const alice = await client(node1, 'outage-alice');
    const carol = await client(node1, 'outage-carol');
    const bob = await client(node2, 'outage-bob');
    expect(await alice.send(carol.publicKey, Uint8Array.of(1))).toBe('forwarded');
    expect(await alice.send(bob.publicKey, Uint8Array.of(2))).toBe('undeliverable');

    redis = await startRedisServer(port);
    for (const node of [node1, node2]) {
      await until(
        () => health(node),
        (h) => h.ready === 200 && h.redisUp === 1,
        'joined',
      );
    }
    expect((await health(node1)).live).toBe('200 ok\n');
    await until(
      () => alice.send(bob.publicKey, Uint8Array.of(3)),
      (r) => r === 'forwarded',
      'cross-node',
    );
    await until(
      async () => bob.inbox.length,
      (n) => n === 1,
      'bob received',
    );
    expect(bob.inbox[0]).toEqual(Uint8Array.of(3));

    await redis.stop();
    redis = undefined;
    const lost = await until(
      () => health(node1),
      (h) => h.ready === 503,
      'redis loss reported',
      5_000,
    );
    expect(lost.redisUp).toBe(0);
    expect(lost.connectionErrors).toBeGreaterThan(0);
    await until(
      async () => node1.output(),
      (text) => text.includes('redis unreachable'),
      'logged',
    );
    expect(await alice.send(carol.publicKey, Uint8Array.of(4))).toBe('forwarded');
  }, 60_000);
});
