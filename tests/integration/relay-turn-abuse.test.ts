/**
 * TURN against abuse: the relay process mints only so many credentials per key and per client address, and
 * a real coturn started with the configuration the repository ships refuses to relay to private,
 * loopback, link-local and shared (CGNAT) addresses while relaying to public ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRelay } from '../../client/cli/relay-client.ts';
import { type Coturn, SHIPPED_COTURN_CONFIG, startCoturn } from '../support/coturn.ts';
import { identity } from '../support/relay-harness.ts';
import { type RelayProcess, relayProcesses } from '../support/relay-process.ts';
import { turnAllocate, turnPermission } from '../support/stun-client.ts';

const SECRET = 'tincan-test-turn-secret-abuse-0123456789';
let coturn: Coturn;
const relays = relayProcesses('turn-abuse');

beforeAll(async () => {
  coturn = await startCoturn(SECRET, SHIPPED_COTURN_CONFIG);
});
afterAll(async () => {
  await Promise.all([relays.stop(), coturn?.close()]);
});

const relayProcess = (args: string[] = []): Promise<RelayProcess> =>
  relays.start({
    args,
    env: { TURN_SECRET: SECRET, TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp` },
  });

const login = async (relay: RelayProcess, label: string, localAddress = '127.0.0.1') =>
  connectRelay({ url: relay.url, identity: await identity(label), webSocket: { localAddress } });

/** How many of `count` requests in a row get credentials. */
async function minted(client: Awaited<ReturnType<typeof login>>, count: number): Promise<number> {
  let got = 0;
  for (let i = 0; i < count; i++) if ((await client.requestTurnCredentials()) !== undefined) got++;
  return got;
}

describe('TURN against abuse', () => {
  it('gives a key made a moment ago 8 credentials of 50 asked for, each for ten minutes', async () => {
    const relay = await relayProcess();
    const fresh = await login(relay, 'turn-abuse-fresh');
    const first = await fresh.requestTurnCredentials();
    const now = Math.floor(Date.now() / 1000);
    expect(first?.expiresAt).toBeLessThanOrEqual(now + 600 + 5);
    expect(1 + (await minted(fresh, 49))).toBe(8);
    await fresh.close();
  });

  it('bounds each key and each client address; another address is not affected', async () => {
    const relay = await relayProcess(['--limit', 'turnBurstPerKey=3', '--limit', 'turnBurstPerIp=5']);
    const alice = await login(relay, 'turn-abuse-alice');
    expect(await minted(alice, 4)).toBe(3);
    // A second key from the same address gets what the address has left: 2 of 5.
    const bob = await login(relay, 'turn-abuse-bob');
    expect(await minted(bob, 3)).toBe(2);
    // Reconnecting does not refill a key's budget.
    await alice.close();
    const again = await login(relay, 'turn-abuse-alice', '127.0.0.2');
    expect(await minted(again, 1)).toBe(0);
    const carol = await login(relay, 'turn-abuse-carol', '127.0.0.2');
    expect(await minted(carol, 1)).toBe(1);
    const text = await (await fetch(`${relay.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^tincan_relay_turn_refused_total 3$/m);
    await Promise.all([bob.close(), again.close(), carol.close()]);
  });

  it('the shipped coturn configuration refuses to relay to private, loopback, link-local and CGNAT peers', async () => {
    const relay = await relayProcess();
    const client = await login(relay, 'turn-abuse-peers');
    const credentials = await client.requestTurnCredentials();
    if (credentials === undefined) throw new Error('no credentials');
    const { username, credential } = credentials;
    expect((await turnAllocate(coturn.host, coturn.port, username, credential)).ok).toBe(true);
    for (const peer of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
    ]) {
      expect(await turnPermission(coturn.host, coturn.port, username, credential, peer), peer).toEqual({
        ok: false,
        code: 403,
      });
    }
    // A public address is allowed: the refusals above are the configuration's, not a broken client's.
    expect(await turnPermission(coturn.host, coturn.port, username, credential, '8.8.8.8')).toEqual({
      ok: true,
    });
    await client.close();
  });
});
