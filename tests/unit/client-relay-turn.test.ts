/** Calls: the browser's relay connection asks for TURN credentials on its authenticated socket. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import {
  createRelayConnection,
  RelayUnavailableError,
  type WebSocketLike,
} from '../../client/services/relay-connection.ts';
import { createRelay, type Relay } from '../../relay/server.ts';
import { turnPassword } from '../../relay/turn.ts';
import { testIdentity } from '../support/identities.ts';

const SECRET = 'tincan-unit-turn-secret-0123456789';
const URLS = ['turn:127.0.0.1:3478?transport=udp'];
const relays: Relay[] = [];
const stops: (() => void)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

/** The client's clock, moved by the tests; timers run on the real one. */
let clockOffsetMs = 0;
const timers = {
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now() + clockOffsetMs,
};

async function online(withTurn: boolean, ttlSeconds = 600) {
  clockOffsetMs = 0;
  const relay = await createRelay({
    port: 0,
    staticDir: '/nonexistent',
    ...(withTurn ? { turn: { secret: SECRET, urls: URLS, ttlSeconds } } : {}),
  });
  relays.push(relay);
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const connection = createRelayConnection({
    url: relay.url,
    identity: await testIdentity(`turn-client-${withTurn}`),
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    timers,
    onEnvelope: () => {},
    onStateChange: (state) => state.status === 'online' && ready(),
  });
  stops.push(() => connection.stop());
  connection.start();
  await isReady;
  return { relay, connection };
}

describe('requestTurn', () => {
  test('READY says TURN is there; credentials are minted for this socket, and requests made together share them', async () => {
    const { relay, connection } = await online(true);
    expect(connection.state.turnAvailable).toBe(true);
    const [first, second] = await Promise.all([connection.requestTurn(), connection.requestTurn()]);
    expect(first?.urls).toEqual(URLS);
    expect(first?.credential).toBe(turnPassword(SECRET, first!.username));
    expect(second).toEqual(first);
    expect(relay.metrics.counts.turnCredentials).toBe(1);
  });

  test("credentials are reused while more than half their lifetime is left, so calling costs little of the relay's budget", async () => {
    const { relay, connection } = await online(true, 120);
    const first = await connection.requestTurn();
    clockOffsetMs = 50_000; // of a 120 s lifetime
    expect(await connection.requestTurn()).toEqual(first);
    expect(relay.metrics.counts.turnCredentials).toBe(1);
    clockOffsetMs = 61_000;
    const renewed = await connection.requestTurn();
    expect(relay.metrics.counts.turnCredentials).toBe(2);
    // One label per key: the two differ at most in their expiry.
    expect(renewed?.username.split(':')[1]).toBe(first?.username.split(':')[1]);
  });

  test('a long-lived credential is reused for two minutes at most, whatever the page clock makes of its expiry', async () => {
    const { relay, connection } = await online(true, 3600);
    const first = await connection.requestTurn();
    clockOffsetMs = 110_000;
    expect(await connection.requestTurn()).toEqual(first);
    clockOffsetMs = 130_000;
    await connection.requestTurn();
    expect(relay.metrics.counts.turnCredentials).toBe(2);
  });

  test('a new socket asks anew', async () => {
    const { relay, connection } = await online(true);
    await connection.requestTurn();
    connection.stop();
    connection.start();
    await vi.waitFor(() => expect(connection.state.status).toBe('online'), { timeout: 5000 });
    await connection.requestTurn();
    expect(relay.metrics.counts.turnCredentials).toBe(2);
  });

  test('a relay without TURN: null, and nothing is asked', async () => {
    const { relay, connection } = await online(false);
    expect(connection.state.turnAvailable).toBe(false);
    expect(await connection.requestTurn()).toBeNull();
    expect(relay.metrics.counts.turnCredentials).toBe(0);
  });

  test('offline: rejects with RelayUnavailableError; a request in flight is rejected when the socket goes', async () => {
    const { connection } = await online(true);
    const pending = connection.requestTurn();
    connection.stop();
    await expect(pending).rejects.toBeInstanceOf(RelayUnavailableError);
    await expect(connection.requestTurn()).rejects.toBeInstanceOf(RelayUnavailableError);
  });
});
