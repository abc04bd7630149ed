import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { createRedisRouter, type RedisRouterOptions } from '../../relay/redis-router.ts';
import type { Endpoint, Router } from '../../relay/router.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';

interface Probe extends Endpoint {
  readonly frames: Uint8Array[];
  kicks: number;
}

function probe(): Probe {
  const frames: Uint8Array[] = [];
  const self: Probe = {
    frames,
    kicks: 0,
    deliver: (frame) => frames.push(Uint8Array.from(frame)),
    kick: () => {},
  };
  self.kick = () => {
    self.kicks++;
  };
  return self;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const address = () => new Uint8Array(randomBytes(32));
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

let server: RedisServer;
let admin: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

describe.each([
  { sharded: true, listCommand: ['PUBSUB', 'SHARDCHANNELS'], countCommand: 'SHARDNUMSUB' },
  { sharded: false, listCommand: ['PUBSUB', 'CHANNELS'], countCommand: 'NUMSUB' },
])('Redis router, sharded=$sharded', ({ sharded, listCommand, countCommand }) => {
  const channelKey = new Uint8Array(randomBytes(32));
  let node1: Router;
  let node2: Router;
  const options: RedisRouterOptions = { sharded, channelKey };
  const channels = async () => (await admin.call(listCommand[0]!, listCommand[1]!)) as string[];
  const subscribers = async (channel: string) =>
    Number(((await admin.call('PUBSUB', countCommand, channel)) as [string, number])[1]);

  beforeAll(async () => {
    [node1, node2] = await Promise.all([
      createRedisRouter(server.url, options),
      createRedisRouter(server.url, options),
    ]);
  });
  afterAll(async () => {
    await Promise.all([node1?.close(), node2?.close()]);
  });

  it('routes a frame from node 2 to an endpoint on node 1, byte for byte', async () => {
    const alice = address();
    const endpoint = probe();
    await node1.attach(alice, endpoint);
    expect(await node2.route(alice, allBytes)).toBe(true);
    await until(() => endpoint.frames.length === 1, 'delivery');
    expect(endpoint.frames[0]).toEqual(allBytes);
    expect(await node1.route(alice, Uint8Array.of(7))).toBe(true); // local holder: no Redis round trip
    expect(endpoint.frames[1]).toEqual(Uint8Array.of(7));
    await node1.detach(alice, endpoint);
  });

  it('answers undeliverable across nodes for an address nobody holds, and after detach', async () => {
    const bob = address();
    expect(await node2.route(bob, Uint8Array.of(1))).toBe(false);
    const endpoint = probe();
    await node1.attach(bob, endpoint);
    expect(await node2.route(bob, Uint8Array.of(2))).toBe(true);
    await until(() => endpoint.frames.length === 1, 'the routed frame');
    await node1.detach(bob, endpoint);
    await until(async () => !(await node2.route(bob, Uint8Array.of(3))), 'undeliverable after detach');
    expect(endpoint.frames).toEqual([Uint8Array.of(2)]);
  });

  it('newest wins across nodes: attaching on node 2 kicks the holder on node 1', async () => {
    const carol = address();
    const old = probe();
    const newer = probe();
    await node1.attach(carol, old);
    await node2.attach(carol, newer);
    await until(() => old.kicks === 1, 'kick of the old holder');
    expect(newer.kicks).toBe(0);
    await node1.detach(carol, old); // the server detaches after its kick: must not remove the new holder
    expect(await node1.route(carol, Uint8Array.of(9))).toBe(true);
    await until(() => newer.frames.length === 1, 'delivery to the new holder');
    await sleep(50);
    expect(old.frames).toEqual([]);
    await node2.detach(carol, newer);
  });

  it('newest wins on one node without Redis: the old endpoint is kicked at once', async () => {
    const dave = address();
    const [old, newer] = [probe(), probe()];
    await node1.attach(dave, old);
    await node1.attach(dave, newer);
    expect([old.kicks, newer.kicks]).toEqual([1, 0]);
    await node1.detach(dave, old);
    expect(await node2.route(dave, Uint8Array.of(4))).toBe(true);
    await until(() => newer.frames.length === 1, 'delivery to the new holder');
    await node1.detach(dave, newer);
  });

  it('concurrent attaches of one address on both nodes leave exactly one holder', async () => {
    const pairs = Array.from({ length: 20 }, () => ({ key: address(), a: probe(), b: probe() }));
    await Promise.all(pairs.flatMap(({ key, a, b }) => [node1.attach(key, a), node2.attach(key, b)]));
    await sleep(200);
    for (const { key, a, b } of pairs) {
      expect(a.kicks + b.kicks).toBe(1);
      const survivor = a.kicks === 0 ? a : b;
      expect(await node1.route(key, Uint8Array.of(5))).toBe(true);
      await until(() => survivor.frames.length === 1, 'delivery to the survivor');
    }
    await Promise.all(pairs.flatMap(({ key, a, b }) => [node1.detach(key, a), node2.detach(key, b)]));
  });

  it('keeps raw identity keys out of the channel list and one subscriber per address', async () => {
    const erin = address();
    const endpoint = probe();
    await node2.attach(erin, endpoint);
    const names = await channels();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(name).toMatch(/^tc:a:[0-9a-f]{32}$/);
      expect(name).not.toContain(toHex(erin).slice(0, 16));
    }
    expect(await subscribers(names.find((n) => n.startsWith('tc:a:'))!)).toBe(1);
    await node2.detach(erin, endpoint);
    await until(async () => (await channels()).length === 0, 'unsubscribe on detach');
  });

  it('re-subscribes after Redis drops its pub/sub connections', async () => {
    const frank = address();
    const endpoint = probe();
    await node1.attach(frank, endpoint);
    expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1);
    await until(async () => node2.route(frank, Uint8Array.of(6)), 'routing after reconnect', 8000);
    await until(() => endpoint.frames.length >= 1, 'delivery after reconnect');
    await node1.detach(frank, endpoint);
  });

  it('writes nothing to Redis: no keys, an empty keyspace, no files', async () => {
    const key = address();
    const endpoint = probe();
    await node1.attach(key, endpoint);
    for (let i = 0; i < 50; i++) await node2.route(key, Uint8Array.of(i));
    await until(() => endpoint.frames.length === 50, 'traffic');
    await node1.detach(key, endpoint);
    expect(await admin.dbsize()).toBe(0);
    expect((await admin.info('keyspace')).trim()).toBe('# Keyspace');
    expect(await server.files()).toEqual([]);
  });
});

describe('Redis router when Redis goes away', () => {
  it('answers undeliverable without throwing while Redis is down, and recovers when it is back', async () => {
    const own = await startRedisServer();
    const errors: string[] = [];
    const [node1, node2] = await Promise.all([
      createRedisRouter(own.url, { onError: (kind) => errors.push(kind) }),
      createRedisRouter(own.url, { onError: (kind) => errors.push(kind) }),
    ]);
    try {
      const key = address();
      const endpoint = probe();
      await node1.attach(key, endpoint);
      await own.stop();
      await until(async () => !(await node2.route(key, Uint8Array.of(1))), 'undeliverable while down');
      const late = address();
      await node1.attach(late, probe()); // resolves although Redis is down; subscribed once it is back
      expect(errors).toContain('subscribe');
      const restarted = await startRedisServer(own.port);
      try {
        await until(async () => node2.route(key, Uint8Array.of(2)), 'routing after restart', 10_000);
        await until(async () => node2.route(late, Uint8Array.of(3)), 'late attach subscribed', 10_000);
      } finally {
        await Promise.all([node1.close(), node2.close()]);
        await restarted.stop();
      }
    } finally {
      await Promise.all([node1.close(), node2.close()]);
    }
  }, 30_000);

  it('starts while Redis is unreachable, routes locally, and joins when Redis comes', async () => {
    const own = await startRedisServer();
    await own.stop();
    const [node1, node2] = await Promise.all([createRedisRouter(own.url), createRedisRouter(own.url)]);
    let restarted: RedisServer | undefined;
    try {
      expect(node1.connected?.()).toBe(false);
      const here = address();
      const there = address();
      const atHere = probe();
      await node1.attach(here, atHere);
      await node2.attach(there, probe());
      // Local routing never needs Redis; another node's address is undeliverable at once.
      expect(await node1.route(here, Uint8Array.of(1))).toBe(true);
      expect(atHere.frames).toEqual([Uint8Array.of(1)]);
      expect(await node1.route(there, Uint8Array.of(2))).toBe(false);
      restarted = await startRedisServer(own.port);
      await until(() => node1.connected?.() === true && node2.connected?.() === true, 'connected', 10_000);
      await until(async () => node1.route(there, Uint8Array.of(3)), 'routing across nodes', 10_000);
      await until(async () => node2.route(here, Uint8Array.of(4)), 'routing back', 10_000);
    } finally {
      await Promise.all([node1.close(), node2.close()]);
      await restarted?.stop();
    }
  }, 30_000);
});
