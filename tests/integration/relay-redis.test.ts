/**
 * Two relay processes (relay/main.ts with REDIS_URL) sharing one real redis-server: routing, undeliverable
 * and takeover work across them, and Redis is left holding nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRelay, type RelayClient } from '../../client/cli/relay-client.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { testIdentity } from '../support/identities.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const backend = nodeEd25519();
const channelKey = randomBytes(32);

interface RelayProcess {
  readonly url: string;
  readonly child: ChildProcess;
}

async function startRelayProcess(redisUrl: string): Promise<RelayProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'relay/main.ts', '--host', '127.0.0.1', '--port', '0'],
    {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redisUrl, REDIS_CHANNEL_KEY: channelKey.toString('hex') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\(relay (ws:\/\/\S+?);/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`relay exited ${code}: ${output}`)));
  });
  return { url, child };
}

async function stopRelayProcess(relay: RelayProcess | undefined): Promise<number | null> {
  if (!relay || relay.child.exitCode !== null) return relay?.child.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => relay.child.once('exit', resolve));
  relay.child.kill('SIGTERM');
  return exited;
}

async function connect(relay: RelayProcess, label: string) {
  const inbox: Uint8Array[] = [];
  const client = await connectRelay({
    url: relay.url,
    identity: await testIdentity(label, backend),
    onDeliver: (envelope) => inbox.push(envelope.slice()),
  });
  return Object.assign(client, { inbox });
}

let redis: RedisServer;
let admin: Redis;
let node1: RelayProcess;
let node2: RelayProcess;
const clients: RelayClient[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
  [node1, node2] = await Promise.all([startRelayProcess(redis.url), startRelayProcess(redis.url)]);
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  const exits = await Promise.all([stopRelayProcess(node1), stopRelayProcess(node2)]);
  admin?.disconnect();
  await redis?.stop();
  expect(exits).toEqual([0, 0]); // graceful shutdown closed the router's Redis connections too
}, 30_000);

describe('two relay processes through Redis', () => {
  it('routes an envelope from a client on node 1 to a client on node 2 and back', async () => {
    const alice = await connect(node1, 'redis-alice');
    const bob = await connect(node2, 'redis-bob');
    clients.push(alice, bob);
    const envelope = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff);
    expect(await alice.send(bob.publicKey, envelope)).toBe('forwarded');
    expect(await bob.send(alice.publicKey, Uint8Array.of(0, 255))).toBe('forwarded');
    await expect.poll(() => bob.inbox.length + alice.inbox.length).toBe(2);
    expect(bob.inbox[0]).toEqual(envelope);
    expect(alice.inbox[0]).toEqual(Uint8Array.of(0, 255));
  });

  it('answers undeliverable across nodes: never connected, and after the recipient left node 2', async () => {
    const sender = await connect(node1, 'redis-sender');
    const nobody = await testIdentity('redis-nobody', backend);
    clients.push(sender);
    expect(await sender.send(nobody.publicKey, Uint8Array.of(1))).toBe('undeliverable');
    const leaver = await connect(node2, 'redis-leaver');
    expect(await sender.send(leaver.publicKey, Uint8Array.of(2))).toBe('forwarded');
    await leaver.close();
    await expect
      .poll(() => sender.send(leaver.publicKey, Uint8Array.of(3)), { timeout: 5000 })
      .toBe('undeliverable');
  });

  it('takeover across nodes: the same identity on node 2 closes its socket on node 1 with replaced', async () => {
    const sender = await connect(node2, 'redis-takeover-sender');
    const old = await connect(node1, 'redis-carol');
    const newer = await connect(node2, 'redis-carol');
    clients.push(sender, newer);
    const closed = await old.closed;
    expect(closed.code).toBe(RELAY_CLOSE_CODES.replaced);
    expect(await sender.send(newer.publicKey, Uint8Array.of(4))).toBe('forwarded');
    await expect.poll(() => newer.inbox.length).toBe(1);
    expect(old.inbox).toEqual([]);
    // And back the other way: node 1 takes the address again.
    const newest = await connect(node1, 'redis-carol');
    clients.push(newest);
    expect((await newer.closed).code).toBe(RELAY_CLOSE_CODES.replaced);
    expect(await sender.send(newest.publicKey, Uint8Array.of(5))).toBe('forwarded');
    await expect.poll(() => newest.inbox.length).toBe(1);
  });

  it('leaves Redis holding nothing: no keys, no files, only pseudonymous channels', async () => {
    expect(await admin.dbsize()).toBe(0);
    expect((await admin.info('keyspace')).trim()).toBe('# Keyspace');
    expect(await redis.files()).toEqual([]);
    const channels = [
      ...((await admin.call('PUBSUB', 'SHARDCHANNELS')) as string[]),
      ...((await admin.call('PUBSUB', 'CHANNELS')) as string[]),
    ];
    for (const channel of channels) expect(channel).toMatch(/^tc:a:[0-9a-f]{32}$/);
    // The connected 'redis-alice' is there under the deployment key's pseudonym, not under her key.
    const alice = (await testIdentity('redis-alice', backend)).publicKey;
    const pseudonym = createHmac('sha256', channelKey).update(alice).digest().subarray(0, 16).toString('hex');
    expect(channels).toContain(`tc:a:${pseudonym}`);
  });
});
