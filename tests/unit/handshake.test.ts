import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, utf8 } from '../../crypto/bytes.ts';
import { MESSAGE_KIND, newSessionState, openEnvelope, sealEnvelope } from '../../crypto/envelope.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import {
  ACCEPT_LENGTH,
  createAccept,
  createInit,
  INIT_LENGTH,
  openAccept,
  openInit,
} from '../../crypto/handshake.ts';
import { ed25519PublicToX25519 } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const backend = nodeEd25519();
const NOW = 1_790_000_000_000;
const alice = await testIdentity('alice', backend);
const bob = await testIdentity('bob', backend);
const carol = await testIdentity('carol', backend);
const initNonce = (ephemeral: Uint8Array, responderBox: Uint8Array) =>
  sha512(concatBytes(utf8('tincan-init-nonce-v1'), ephemeral, responderBox)).subarray(0, 24);

async function handshake(random = testRandom('hs')) {
  const init = await createInit(alice, bob.publicKey, random, NOW);
  const opened = await openInit(bob, init.bytes, backend);
  const accept = await createAccept(bob, opened, random);
  const aliceKeys = await openAccept(alice, init.pending, accept.bytes, backend);
  return { init, opened, accept, aliceKeys, bobKeys: accept.keys };
}

describe('handshake', () => {
  it('gives both sides the same session with mirrored per-direction keys', async () => {
    const { init, accept, aliceKeys, bobKeys } = await handshake();
    expect(init.bytes.length).toBe(INIT_LENGTH);
    expect(accept.bytes.length).toBe(ACCEPT_LENGTH);
    expect(aliceKeys.sessionId).toEqual(bobKeys.sessionId);
    expect(aliceKeys.sendKey).toEqual(bobKeys.receiveKey);
    expect(aliceKeys.receiveKey).toEqual(bobKeys.sendKey);
    expect(equalBytes(aliceKeys.sendKey, aliceKeys.receiveKey)).toBe(false);
    expect(aliceKeys.peerKey).toEqual(bob.publicKey);
    expect(bobKeys.peerKey).toEqual(alice.publicKey);
  });

  it('tells the responder who is calling, which the relay cannot see in the bytes', async () => {
    const { init, opened } = await handshake();
    expect(opened.initiatorKey).toEqual(alice.publicKey);
    expect(opened.timestamp).toBe(NOW);
    const hex = Buffer.from(init.bytes).toString('hex');
    expect(hex.includes(Buffer.from(alice.publicKey).toString('hex'))).toBe(false);
  });

  it('uses fresh ephemeral keys: two handshakes between the same identities share no key', async () => {
    const first = await handshake(testRandom('one'));
    const second = await handshake(testRandom('two'));
    expect(equalBytes(first.aliceKeys.sendKey, second.aliceKeys.sendKey)).toBe(false);
    expect(equalBytes(first.aliceKeys.sessionId, second.aliceKeys.sessionId)).toBe(false);
  });

  it('an INIT meant for bob cannot be opened by carol (no reflection, no misdelivery)', async () => {
    const { init } = await handshake();
    await expect(openInit(carol, init.bytes, backend)).rejects.toMatchObject({ code: 'decrypt-failed' });
    await expect(openInit(alice, init.bytes, backend)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('an ACCEPT signed by a third party is refused, even when boxed correctly', async () => {
    const init = await createInit(alice, bob.publicKey, testRandom('third'), NOW);
    const opened = await openInit(bob, init.bytes, backend);
    // Carol answers in bob's place: she can box to alice's ephemeral key but cannot sign as bob.
    const forged = await createAccept(
      carol,
      { ...opened, responderKey: carol.publicKey },
      testRandom('carol'),
    );
    await expect(openAccept(alice, init.pending, forged.bytes, backend)).rejects.toMatchObject({
      code: 'wrong-peer',
    });
  });

  it('an INIT whose signature names another responder is refused (no unknown-key share)', async () => {
    // Alice opens towards carol; carol re-boxes the very same signed plaintext to bob.
    const init = await createInit(alice, carol.publicKey, testRandom('uks'), NOW);
    const initiatorEphemeral = init.bytes.subarray(2, 34);
    const plaintext = nacl.box.open(
      init.bytes.subarray(34),
      initNonce(initiatorEphemeral, carol.box.publicKey),
      initiatorEphemeral,
      carol.box.secretKey,
    );
    expect(plaintext).not.toBeNull();
    const bobBox = ed25519PublicToX25519(bob.publicKey);
    const ephemeral = nacl.box.keyPair();
    const reboxed = concatBytes(
      Uint8Array.of(1, 1),
      ephemeral.publicKey,
      nacl.box(plaintext!, initNonce(ephemeral.publicKey, bobBox), bobBox, ephemeral.secretKey),
    );
    await expect(openInit(bob, reboxed, backend)).rejects.toMatchObject({ code: 'bad-signature' });
  });

  it('an ACCEPT for another session or from an old handshake is refused', async () => {
    const first = await handshake(testRandom('old'));
    const fresh = await createInit(alice, bob.publicKey, testRandom('new'), NOW);
    await expect(openAccept(alice, fresh.pending, first.accept.bytes, backend)).rejects.toMatchObject({
      code: 'unexpected-message',
    });
  });

  it('every flipped bit of INIT and ACCEPT is caught with a typed error', async () => {
    const { init, accept } = await handshake();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: INIT_LENGTH * 8 - 1 }), async (bit) => {
        const bytes = init.bytes.slice();
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        const error = await openInit(bob, bytes, backend).catch((e: unknown) => e);
        expect(isProtocolError(error)).toBe(true);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: ACCEPT_LENGTH * 8 - 1 }), async (bit) => {
        const bytes = accept.bytes.slice();
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        const error = await openAccept(alice, init.pending, bytes, backend).catch((e: unknown) => e);
        expect(isProtocolError(error)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes never raise anything but a ProtocolError', async () => {
    const { init } = await handshake();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        for (const attempt of [
          openInit(bob, bytes, backend),
          openAccept(alice, init.pending, bytes, backend),
        ]) {
          const error = await attempt.catch((e: unknown) => e);
          expect(isProtocolError(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('identity keys stolen later do not open a recorded session (forward secrecy)', async () => {
    const { init, accept, aliceKeys } = await handshake(testRandom('fs'));
    const state = newSessionState(aliceKeys);
    const sealed = await sealEnvelope(
      state,
      alice.signer,
      MESSAGE_KIND.chat,
      new TextEncoder().encode('secret'),
    );
    // The thief has both identities' secrets and every byte on the wire: init, accept and the envelope.
    const initiatorEphemeral = init.bytes.subarray(2, 34);
    const responderEphemeral = accept.bytes.subarray(18, 50);
    const candidates = [
      nacl.scalarMult(bob.box.secretKey, initiatorEphemeral),
      nacl.scalarMult(alice.box.secretKey, responderEphemeral),
      nacl.scalarMult(alice.box.secretKey, bob.box.publicKey),
      nacl.scalarMult(bob.box.secretKey, responderEphemeral),
    ];
    const ciphertext = sealed.bytes.subarray(22);
    const nonce = new Uint8Array(24);
    for (const ikm of candidates) {
      const okm = hkdf(sha256, ikm, undefined, new TextEncoder().encode('tincan-session-keys-v1'), 64);
      for (const key of [okm.subarray(0, 32), okm.subarray(32)]) {
        expect(nacl.secretbox.open(ciphertext, nonce, key)).toBeNull();
      }
    }
    // While the real keys do open it.
    const bobState = newSessionState(accept.keys);
    const opened = await openEnvelope(bobState, sealed.bytes, backend);
    expect(new TextDecoder().decode(opened.opened.body)).toBe('secret');
  });

  it('refuses to open a session with oneself', async () => {
    await expect(createInit(alice, alice.publicKey, testRandom('self'), NOW)).rejects.toThrow(RangeError);
  });
});
