import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { createAccept, createInit, openAccept, openInit } from '../../crypto/handshake.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { nodeX25519 } from '../../crypto/node/node-x25519.ts';
import { boxKey, tweetnaclX25519, webCryptoX25519 } from '../../crypto/x25519.ts';
import { deterministicRandom } from '../support/deterministic-random.ts';

const backends = [tweetnaclX25519, nodeX25519(), webCryptoX25519(globalThis.crypto.subtle)];
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
// Curve25519 points of small order (Bernstein's list): X25519 with any of them is all zero.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('X25519 backends', () => {
  it('RFC 7748 §6.1 Diffie-Hellman vector on every backend', async () => {
    const aliceSecret = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const alicePublic = fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobSecret = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const bobPublic = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = fromHex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    for (const backend of backends) {
      expect(await backend.publicKey(aliceSecret), backend.name).toEqual(alicePublic);
      expect(await backend.publicKey(bobSecret), backend.name).toEqual(bobPublic);
      expect(await backend.sharedSecret(aliceSecret, bobPublic, alicePublic), backend.name).toEqual(shared);
      expect(await backend.sharedSecret(bobSecret, alicePublic, bobPublic), backend.name).toEqual(shared);
    }
  });

  it('property: every backend agrees with tweetnacl', async () => {
    await fc.assert(
      fc.asyncProperty(key32, key32, async (a, b) => {
        const publicB = nacl.scalarMult.base(b);
        const expected = nacl.scalarMult(a, publicB);
        for (const backend of backends) {
          expect(await backend.publicKey(b)).toEqual(publicB);
          expect(await backend.sharedSecret(a, publicB, nacl.scalarMult.base(a))).toEqual(expected);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('every backend refuses a low-order public key with the same typed error', async () => {
    const secret = new Uint8Array(32).fill(9);
    for (const point of LOW_ORDER) {
      for (const backend of backends) {
        const error = await backend
          .sharedSecret(secret, fromHex(point), nacl.scalarMult.base(secret))
          .catch((e: unknown) => e);
        expect(isProtocolError(error, 'bad-key'), `${backend.name} ${point}`).toBe(true);
      }
    }
  });

  it('boxKey makes secretbox equal to nacl.box byte for byte', () => {
    fc.assert(
      fc.property(key32, key32, fc.uint8Array({ maxLength: 200 }), (a, b, message) => {
        const nonce = new Uint8Array(24).fill(3);
        const publicB = nacl.scalarMult.base(b);
        const viaBox = nacl.box(message, nonce, publicB, a);
        expect(nacl.secretbox(message, nonce, boxKey(nacl.scalarMult(a, publicB)))).toEqual(viaBox);
      }),
    );
  });

  it('a handshake gives identical bytes and keys whichever backends the two sides use', async () => {
    const ed = nodeEd25519();
    const seeds = deterministicRandom('x25519-handshake');
    const [aliceSeed, bobSeed] = [seeds(32), seeds(32)];
    const results: string[] = [];
    for (const backend of backends) {
      const alice = await identityFromSeed(ed, aliceSeed, backend);
      const bob = await identityFromSeed(
        ed,
        bobSeed,
        backends[(backends.indexOf(backend) + 1) % backends.length],
      );
      const random = deterministicRandom('same-randomness');
      const init = await createInit(alice, bob.publicKey, random, 1_790_000_000_000);
      const accept = await createAccept(bob, await openInit(bob, init.bytes, ed), random);
      const keys = await openAccept(alice, init.pending, accept.bytes, ed);
      expect(keys.sendKey).toEqual(accept.keys.receiveKey);
      results.push(Buffer.concat([init.bytes, accept.bytes, keys.sendKey]).toString('hex'));
    }
    expect(new Set(results).size).toBe(1);
  });

  it('wrong input: TypeError for non-bytes, RangeError for wrong lengths', async () => {
    for (const backend of backends) {
      for (const value of [undefined, 'x', 1, [1], new ArrayBuffer(32)]) {
        await expect(backend.publicKey(value as unknown as Uint8Array)).rejects.toThrow(TypeError);
        await expect(
          backend.sharedSecret(new Uint8Array(32), value as unknown as Uint8Array, new Uint8Array(32)),
        ).rejects.toThrow(TypeError);
      }
      for (const length of [0, 31, 33]) {
        await expect(backend.publicKey(new Uint8Array(length))).rejects.toThrow(RangeError);
        await expect(
          backend.sharedSecret(new Uint8Array(32), new Uint8Array(length), new Uint8Array(32)),
        ).rejects.toThrow(RangeError);
      }
    }
    expect(() => boxKey(new Uint8Array(31))).toThrow(RangeError);
  });
});
