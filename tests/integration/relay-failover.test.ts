/**
 * Three relay processes (relay/main.ts with REDIS_URL and --relays) sharing one real redis-server: a node is
 * killed and not restarted, and the clients on it (the browser's session code on a Node WebSocket, and the
 * CLI's chat node) are back online through another node within 2 s, with messages flowing across nodes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { type ChatNode, startChatNode } from '../../client/cli/chat-node.ts';
import type { MessengerEvent } from '../../client/core/messenger.ts';
import type { WebSocketLike } from '../../client/services/relay-connection.ts';
import type { ProfileData } from '../../client/state/profile-data.ts';
import { createSession, type SessionModel } from '../../client/state/session.ts';
import { toHex } from '../../crypto/bytes.ts';
import { webCryptoEd25519 } from '../../crypto/ed25519.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { testIdentity, testRandom } from '../support/identities.ts';
import { freePort, type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { type RelayProcess, spawnRelay } from '../support/relay-process.ts';

const webBackend = webCryptoEd25519(globalThis.crypto.subtle);
const channelKey = randomBytes(32).toString('hex');

let redis: RedisServer;
let dir: string;
let urls: string[];
let nodes: RelayProcess[];
const sessions: SessionModel[] = [];
const chatNodes: ChatNode[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'tincan-failover-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  urls = ports.map((port) => `ws://127.0.0.1:${port}/relay`);
  nodes = await Promise.all(
    ports.map((port) =>
      spawnRelay({
        cwd: dir,
        args: ['--port', String(port), '--relays', urls.join(',')],
        env: { REDIS_URL: redis.url, REDIS_CHANNEL_KEY: channelKey },
      }),
    ),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(sessions.map((session) => session.dispose()));
  await Promise.all(chatNodes.map((node) => node.close()));
  for (const node of nodes ?? []) if (node.child.exitCode === null) node.child.kill('SIGTERM');
  await Promise.all((nodes ?? []).map((node) => node.exited));
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

const until = async (check: () => boolean, what: string, timeoutMs = 10_000): Promise<number> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - start;
};

/** SIGKILL: the node dies at once and for good, as a crashed or unplugged machine would. When it was sent. */
async function kill(node: RelayProcess): Promise<number> {
  // The relay is the start command's child when the command is a launcher (npm), or the command itself.
  const children = readFileSync(`/proc/${node.pid}/task/${node.pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter((pid) => pid.length > 0);
  const killedAt = Date.now();
  for (const pid of children) process.kill(Number(pid), 'SIGKILL');
  node.child.kill('SIGKILL');
  await node.exited;
  return killedAt;
}

interface Person {
  profile: ProfileData;
  session: SessionModel;
}

async function person(name: string, relays: readonly string[]): Promise<Person> {
  const identity = await testIdentity(name, webBackend);
  const person = {
    profile: { version: 1, seed: toHex(identity.seed), displayName: name, createdAt: 0, contacts: [] },
  } as unknown as Person;
  person.session = createSession({
    identity,
    backend: webBackend,
    profile: person.profile,
    save: async (next) => {
      person.profile = next;
    },
    random: testRandom(`failover:${name}`),
    relayUrl: relays[0]!,
    otherRelayUrls: relays.slice(1),
    origin: 'http://127.0.0.1',
    relayOptions: { createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike },
    tickMs: 100,
  });
  sessions.push(person.session);
  return person;
}

const texts = (p: Person, key: string) =>
  (p.session.chats.threads.value.get(key) ?? [])
    .filter((line) => line.kind === 'message')
    .map((line) => (line as { text: string }).text);

describe('several relay nodes, one of them lost for good', () => {
  test('each node serves the node list, and its CSP lets the page connect to every node', async () => {
    const http = urls[1]!.replace('ws://', 'http://').replace('/relay', '/relays.json');
    const response = await fetch(http);
    expect(await response.json()).toEqual({ relays: urls });
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const url of urls) expect(csp).toContain(new URL(url).origin);
  });

  test('the browser session code: back online through another node in under 2 s, messages flow', {
    timeout: 60_000,
  }, async () => {
    const ann = await person('Ann', urls);
    const bo = await person('Bo', [urls[2]!]);
    await until(() => ann.session.connection.online.value && bo.session.connection.online.value, 'online');
    const preview = ann.session.contacts.preview(bo.session.me.code);
    if (!preview.ok) throw new Error(preview.error);
    await ann.session.contacts.add(preview.key, preview.name, { scannedInPerson: false });
    await until(() => bo.session.contacts.requests.value.length === 1, 'request');
    await bo.session.contacts.acceptRequest(ann.session.me.key);
    const annKey = ann.session.me.key;
    const boKey = bo.session.me.key;
    await until(() => ann.session.contacts.presence.value.has(boKey), 'Bo online at Ann');

    // Every status with its time: the time offline can be shorter than any poll.
    const statuses: { status: string; at: number }[] = [];
    const unsubscribe = ann.session.connection.state.subscribe(({ status }) => {
      statuses.push({ status, at: Date.now() });
    });
    const killedAt = await kill(nodes[0]!);
    const backOnline = () => {
      const lost = statuses.findIndex(({ status }) => status !== 'online');
      return lost < 0 ? undefined : statuses.slice(lost).find(({ status }) => status === 'online');
    };
    await until(() => backOnline() !== undefined, 'Ann online again through another node', 5_000);
    unsubscribe();
    const back = backOnline()!.at - killedAt;
    console.info(`browser session code: online through another node ${back} ms after its node was killed`);
    expect(back).toBeLessThan(2_000);

    bo.session.chats.send(annKey, 'across the nodes');
    await until(() => texts(ann, boKey).includes('across the nodes'), 'Bo to Ann');
    ann.session.chats.send(boKey, 'and back');
    await until(() => texts(bo, annKey).includes('and back'), 'Ann to Bo');
    await until(() => ann.session.contacts.presence.value.has(boKey), 'Bo online at Ann again');
  });

  test('the CLI chat node: back online through another node in under 2 s, messages flow', {
    timeout: 60_000,
  }, async () => {
    const backend = nodeEd25519();
    const [cy, di] = await Promise.all([testIdentity('cli-cy', backend), testIdentity('cli-di', backend)]);
    const cyKey = toHex(cy.publicKey);
    const diKey = toHex(di.publicKey);
    const seen = { cy: [] as MessengerEvent[], di: [] as MessengerEvent[] };
    const states: string[] = [];
    const only = (peer: string) => ({
      status: (key: string) => (key === peer ? ('contact' as const) : ('stranger' as const)),
      list: () => [peer],
    });
    const cyNode = await startChatNode({
      url: urls[1]!,
      otherUrls: [urls[2]!],
      identity: cy,
      contacts: only(diKey),
      reconnect: true,
      onConnection: (state) => states.push(state),
      onEvent: (event) => void seen.cy.push(event),
    });
    chatNodes.push(cyNode);
    const diNode = await startChatNode({
      url: urls[2]!,
      identity: di,
      contacts: only(cyKey),
      reconnect: true,
      onEvent: (event) => void seen.di.push(event),
    });
    chatNodes.push(diNode);
    const first = cyNode.messenger.sendText(diKey, 'before');
    await until(
      () => seen.cy.some((e) => e.type === 'delivered' && e.ids.includes(first.id)),
      'first delivered',
    );

    const connections = states.length;
    const killedAt = await kill(nodes[1]!);
    await until(
      () => states.slice(connections).includes('connected'),
      'the chat node connected again',
      5_000,
    );
    const back = Date.now() - killedAt;
    console.info(`CLI chat node: online through another node ${back} ms after its node was killed`);
    expect(back).toBeLessThan(2_000);

    const after = cyNode.messenger.sendText(diKey, 'after');
    await until(() => seen.cy.some((e) => e.type === 'delivered' && e.ids.includes(after.id)), 'delivered');
    const received = seen.di.filter((e) => e.type === 'message').map((e) => e.message.text);
    expect(received).toEqual(['before', 'after']);
  });
});
