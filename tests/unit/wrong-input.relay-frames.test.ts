/** Wrong input to every public function of crypto/relay-frames.ts, crypto/relay-auth.ts and the relay's config. */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import {
  assertRelayOrigin,
  isRelayOrigin,
  originOfRelayUrl,
  relayAuthMessage,
  signRelayAuth,
  verifyRelayAuth,
} from '../../crypto/relay-auth.ts';
import {
  checkSendFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
  type RelayFrame,
} from '../../crypto/relay-frames.ts';
import { resolveLimits } from '../../relay/limits.ts';
import { resolveTurnConfig } from '../../relay/turn.ts';

const key = new Uint8Array(32).fill(1);
const envelope = Uint8Array.of(1);
const wrong = (frame: unknown) => () => encodeFrame(frame as RelayFrame);
const notBytes = [null, undefined, 'abc', 42, [1, 2, 3], new ArrayBuffer(4), {}];

describe('decoders', () => {
  it('throw TypeError for anything that is not a Uint8Array', () => {
    for (const value of notBytes) {
      expect(() => decodeClientFrame(value as Uint8Array)).toThrow(TypeError);
      expect(() => decodeServerFrame(value as Uint8Array)).toThrow(TypeError);
    }
  });

  it('throw bad-frame for empty, short and long input', () => {
    for (const input of [new Uint8Array(0), Uint8Array.of(1), new Uint8Array(70_000).fill(1)]) {
      expect(() => decodeClientFrame(input)).toThrow(expect.objectContaining({ code: 'bad-frame' }));
      expect(() => decodeServerFrame(input)).toThrow(expect.objectContaining({ code: 'bad-frame' }));
    }
  });
});

describe('checkSendFrame', () => {
  it('throws TypeError for anything that is not a Uint8Array', () => {
    for (const value of notBytes) expect(() => checkSendFrame(value as Uint8Array)).toThrow(TypeError);
  });

  it('throws bad-frame for empty, short, header-only and non-SEND input', () => {
    const send = encodeFrame({ type: 'send', recipient: key, frameId: 1, receipt: false, envelope });
    for (const input of [
      new Uint8Array(0),
      Uint8Array.of(1),
      send.subarray(0, 39),
      encodeFrame({ type: 'turn-request' }),
      Uint8Array.of(2, ...send.subarray(1)),
    ]) {
      expect(() => checkSendFrame(input)).toThrow(expect.objectContaining({ code: 'bad-frame' }));
    }
    expect(checkSendFrame(concatBytes(send, new Uint8Array(70_000)))).toBe(0);
  });
});

describe('encodeFrame', () => {
  it('refuses unknown or missing types', () => {
    for (const frame of [null, undefined, {}, { type: 'nope' }, 'send'])
      expect(wrong(frame)).toThrow(TypeError);
  });

  it('refuses SEND with a wrong recipient, envelope or frame id', () => {
    const send = { type: 'send', recipient: key, frameId: 1, receipt: false, envelope };
    expect(wrong({ ...send, recipient: new Uint8Array(31) })).toThrow(RangeError);
    expect(wrong({ ...send, recipient: new Uint8Array(33) })).toThrow(RangeError);
    expect(wrong({ ...send, recipient: 'key' })).toThrow(TypeError);
    expect(wrong({ ...send, envelope: new Uint8Array(0) })).toThrow(RangeError);
    expect(wrong({ ...send, envelope: [1] })).toThrow(TypeError);
    for (const frameId of [-1, 2 ** 32, 1.5, Number.NaN])
      expect(wrong({ ...send, frameId })).toThrow(RangeError);
  });

  it('refuses AUTH with wrong key, signature or origin', () => {
    const auth = {
      type: 'auth',
      publicKey: key,
      signature: new Uint8Array(64),
      origin: 'https://relay.example.org',
    };
    expect(wrong({ ...auth, publicKey: new Uint8Array(0) })).toThrow(RangeError);
    expect(wrong({ ...auth, signature: new Uint8Array(63) })).toThrow(RangeError);
    expect(wrong({ ...auth, signature: null })).toThrow(TypeError);
    expect(wrong({ ...auth, origin: 7 })).toThrow(TypeError);
    for (const origin of [
      '',
      'https://relay.example.org/',
      'HTTPS://relay.example.org',
      'ftp://x',
      'https://a:b@x',
    ]) {
      expect(wrong({ ...auth, origin }), origin).toThrow(RangeError);
    }
    expect(wrong({ ...auth, origin: `https://${'a'.repeat(250)}.org` })).toThrow(RangeError);
  });

  it('refuses CHALLENGE with a wrong nonce or unusable limits', () => {
    const limits = { maxFrameBytes: 65536, messagesPerSecond: 1, messageBurst: 1 };
    expect(wrong({ type: 'challenge', nonce: new Uint8Array(16), limits })).toThrow(RangeError);
    for (const bad of [
      { ...limits, maxFrameBytes: 39 },
      { ...limits, messageBurst: 0 },
      { ...limits, messagesPerSecond: 2 ** 32 },
      null,
    ]) {
      expect(wrong({ type: 'challenge', nonce: new Uint8Array(32), limits: bad })).toThrow(RangeError);
    }
  });

  it('refuses DELIVER without envelope and frame ids out of range', () => {
    expect(wrong({ type: 'deliver', envelope: new Uint8Array(0) })).toThrow(RangeError);
    expect(wrong({ type: 'undeliverable', frameId: -1 })).toThrow(RangeError);
    expect(wrong({ type: 'forwarded', frameId: '1' })).toThrow(RangeError);
  });

  it('refuses TURN_CREDENTIALS with unusable fields', () => {
    const turn = { type: 'turn-credentials', expiresAt: 1, username: 'u', credential: 'c', urls: ['turn:x'] };
    expect(wrong({ ...turn, expiresAt: -1 })).toThrow(RangeError);
    expect(wrong({ ...turn, expiresAt: 2 ** 53 })).toThrow(RangeError);
    expect(wrong({ ...turn, username: '' })).toThrow(RangeError);
    expect(wrong({ ...turn, username: 'a b' })).toThrow(RangeError);
    expect(wrong({ ...turn, credential: 'é' })).toThrow(RangeError);
    expect(wrong({ ...turn, credential: 5 })).toThrow(TypeError);
    expect(wrong({ ...turn, urls: [] })).toThrow(RangeError);
    expect(wrong({ ...turn, urls: Array(9).fill('turn:x') })).toThrow(RangeError);
    expect(wrong({ ...turn, urls: 'turn:x' })).toThrow(RangeError);
    expect(wrong({ ...turn, urls: ['x'.repeat(513)] })).toThrow(RangeError);
  });
});

describe('relay auth', () => {
  const challenge = new Uint8Array(32);

  it('relayAuthMessage checks the challenge and the origin', () => {
    expect(() => relayAuthMessage(new Uint8Array(31), 'https://x.org')).toThrow(RangeError);
    expect(() => relayAuthMessage(new Uint8Array(33), 'https://x.org')).toThrow(RangeError);
    expect(() => relayAuthMessage('c' as never, 'https://x.org')).toThrow(TypeError);
    expect(() => relayAuthMessage(challenge, 'https://x.org/path')).toThrow(RangeError);
    expect(() => relayAuthMessage(challenge, null as never)).toThrow(TypeError);
  });

  it('assertRelayOrigin and isRelayOrigin accept canonical origins only', () => {
    expect(isRelayOrigin('https://x.org')).toBe(true);
    expect(isRelayOrigin('http://[::1]:8080')).toBe(true);
    for (const origin of [
      '',
      'x',
      'https://x.org:443',
      'https://x.org?',
      'wss://x.org',
      'https://x.org ',
      'https://ä.org',
    ]) {
      expect(isRelayOrigin(origin), origin).toBe(false);
      expect(() => assertRelayOrigin(origin)).toThrow(RangeError);
    }
    expect(() => assertRelayOrigin(undefined)).toThrow(TypeError);
  });

  it('originOfRelayUrl takes ws: and wss: URLs only', () => {
    expect(() => originOfRelayUrl('https://x.org/relay')).toThrow(RangeError);
    expect(() => originOfRelayUrl('not a url')).toThrow(TypeError);
    expect(() => originOfRelayUrl(3 as never)).toThrow(TypeError);
  });

  it('verifyRelayAuth checks lengths and is false, never throwing, for hostile keys', async () => {
    const id = await identityFromSeed(nobleEd25519, new Uint8Array(32).fill(9));
    const signature = await signRelayAuth(id.signer, challenge, 'https://x.org');
    await expect(async () =>
      verifyRelayAuth(nobleEd25519, challenge, 'https://x.org', key.subarray(1), signature),
    ).rejects.toThrow(RangeError);
    await expect(async () =>
      verifyRelayAuth(nobleEd25519, challenge, 'https://x.org', id.publicKey, signature.subarray(1)),
    ).rejects.toThrow(RangeError);
    const smallOrder = new Uint8Array(32);
    smallOrder[0] = 1;
    expect(await verifyRelayAuth(nobleEd25519, challenge, 'https://x.org', smallOrder, signature)).toBe(
      false,
    );
    expect(await verifyRelayAuth(nobleEd25519, challenge, 'https://x.org', id.publicKey, signature)).toBe(
      true,
    );
  });
});

describe('relay configuration', () => {
  it('resolveLimits refuses unusable values', () => {
    for (const bad of [
      { maxFrameBytes: 0 },
      { maxFrameBytes: 39 },
      { messagesPerSecond: -1 },
      { authTimeoutMs: 1.5 },
      { maxBufferedBytes: 10 },
    ]) {
      expect(() => resolveLimits(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(() => resolveLimits({ heartbeatIntervalMs: '5' as never })).toThrow(RangeError);
  });

  it('resolveTurnConfig refuses short secrets, bad URLs, TTLs out of range and malformed labels', () => {
    const ok = { secret: 'a'.repeat(16), urls: ['turn:127.0.0.1:3478'] };
    expect(resolveTurnConfig(ok).ttlSeconds).toBe(600);
    expect(() => resolveTurnConfig({ ...ok, ttlSeconds: 86_401 })).toThrow(RangeError);
    expect(() => resolveTurnConfig({ ...ok, deniedLabels: ['ABCDEF0123456789'] })).toThrow(RangeError);
    expect(() => resolveTurnConfig({ ...ok, deniedLabels: ['abc'] })).toThrow(RangeError);
    expect(resolveTurnConfig({ ...ok, deniedLabels: ['abcdef0123456789'] }).deniedLabels.size).toBe(1);
    expect(() => resolveTurnConfig({ ...ok, secret: 'short' })).toThrow(RangeError);
    expect(() => resolveTurnConfig({ ...ok, urls: [] })).toThrow(RangeError);
    expect(() => resolveTurnConfig({ ...ok, urls: ['http://x'] })).toThrow(RangeError);
    expect(() => resolveTurnConfig({ ...ok, urls: ['turn:a b'] })).toThrow(RangeError);
    expect(() => resolveTurnConfig({ ...ok, ttlSeconds: 10 })).toThrow(RangeError);
  });
});
