import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import {
  backoffDelay,
  createRelayConnection,
  DEFAULT_BACKOFF,
  type RelayConnection,
  type RelayConnectionState,
  RelayUnavailableError,
  sameOriginRelayUrl,
  type WebSocketLike,
} from '../../client/services/relay-connection.ts';
import { webCryptoEd25519 } from '../../crypto/ed25519.ts';
import type { Identity } from '../../crypto/identity.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { encodeFrame } from '../../crypto/relay-frames.ts';
import { createRelay, type Relay } from '../../relay/server.ts';
import { testIdentity } from '../support/identities.ts';

const backend = webCryptoEd25519(globalThis.crypto.subtle);
const nodeSocket = (url: string) => new WebSocket(url) as unknown as WebSocketLike;

interface Client {
  connection: RelayConnection;
  states: RelayConnectionState[];
  received: Uint8Array[];
  online(): Promise<void>;
}

function client(
  url: string,
  identity: Identity,
  extra: Partial<Parameters<typeof createRelayConnection>[0]> = {},
): Client {
  const states: RelayConnectionState[] = [];
  const received: Uint8Array[] = [];
  const waiters: (() => void)[] = [];
  const connection = createRelayConnection({
    url,
    identity,
    createSocket: nodeSocket,
    onEnvelope: (envelope) => received.push(envelope),
    onStateChange: (state) => {
      states.push(state);
      if (state.status === 'online') for (const wake of waiters.splice(0)) wake();
    },
    backoff: { initialMs: 20, maxMs: 200, stableMs: 50 },
    ...extra,
  });
  return {
    connection,
    states,
    received,
    online: () =>
      connection.state.status === 'online'
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
  };
}

const until = async (check: () => boolean, timeoutMs = 5_000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('relay connection against the real relay', () => {
  let relay: Relay;
  let alice: Identity;
  let bob: Identity;
  const open: RelayConnection[] = [];

  beforeEach(async () => {
    relay = await createRelay({
      port: 0,
      staticDir: '/nonexistent',
      limits: { messagesPerSecond: 20, messageBurst: 10 },
    });
    [alice, bob] = await Promise.all([testIdentity('alice', backend), testIdentity('bob', backend)]);
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) connection.stop();
    await relay.close();
  });

  const start = (c: Client) => {
    open.push(c.connection);
    c.connection.start();
    return c.online();
  };

  test('authenticates, reports online, delivers envelopes both ways', async () => {
    const a = client(relay.url, alice);
    const b = client(relay.url, bob);
    await Promise.all([start(a), start(b)]);
    expect(a.states.map((s) => s.status)).toEqual(['connecting', 'online']);
    expect(await a.connection.send(bob.publicKey, Uint8Array.of(1, 2, 3))).toBe('sent');
    await until(() => b.received.length === 1);
    expect(b.received[0]).toEqual(Uint8Array.of(1, 2, 3));
  });

  test('a recipient that is not connected is undeliverable; sending while offline rejects', async () => {
    const a = client(relay.url, alice);
    await expect(a.connection.send(bob.publicKey, Uint8Array.of(1))).rejects.toBeInstanceOf(
      RelayUnavailableError,
    );
    await start(a);
    expect(await a.connection.send(bob.publicKey, Uint8Array.of(1))).toBe('undeliverable');
  });

  test('bursts beyond the announced rate are paced, not punished', async () => {
    const a = client(relay.url, alice);
    const b = client(relay.url, bob);
    await Promise.all([start(a), start(b)]);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => a.connection.send(bob.publicKey, Uint8Array.of(i))),
    );
    expect(results.every((r) => r === 'sent')).toBe(true);
    await until(() => b.received.length === 40);
    expect(b.received.map((e) => e[0])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(a.connection.state.status).toBe('online');
  });

  test('reconnects after the relay goes away, with pending sends rejected', async () => {
    const a = client(relay.url, alice);
    await start(a);
    const port = relay.port;
    await relay.close();
    await until(() => a.connection.state.status === 'retrying');
    expect(a.connection.state.attempt).toBeGreaterThanOrEqual(1);
    relay = await createRelay({ port, staticDir: '/nonexistent' });
    await until(() => a.connection.state.status === 'online', 10_000);
  });

  test('a second connection of the same identity replaces the first, which stops until asked', async () => {
    const first = client(relay.url, alice);
    await start(first);
    const second = client(relay.url, alice);
    await start(second);
    await until(() => first.connection.state.status === 'stopped');
    expect(first.connection.state.stopReason).toBe('replaced');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first.connection.state.status).toBe('stopped');
    first.connection.reconnectNow();
    await until(() => first.connection.state.status === 'online');
    await until(() => second.connection.state.status === 'stopped');
  });

  test('stop() closes and stays idle', async () => {
    const a = client(relay.url, alice);
    await start(a);
    a.connection.stop();
    expect(a.connection.state.status).toBe('idle');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.connection.state.status).toBe('idle');
  });
});

/** A socket the test drives by hand, for what a real relay will not do on demand. */
class FakeSocket implements WebSocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  sent: Uint8Array[] = [];
  closedWith: number | undefined;
  send(data: Uint8Array) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
  }
  serverSends(bytes: Uint8Array) {
    this.onmessage?.({ data: bytes.slice().buffer });
  }
  serverCloses(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

describe('relay connection: backoff and protocol errors', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('backoff grows exponentially to the cap, with half of each step random', () => {
    const b = DEFAULT_BACKOFF;
    expect(backoffDelay(0, b, 0)).toBe(250);
    expect(backoffDelay(0, b, 1)).toBe(500);
    expect(backoffDelay(3, b, 0)).toBe(2000);
    expect(backoffDelay(20, b, 0)).toBe(15_000);
    expect(backoffDelay(20, b, 0.999999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(1000, b, 0.5)).toBe(22_500);
  });

  test('failed attempts wait longer and longer, and jitter spreads them', async () => {
    const identity = await testIdentity('alice', backend);
    const sockets: FakeSocket[] = [];
    const jitters = [0, 1, 0, 1];
    const states: RelayConnectionState[] = [];
    const connection = createRelayConnection({
      url: 'ws://127.0.0.1:1/relay',
      identity,
      onEnvelope: () => {},
      onStateChange: (s) => states.push(s),
      createSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
      jitter: () => jitters.shift() ?? 0.5,
      timers: {
        setTimeout: (f, ms) => setTimeout(f, ms),
        clearTimeout: (h) => clearTimeout(h as never),
        now: () => Date.now(),
      },
    });
    connection.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      sockets.at(-1)!.serverCloses(1006);
      const retry = states.at(-1)!;
      expect(retry.status).toBe('retrying');
      delays.push(retry.retryAt! - Date.now());
      await vi.advanceTimersByTimeAsync(retry.retryAt! - Date.now());
      expect(states.at(-1)!.status).toBe('connecting');
    }
    expect(delays).toEqual([250, 1000, 1000, 4000]);
    connection.stop();
  });

  test('a frame the client cannot parse closes the socket and retries; a relay that never says READY times out', async () => {
    const identity = await testIdentity('alice', backend);
    const sockets: FakeSocket[] = [];
    const connection = createRelayConnection({
      url: 'ws://127.0.0.1:1/relay',
      identity,
      onEnvelope: () => {},
      createSocket: () => {
        const socket = new FakeSocket();
        socket.readyState = 1;
        sockets.push(socket);
        return socket;
      },
      connectTimeoutMs: 1000,
      jitter: () => 0,
    });
    connection.start();
    sockets[0]!.serverSends(Uint8Array.of(9, 9, 9));
    expect(sockets[0]!.closedWith).toBe(RELAY_CLOSE_CODES['bad-frame']);
    expect(connection.state.status).toBe('retrying');
    // Retry after 250 ms; that socket never gets READY and times out at 1250 ms.
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(connection.state.status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(300);
    expect(connection.state.status).toBe('retrying');
    expect(connection.state.attempt).toBe(2);
    connection.stop();
  });

  test('answers the challenge with an AUTH bound to the relay origin, and refuses DELIVER before READY', async () => {
    const identity = await testIdentity('alice', backend);
    const socket = new FakeSocket();
    socket.readyState = 1;
    const connection = createRelayConnection({
      url: 'ws://127.0.0.1:9/relay',
      identity,
      onEnvelope: () => expect.unreachable(),
      createSocket: () => socket,
    });
    connection.start();
    const limits = { maxFrameBytes: 65536, messagesPerSecond: 10, messageBurst: 10 };
    socket.serverSends(encodeFrame({ type: 'challenge', nonce: new Uint8Array(32).fill(7), limits }));
    await vi.waitFor(() => expect(socket.sent).toHaveLength(1));
    const auth = socket.sent[0]!;
    expect(auth[1]).toBe(0x02);
    expect(new TextDecoder().decode(auth.subarray(99))).toBe('http://127.0.0.1:9');
    socket.serverSends(encodeFrame({ type: 'deliver', envelope: Uint8Array.of(1) }));
    expect(socket.closedWith).toBe(RELAY_CLOSE_CODES['bad-frame']);
    expect(connection.state.status).toBe('retrying');
    connection.stop();
  });

  test('same-origin relay URL', () => {
    expect(sameOriginRelayUrl({ protocol: 'https:', host: 'tincan.example' })).toBe(
      'wss://tincan.example/relay',
    );
    expect(sameOriginRelayUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe(
      'ws://127.0.0.1:8080/relay',
    );
  });
});
