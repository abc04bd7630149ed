/**
 * Several relay nodes: the rotation rule on its own, and the browser's relay connection failing over
 * between real relays (in this process) at once, backing off only when every node is down.
 */
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { connectRelay } from '../../client/cli/relay-client.ts';
import { MAX_RELAY_URLS, RelayRotation, relayUrlsFrom } from '../../client/core/relay-rotation.ts';
import {
  createRelayConnection,
  type RelayConnection,
  type RelayConnectionState,
  type WebSocketLike,
} from '../../client/services/relay-connection.ts';
import { relayUrlsForPage } from '../../client/services/relay-list.ts';
import { webCryptoEd25519 } from '../../crypto/ed25519.ts';
import { createRelay, type Relay } from '../../relay/server.ts';
import { testIdentity } from '../support/identities.ts';

const backend = webCryptoEd25519(globalThis.crypto.subtle);

describe('relay rotation', () => {
  test('moves to the next node at once, and backs off only after every node failed in a row', () => {
    const rotation = new RelayRotation(['ws://a/relay', 'ws://b/relay', 'ws://c/relay']);
    expect(rotation.current).toBe('ws://a/relay');
    expect(rotation.failed()).toBe('now');
    expect(rotation.current).toBe('ws://b/relay');
    expect(rotation.failed()).toBe('now');
    expect(rotation.current).toBe('ws://c/relay');
    expect(rotation.failed()).toBe('backoff');
    expect(rotation.current).toBe('ws://a/relay');
    // A new round after the backoff: the same again.
    expect(rotation.failed()).toBe('now');
    rotation.succeeded();
    expect(rotation.current).toBe('ws://b/relay');
    // Online on b, then b is lost: c and a are tried at once.
    expect(rotation.failed()).toBe('now');
    expect(rotation.failed()).toBe('now');
    expect(rotation.failed()).toBe('backoff');
  });

  test('one node: every failure backs off, as without a list', () => {
    const rotation = new RelayRotation(['ws://a/relay', 'ws://a/relay']);
    expect(rotation.size).toBe(1);
    expect(rotation.failed()).toBe('backoff');
    expect(rotation.failed()).toBe('backoff');
    expect(rotation.current).toBe('ws://a/relay');
  });

  test('refuses an empty or oversized list', () => {
    expect(() => new RelayRotation([])).toThrow(RangeError);
    const many = Array.from({ length: MAX_RELAY_URLS + 1 }, (_, i) => `ws://n${i}/relay`);
    expect(() => new RelayRotation(many)).toThrow(RangeError);
  });

  test("a server's list adds only ws(s) URLs after the page's own relay", () => {
    const own = 'wss://chat.example/relay';
    expect(
      relayUrlsFrom(own, [
        'wss://b.chat.example/relay',
        own,
        'https://c.chat.example/relay',
        'wss://user:pw@d.chat.example/relay',
        42,
        'not a url',
        'ws://127.0.0.1:8081/relay',
      ]),
    ).toEqual([own, 'wss://b.chat.example/relay', 'ws://127.0.0.1:8081/relay']);
    expect(relayUrlsFrom(own, undefined)).toEqual([own]);
    expect(relayUrlsFrom(own, { relays: [] })).toEqual([own]);
    const many = Array.from({ length: 40 }, (_, i) => `wss://n${i}.example/relay`);
    expect(relayUrlsFrom(own, many)).toHaveLength(MAX_RELAY_URLS);
  });
});

describe('relay connection over several nodes', () => {
  const relays: Relay[] = [];
  const connections: RelayConnection[] = [];
  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.stop();
    await Promise.all(relays.splice(0).map((relay) => relay.close()));
  });

  const until = async (check: () => boolean, what: string, timeoutMs = 5_000) => {
    const start = Date.now();
    while (!check()) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return Date.now() - start;
  };

  async function connect(urls: string[]) {
    const identity = await testIdentity('rotating', backend);
    const states: RelayConnectionState[] = [];
    const opened: string[] = [];
    const connection = createRelayConnection({
      url: urls[0]!,
      otherUrls: urls.slice(1),
      identity,
      onEnvelope: () => {},
      onStateChange: (state) => states.push(state),
      createSocket: (url) => {
        opened.push(url);
        return new WebSocket(url) as unknown as WebSocketLike;
      },
      // A backoff long enough to tell apart from an immediate failover.
      backoff: { initialMs: 4_000, maxMs: 8_000, stableMs: 50 },
    });
    connections.push(connection);
    connection.start();
    await until(() => connection.state.status === 'online', 'online');
    return { connection, states, opened };
  }

  test('a node that goes away and stays away: the next node at once, each signed for with its own origin', async () => {
    relays.push(
      ...(await Promise.all([0, 1].map(() => createRelay({ port: 0, staticDir: '/nonexistent' })))),
    );
    const [a, b] = relays as [Relay, Relay];
    const { connection, states, opened } = await connect([a.url, b.url]);
    expect(opened).toEqual([a.url]);
    await new Promise((resolve) => setTimeout(resolve, 60)); // online past stableMs
    await a.close();
    const back = await until(
      () => connection.state.status === 'online' && opened.length === 2,
      'online on the second node',
    );
    expect(opened).toEqual([a.url, b.url]);
    expect(states.map((s) => s.status)).not.toContain('retrying');
    expect(back).toBeLessThan(2_000);
    expect(b.metrics.counts.authenticated).toBe(1);
  });

  test('a first node that is down at start costs one refused connection, not a backoff', async () => {
    relays.push(await createRelay({ port: 0, staticDir: '/nonexistent' }));
    const down = await createRelay({ port: 0, staticDir: '/nonexistent' });
    await down.close();
    const { states, opened } = await connect([down.url, relays[0]!.url]);
    expect(opened).toEqual([down.url, relays[0]!.url]);
    expect(states.map((s) => s.status)).toEqual(['connecting', 'connecting', 'online']);
  });

  test('every node down: one round of attempts, then the backoff', async () => {
    relays.push(
      ...(await Promise.all([0, 1].map(() => createRelay({ port: 0, staticDir: '/nonexistent' })))),
    );
    const [a, b] = relays as [Relay, Relay];
    const { connection, opened } = await connect([a.url, b.url]);
    relays.splice(0);
    await Promise.all([a.close(), b.close()]);
    await until(() => connection.state.status === 'retrying', 'retrying');
    // a was lost, b refused: every node has failed in a row.
    expect(opened).toEqual([a.url, b.url]);
    expect(connection.state.retryAt! - Date.now()).toBeGreaterThan(1_000);
  });
});

describe("a node of several: its siblings' origins", () => {
  const started: Relay[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((relay) => relay.close()));
  });

  test('serves the list, names the nodes in its CSP, and admits a page and a signature of another node', async () => {
    const sibling = 'wss://b.tincan.example/relay';
    const relay = await createRelay({
      port: 0,
      staticDir: '/nonexistent',
      origins: ['https://a.tincan.example'],
      relays: ['wss://a.tincan.example/relay', sibling],
    });
    started.push(relay);
    expect(relay.origins).toEqual(['https://a.tincan.example', 'https://b.tincan.example']);
    const response = await fetch(`${relay.httpUrl}/relays.json`);
    expect(await response.json()).toEqual({ relays: ['wss://a.tincan.example/relay', sibling] });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain('wss://b.tincan.example');
    // A page loaded from node b, signing for node b, gets in here.
    const identity = await testIdentity('sibling-page', backend);
    const client = await connectRelay({
      url: relay.url,
      identity,
      origin: 'https://b.tincan.example',
      webSocket: { headers: { Origin: 'https://b.tincan.example' } },
    });
    await client.close();
    // Anything else is still refused.
    await expect(
      connectRelay({ url: relay.url, identity, origin: 'https://c.tincan.example' }),
    ).rejects.toThrow(/4001/);
  });

  test('refuses a --relays entry that is not a ws(s) URL', async () => {
    await expect(
      createRelay({ port: 0, staticDir: '/nonexistent', relays: ['https://a.tincan.example/relay'] }),
    ).rejects.toThrow(RangeError);
  });
});

describe('the relay list a page reads', () => {
  const page = { protocol: 'https:', host: 'chat.example' };
  const answer = (status: number, body: unknown) =>
    (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

  test('its own relay first, then the listed nodes; its own alone when the list is missing or broken', async () => {
    const listed = ['wss://a.chat.example/relay', 'wss://chat.example/relay'];
    expect(await relayUrlsForPage(page, answer(200, { relays: listed }))).toEqual([
      'wss://chat.example/relay',
      'wss://a.chat.example/relay',
    ]);
    expect(await relayUrlsForPage(page, answer(404, 'not found'))).toEqual(['wss://chat.example/relay']);
    expect(await relayUrlsForPage(page, answer(200, null))).toEqual(['wss://chat.example/relay']);
    const failing = (async () => {
      throw new TypeError('network');
    }) as unknown as typeof fetch;
    expect(await relayUrlsForPage({ protocol: 'http:', host: '127.0.0.1:8080' }, failing)).toEqual([
      'ws://127.0.0.1:8080/relay',
    ]);
  });
});
