/**
 * TURN credentials from the relay, checked against a real coturn on loopback: minted credentials allocate,
 * expired or forged ones do not, and only authenticated sockets get any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import type { Relay } from '../../relay/server.ts';
import { mintTurnCredentials, resolveTurnConfig, turnPassword } from '../../relay/turn.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import { connectAs, metric, startRelay } from '../support/relay-harness.ts';
import { turnAllocate } from '../support/stun-client.ts';

const SECRET = 'tincan-test-turn-secret-0123456789';
const TTL = 600;
let coturn: Coturn;
let relay: Relay;
let plain: Relay;

beforeAll(async () => {
  coturn = await startCoturn(SECRET);
  relay = await startRelay({
    turn: { secret: SECRET, urls: [`turn:127.0.0.1:${coturn.port}?transport=udp`], ttlSeconds: TTL },
  });
  plain = await startRelay();
});
afterAll(async () => {
  await Promise.all([relay?.close(), plain?.close(), coturn?.close()]);
});

const random = (n: number) => new Uint8Array(n).fill(0x5a);

describe('TURN credentials', () => {
  it('are minted for an authenticated socket and allocate on coturn', async () => {
    const alice = await connectAs(relay, 'turn-alice');
    expect(alice.turnAvailable).toBe(true);
    const credentials = await alice.requestTurnCredentials();
    if (credentials === undefined) throw new Error('no credentials');
    const now = Math.floor(Date.now() / 1000);
    expect(credentials.expiresAt).toBeGreaterThanOrEqual(now + TTL - 5);
    expect(credentials.expiresAt).toBeLessThanOrEqual(now + TTL + 5);
    expect(credentials.username).toMatch(new RegExp(`^${credentials.expiresAt}:[0-9a-f]{16}$`));
    expect(credentials.credential).toBe(turnPassword(SECRET, credentials.username));
    expect(credentials.urls).toEqual([`turn:127.0.0.1:${coturn.port}?transport=udp`]);
    const allocation = await turnAllocate(
      coturn.host,
      coturn.port,
      credentials.username,
      credentials.credential,
    );
    expect(allocation.ok).toBe(true);
    if (allocation.ok) {
      const relayedPort = Number(allocation.relayed.split(':')[1]);
      expect(allocation.relayed.startsWith('127.0.0.1:')).toBe(true);
      expect(relayedPort).toBeGreaterThanOrEqual(coturn.relayPorts[0]);
      expect(relayedPort).toBeLessThanOrEqual(coturn.relayPorts[1]);
    }
    expect(await metric(relay, 'tincan_relay_turn_credentials_total')).toBeGreaterThanOrEqual(1);
    await alice.close();
  });

  it('carry a fresh random label per request, never the identity key', async () => {
    const alice = await connectAs(relay, 'turn-label');
    const first = await alice.requestTurnCredentials();
    const second = await alice.requestTurnCredentials();
    expect(first?.username).not.toBe(second?.username);
    const keyHex = toHex(alice.publicKey);
    for (const c of [first, second]) expect(c?.username.includes(keyHex.slice(0, 16))).toBe(false);
    await alice.close();
  });

  it('fail on coturn once expired', async () => {
    const config = resolveTurnConfig({ secret: SECRET, urls: ['turn:127.0.0.1:1'], ttlSeconds: TTL });
    const expired = mintTurnCredentials(config, Date.now() - (TTL + 60) * 1000, random);
    expect(expired.expiresAt).toBeLessThan(Date.now() / 1000);
    expect(await turnAllocate(coturn.host, coturn.port, expired.username, expired.credential)).toEqual({
      ok: false,
      code: 401,
    });
  });

  it('fail on coturn when forged: another secret, or a username stretched past its credential', async () => {
    const forgedConfig = resolveTurnConfig({
      secret: 'not-the-secret-at-all-0000',
      urls: ['turn:127.0.0.1:1'],
    });
    const forged = mintTurnCredentials(forgedConfig, Date.now(), random);
    expect(await turnAllocate(coturn.host, coturn.port, forged.username, forged.credential)).toEqual({
      ok: false,
      code: 401,
    });

    const alice = await connectAs(relay, 'turn-stretch');
    const real = await alice.requestTurnCredentials();
    if (real === undefined) throw new Error('no credentials');
    const stretched = real.username.replace(/^\d+/, String(real.expiresAt + 86_400 * 365));
    expect(await turnAllocate(coturn.host, coturn.port, stretched, real.credential)).toEqual({
      ok: false,
      code: 401,
    });
    await alice.close();
  });

  it('are refused politely by a relay without TURN', async () => {
    const bob = await connectAs(plain, 'turn-none');
    expect(bob.turnAvailable).toBe(false);
    expect(await bob.requestTurnCredentials()).toBeUndefined();
    await bob.close();
  });

  it('are never served over anonymous HTTP', async () => {
    for (const path of ['/turn', '/turn-credentials', '/api/turn', '/relay']) {
      const response = await fetch(`${relay.httpUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toMatch(/credential|\d{10}:[0-9a-f]{16}/);
    }
  });
});
