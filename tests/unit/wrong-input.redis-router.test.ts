/** Wrong arguments to the Redis router are programming errors: TypeError / RangeError naming the argument. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRouter } from '../../relay/redis-router.ts';
import type { Endpoint, Router } from '../../relay/router.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';

const endpoint: Endpoint = { deliver: () => {}, kick: () => {} };
const wrongAddresses: [string, unknown, ErrorConstructor][] = [
  ['a string', 'ab'.repeat(32), TypeError],
  ['null', null, TypeError],
  ['an array', Array(32).fill(0), TypeError],
  ['empty', new Uint8Array(0), RangeError],
  ['short', new Uint8Array(31), RangeError],
  ['long', new Uint8Array(33), RangeError],
];

let server: RedisServer;
let router: Router;
beforeAll(async () => {
  server = await startRedisServer();
  router = await createRedisRouter(server.url);
});
afterAll(async () => {
  await router?.close();
  await server?.stop();
});

describe('createRedisRouter', () => {
  it('refuses a target that is neither a URL nor a cluster', async () => {
    await expect(createRedisRouter(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(createRedisRouter({ cluster: [] })).rejects.toThrow(/non-empty list of URLs/);
    await expect(createRedisRouter({ cluster: ['http://127.0.0.1:1'] })).rejects.toThrow(
      /not a redis:\/\/ URL/,
    );
  });
  it.each([
    ['a string', 'secret', TypeError],
    ['empty', new Uint8Array(0), RangeError],
    ['short', new Uint8Array(15), RangeError],
  ] as const)('refuses a channelKey that is %s', async (_, channelKey, type) => {
    const attempt = createRedisRouter(server.url, { channelKey: channelKey as Uint8Array });
    await expect(attempt).rejects.toThrow(type);
    await expect(attempt).rejects.toThrow(/channelKey/);
  });
});

describe.each(wrongAddresses)('an address that is %s', (_, address, type) => {
  const bad = address as Uint8Array;
  // attach waits for Redis, so it rejects; detach and route answer synchronously (no promise for a local
  // route, see relay/router.ts), so they throw.
  it('is refused by attach, detach and route, naming the argument', async () => {
    await expect(router.attach(bad, endpoint)).rejects.toThrow(type);
    await expect(router.attach(bad, endpoint)).rejects.toThrow(/address/);
    expect(() => router.detach(bad, endpoint)).toThrow(/address/);
    expect(() => router.route(bad, Uint8Array.of(1))).toThrow(type);
    expect(() => router.route(bad, Uint8Array.of(1))).toThrow(/recipient/);
  });
});

describe('route', () => {
  it.each([
    ['a string', 'frame'],
    ['null', null],
    ['an ArrayBuffer', new ArrayBuffer(4)],
  ])('refuses a frame that is %s', (_, frame) => {
    expect(() => router.route(new Uint8Array(32), frame as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => router.route(new Uint8Array(32), frame as unknown as Uint8Array)).toThrow(/frame/);
  });
  it('takes an empty frame (the router is opaque) and answers undeliverable for nobody', async () => {
    expect(await router.route(new Uint8Array(32), new Uint8Array(0))).toBe(false);
  });
});
