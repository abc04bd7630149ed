/**
 * TURN credentials from the relay, checked against a real coturn on loopback: minted credentials allocate,
 * expired or forged ones do not, and only authenticated sockets get any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import type { Relay } from '../../relay/server.ts';
import { mintTurnCredentials, resolveTurnConfig, turnLabel, turnPassword } from '../../relay/turn.ts';
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

const LABEL = '5a5a5a5a5a5a5a5a';

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

  it('carry one label per key, a keyed hash that is not the key, and a denied label gets none', async () => {
    const alice = await connectAs(relay, 'turn-label');
    const first = await alice.requestTurnCredentials();
    const second = await alice.requestTurnCredentials();
    const label = first?.username.split(':')[1];
    expect(second?.username.split(':')[1]).toBe(label);
    expect(label).toBe(turnLabel(resolveTurnConfig({ secret: SECRET, urls: ['turn:x'] }), alice.publicKey));
    expect(toHex(alice.publicKey)).not.toContain(label);
    const bob = await connectAs(relay, 'turn-label-bob');
    expect((await bob.requestTurnCredentials())?.username.split(':')[1]).not.toBe(label);
    await Promise.all([alice.close(), bob.close()]);

    const denying = await startRelay({
      turn: { secret: SECRET, urls: ['turn:127.0.0.1:1'], deniedLabels: [label ?? ''] },
    });
    const banned = await connectAs(denying, 'turn-label');
    expect(banned.turnAvailable).toBe(true);
    expect(await banned.requestTurnCredentials()).toBeUndefined();
    const other = await connectAs(denying, 'turn-label-bob');
    expect(await other.requestTurnCredentials()).toBeDefined();
    expect(await metric(denying, 'tincan_relay_turn_refused_total')).toBe(1);
    await denying.close();
  });

  it('last ten minutes by default', async () => {
    const defaults = await startRelay({ turn: { secret: SECRET, urls: ['turn:127.0.0.1:1'] } });
    const alice = await connectAs(defaults, 'turn-default-ttl');
    const credentials = await alice.requestTurnCredentials();
    const now = Math.floor(Date.now() / 1000);
    expect(credentials?.expiresAt).toBeGreaterThanOrEqual(now + 600 - 5);
    expect(credentials?.expiresAt).toBeLessThanOrEqual(now + 600 + 5);
    await defaults.close();
  });

  it('fail on coturn once expired', async () => {
    const config = resolveTurnConfig({ secret: SECRET, urls: ['turn:127.0.0.1:1'], ttlSeconds: TTL });
    const expired = mintTurnCredentials(config, Date.now() - (TTL + 60) * 1000, LABEL);
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
    const forged = mintTurnCredentials(forgedConfig, Date.now(), LABEL);
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
