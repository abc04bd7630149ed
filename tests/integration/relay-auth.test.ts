/** Authentication at a live relay: success, every failure, and takeover attempts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRelay, RelayClosedError } from '../../client/cli/relay-client.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import type { Identity } from '../../crypto/identity.ts';
import { signRelayAuth } from '../../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { encodeFrame, type ServerFrame } from '../../crypto/relay-frames.ts';
import type { Relay } from '../../relay/server.ts';
import {
  backend,
  connectAs,
  identity,
  metric,
  RawSocket,
  startRelay,
  within,
} from '../support/relay-harness.ts';

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({ limits: { authTimeoutMs: 300 } });
});
afterAll(() => relay.close());

const code = (reason: keyof typeof RELAY_CLOSE_CODES) => RELAY_CLOSE_CODES[reason];

async function challenged(url = relay.url): Promise<{ raw: RawSocket; nonce: Uint8Array }> {
  const raw = await RawSocket.open(url);
  const frame = await raw.next();
  if (frame.type !== 'challenge') throw new Error(`expected a challenge, got ${frame.type}`);
  return { raw, nonce: frame.nonce.slice() };
}

async function authFrame(id: Identity, nonce: Uint8Array, origin = relay.origin): Promise<Uint8Array> {
  const signature = await signRelayAuth(id.signer, nonce, origin);
  return encodeFrame({ type: 'auth', publicKey: id.publicKey, signature, origin });
}

const closeOf = (raw: RawSocket) => within(raw.closed, 3_000, 'close');

describe('relay authentication', () => {
  it('sends a fresh 32-byte challenge with the limits, and READY after a valid AUTH', async () => {
    const a = await challenged();
    const b = await challenged();
    expect(a.nonce).not.toEqual(b.nonce);
    const alice = await identity('auth-alice');
    a.raw.send(await authFrame(alice, a.nonce));
    expect(await a.raw.next()).toEqual({ type: 'ready', turnAvailable: false } satisfies ServerFrame);
    a.raw.close();
    b.raw.close();
  });

  it('accepts every configured origin (127.0.0.1 and localhost)', async () => {
    expect(relay.origins).toEqual([relay.origin, relay.origin.replace('127.0.0.1', 'localhost')]);
    const { raw, nonce } = await challenged();
    raw.send(await authFrame(await identity('auth-localhost'), nonce, relay.origins[1]));
    expect((await raw.next()).type).toBe('ready');
    raw.close();
  });

  it('accepts the configured public origin instead of the listening address', async () => {
    await expect(startRelay({ origins: ['ftp://relay.example.org'] })).rejects.toThrow(RangeError);
    const proxied = await startRelay({ origins: ['HTTPS://Relay.Example.org:443/'] });
    expect(proxied.origins).toEqual(['https://relay.example.org']);
    const id = await identity('auth-proxied');
    await expect(connectRelay({ url: proxied.url, identity: id })).rejects.toMatchObject({
      close: { code: code('auth-failed') },
    });
    const client = await connectRelay({
      url: proxied.url,
      identity: id,
      origin: 'https://relay.example.org',
    });
    expect(client.turnAvailable).toBe(false);
    await proxied.close();
  });

  it('closes with auth-failed on a bad signature', async () => {
    const { raw, nonce } = await challenged();
    const frame = await authFrame(await identity('auth-bad-signature'), nonce);
    frame[40]! ^= 1;
    raw.send(frame);
    expect((await closeOf(raw)).code).toBe(code('auth-failed'));
  });

  it('closes with auth-failed when the origin is not this relay', async () => {
    const { raw, nonce } = await challenged();
    raw.send(await authFrame(await identity('auth-wrong-origin'), nonce, 'https://evil.example.org'));
    expect((await closeOf(raw)).code).toBe(code('auth-failed'));
  });

  it('closes with auth-failed when the signature binds another origin than the one claimed', async () => {
    const { raw, nonce } = await challenged();
    const id = await identity('auth-origin-swap');
    const signature = await signRelayAuth(id.signer, nonce, 'https://evil.example.org');
    raw.send(encodeFrame({ type: 'auth', publicKey: id.publicKey, signature, origin: relay.origin }));
    expect((await closeOf(raw)).code).toBe(code('auth-failed'));
  });

  it('refuses a replayed AUTH: a recorded one on a new socket, and a second one on the same socket', async () => {
    const id = await identity('auth-replay');
    const first = await challenged();
    const recorded = await authFrame(id, first.nonce);
    first.raw.send(recorded);
    expect((await first.raw.next()).type).toBe('ready');
    first.raw.send(recorded);
    expect((await closeOf(first.raw)).code).toBe(code('bad-frame'));

    const second = await challenged();
    second.raw.send(recorded);
    expect((await closeOf(second.raw)).code).toBe(code('auth-failed'));
  });

  it('closes a silent socket with auth-timeout', async () => {
    const { raw } = await challenged();
    const started = Date.now();
    expect((await closeOf(raw)).code).toBe(code('auth-timeout'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('routes nothing before AUTH: SEND, TURN_REQUEST and text frames close the socket', async () => {
    const bob = await connectAs(relay, 'auth-early-bob');
    const early = [
      encodeFrame({
        type: 'send',
        recipient: bob.publicKey,
        frameId: 1,
        receipt: true,
        envelope: Uint8Array.of(1),
      }),
      encodeFrame({ type: 'turn-request' }),
      'hello',
    ];
    for (const frame of early) {
      const { raw } = await challenged();
      raw.send(frame);
      expect((await closeOf(raw)).code).toBe(code('bad-frame'));
    }
    expect(bob.inbox).toEqual([]);
    await bob.close();
  });

  it('closes with bad-frame on a frame sent while the signature is being checked', async () => {
    const { raw, nonce } = await challenged();
    const auth = await authFrame(await identity('auth-eager'), nonce);
    raw.send(auth);
    raw.send(encodeFrame({ type: 'turn-request' }));
    expect((await closeOf(raw)).code).toBe(code('bad-frame'));
  });

  it('refuses an unacceptable identity key (small order) even with a "valid" signature', async () => {
    const { raw } = await challenged();
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const signature = new Uint8Array(64);
    signature[0] = 1; // R = identity point, S = 0: verifies under a cofactored or lax rule
    raw.send(encodeFrame({ type: 'auth', publicKey: identityPoint, signature, origin: relay.origin }));
    expect((await closeOf(raw)).code).toBe(code('auth-failed'));
  });

  it('refuses a WebSocket upgrade from a page of another origin, and on another path', async () => {
    await expect(RawSocket.open(relay.url, { origin: 'https://evil.example.org' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(RawSocket.open(relay.url.replace('/relay', '/other'))).rejects.toThrow('HTTP 404');
    const same = await RawSocket.open(relay.url, { origin: relay.origin });
    expect((await same.next()).type).toBe('challenge');
    same.close();
  });

  it('connectRelay rejects with the close code when authentication fails', async () => {
    const id = await identity('auth-client-wrong-origin');
    const attempt = connectRelay({ url: relay.url, identity: id, origin: 'https://evil.example.org' });
    await expect(attempt).rejects.toBeInstanceOf(RelayClosedError);
    await expect(attempt).rejects.toMatchObject({ close: { code: code('auth-failed') } });
  });
});

describe('takeover', () => {
  it('nobody without the private key can take an address: the holder stays and keeps receiving', async () => {
    const victim = await connectAs(relay, 'takeover-victim');
    const attacker = await identity('takeover-attacker');
    // The attacker claims the victim's key, signing with its own key, then with no key at all.
    for (const signer of [
      attacker.signer,
      { publicKey: victim.publicKey, sign: async () => new Uint8Array(64) },
    ]) {
      const { raw, nonce } = await challenged();
      const signature = await signRelayAuth(signer, nonce, relay.origin);
      raw.send(encodeFrame({ type: 'auth', publicKey: victim.publicKey, signature, origin: relay.origin }));
      expect((await closeOf(raw)).code).toBe(code('auth-failed'));
    }
    const sender = await connectAs(relay, 'takeover-sender');
    expect(await sender.send(victim.publicKey, Uint8Array.of(42))).toBe('forwarded');
    await expect.poll(() => victim.inbox.length).toBe(1);
    expect(victim.socket.readyState).toBe(victim.socket.OPEN);
    await Promise.all([victim.close(), sender.close()]);
  });

  it('the same key twice: the newest socket wins and the older one is closed with replaced', async () => {
    const replacedBefore = await metric(relay, 'tincan_relay_closes_total{reason="replaced"}');
    const older = await connectAs(relay, 'takeover-twice');
    const newer = await connectAs(relay, 'takeover-twice');
    expect((await within(older.closed, 3_000)).code).toBe(code('replaced'));
    const sender = await connectAs(relay, 'takeover-twice-sender');
    expect(await sender.send(newer.publicKey, Uint8Array.of(7))).toBe('forwarded');
    await expect.poll(() => newer.inbox.length).toBe(1);
    expect(older.inbox).toEqual([]);
    expect(await metric(relay, 'tincan_relay_closes_total{reason="replaced"}')).toBe(replacedBefore + 1);
    await Promise.all([newer.close(), sender.close()]);
  });

  it('a socket that closes while its valid AUTH is being verified never takes the address', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Ed25519Backend = {
      ...backend,
      async verifyCofactorless(...args) {
        await gate;
        return backend.verifyCofactorless(...args);
      },
    };
    const slowRelay = await startRelay({ backend: slow });
    const holderAttempt = connectAs(slowRelay, 'takeover-slow');
    release();
    const holder = await holderAttempt;
    let releaseSecond: () => void = () => {};
    const secondGate = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    slow.verifyCofactorless = async (...args) => {
      await secondGate;
      return backend.verifyCofactorless(...args);
    };
    const { raw, nonce } = await challenged(slowRelay.url);
    raw.send(await authFrame(holder.identity, nonce, slowRelay.origin));
    await new Promise((r) => setTimeout(r, 50));
    raw.close();
    await closeOf(raw);
    releaseSecond();
    await new Promise((r) => setTimeout(r, 100));
    expect(holder.socket.readyState).toBe(holder.socket.OPEN);
    const sender = await connectAs(slowRelay, 'takeover-slow-sender');
    expect(await sender.send(holder.publicKey, Uint8Array.of(1))).toBe('forwarded');
    await slowRelay.close();
  });
});
