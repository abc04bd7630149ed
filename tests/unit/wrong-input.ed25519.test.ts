/** Wrong types are TypeError, wrong lengths of our own arguments RangeError; untrusted bytes never throw. */
import { describe, expect, it } from 'vitest';
import {
  isAcceptablePublicKey,
  isCanonicalPoint,
  isCanonicalScalar,
  isSmallOrderPoint,
  nobleEd25519,
  passesVerificationPolicy,
  verify,
  webCryptoEd25519,
} from '../../crypto/ed25519.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import {
  createIdentity,
  ed25519PublicToX25519,
  ed25519SeedToX25519,
  identityFromSeed,
} from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';

const backends = [
  nobleEd25519,
  webCryptoEd25519(globalThis.crypto.subtle),
  nodeEd25519(),
  nodeEd25519(0, 'thread-pool'),
];
const notBytes: unknown[] = [
  undefined,
  null,
  'aa',
  42,
  [1, 2, 3],
  new ArrayBuffer(32),
  new Uint16Array(16),
  {},
];
const wrongLengths = [0, 1, 31, 33, 64];

describe('verify', () => {
  const seed = new Uint8Array(32).fill(9);

  for (const backend of backends) {
    describe(backend.name, () => {
      it('throws TypeError naming the argument for non-bytes', async () => {
        const signer = await backend.importSigner(seed);
        const message = new Uint8Array([1]);
        const signature = await signer.sign(message);
        for (const bad of notBytes) {
          await expect(verify(backend, bad as Uint8Array, message, signer.publicKey)).rejects.toThrow(
            /signature must be a Uint8Array/,
          );
          await expect(verify(backend, signature, bad as Uint8Array, signer.publicKey)).rejects.toThrow(
            /message must be a Uint8Array/,
          );
          await expect(verify(backend, signature, message, bad as Uint8Array)).rejects.toThrow(
            /publicKey must be a Uint8Array/,
          );
          await expect(verify(backend, signature, message, bad as Uint8Array)).rejects.toBeInstanceOf(
            TypeError,
          );
        }
      });

      it('returns false (never throws) for short, long and empty signatures and keys', async () => {
        const signer = await backend.importSigner(seed);
        const message = new Uint8Array(0);
        const signature = await signer.sign(message);
        expect(await verify(backend, signature, message, signer.publicKey)).toBe(true); // empty message is fine
        for (const length of wrongLengths) {
          const bytes = new Uint8Array(length).fill(1);
          expect(await verify(backend, bytes, message, signer.publicKey)).toBe(false);
          expect(await verify(backend, signature, message, bytes)).toBe(false);
        }
        expect(await verify(backend, new Uint8Array(64), message, new Uint8Array(32))).toBe(false);
        expect(
          await verify(backend, new Uint8Array(64).fill(0xff), message, new Uint8Array(32).fill(0xff)),
        ).toBe(false);
      });

      it('importSigner: TypeError for non-bytes, RangeError for wrong seed lengths', async () => {
        for (const bad of notBytes) {
          await expect(backend.importSigner(bad as Uint8Array)).rejects.toBeInstanceOf(TypeError);
        }
        for (const length of wrongLengths) {
          await expect(backend.importSigner(new Uint8Array(length))).rejects.toThrow(RangeError);
          await expect(backend.importSigner(new Uint8Array(length))).rejects.toThrow(/seed must be 32 bytes/);
        }
      });
    });
  }
});

describe('byte predicates', () => {
  it('isCanonicalScalar / isCanonicalPoint / isSmallOrderPoint want exactly 32 bytes', () => {
    for (const check of [isCanonicalScalar, isCanonicalPoint, isSmallOrderPoint]) {
      for (const bad of notBytes) expect(() => check(bad as Uint8Array)).toThrow(TypeError);
      for (const length of wrongLengths) expect(() => check(new Uint8Array(length))).toThrow(RangeError);
    }
  });

  it('isAcceptablePublicKey is a predicate on untrusted input: false, never a throw', () => {
    for (const bad of notBytes) expect(isAcceptablePublicKey(bad as Uint8Array)).toBe(false);
    for (const length of wrongLengths)
      expect(isAcceptablePublicKey(new Uint8Array(length).fill(3))).toBe(false);
  });

  it('passesVerificationPolicy: TypeError for non-bytes, false for wrong lengths', () => {
    const key = new Uint8Array(32).fill(3);
    for (const bad of notBytes) {
      expect(() => passesVerificationPolicy(bad as Uint8Array, key)).toThrow(TypeError);
      expect(() => passesVerificationPolicy(new Uint8Array(64), bad as Uint8Array)).toThrow(TypeError);
    }
    for (const length of wrongLengths) {
      expect(passesVerificationPolicy(new Uint8Array(length), key)).toBe(false);
      expect(passesVerificationPolicy(new Uint8Array(64), new Uint8Array(length).fill(3))).toBe(false);
    }
  });
});

describe('identity', () => {
  it('identityFromSeed and ed25519SeedToX25519: TypeError / RangeError', async () => {
    for (const bad of notBytes) {
      await expect(identityFromSeed(nobleEd25519, bad as Uint8Array)).rejects.toBeInstanceOf(TypeError);
      expect(() => ed25519SeedToX25519(bad as Uint8Array)).toThrow(TypeError);
    }
    for (const length of wrongLengths) {
      await expect(identityFromSeed(nobleEd25519, new Uint8Array(length))).rejects.toThrow(
        /seed must be 32 bytes/,
      );
      expect(() => ed25519SeedToX25519(new Uint8Array(length))).toThrow(RangeError);
    }
  });

  it('createIdentity checks what the random source returns', async () => {
    // createIdentity is not `async`: it throws synchronously, so the call is wrapped to catch either way.
    const create = async (random: (n: number) => unknown) =>
      createIdentity(nobleEd25519, random as (n: number) => Uint8Array);
    await expect(create(() => new Uint8Array(31))).rejects.toThrow(/random\(32\) must be 32 bytes, got 31/);
    await expect(create(() => 'x'.repeat(32))).rejects.toBeInstanceOf(TypeError);
    const identity = await createIdentity(nobleEd25519, (n) => new Uint8Array(n).fill(5));
    expect(identity.publicKey).toHaveLength(32);
  });

  it('ed25519PublicToX25519: TypeError / RangeError for our mistakes, ProtocolError for hostile keys', () => {
    for (const bad of notBytes) expect(() => ed25519PublicToX25519(bad as Uint8Array)).toThrow(TypeError);
    for (const length of wrongLengths) {
      expect(() => ed25519PublicToX25519(new Uint8Array(length))).toThrow(RangeError);
    }
    for (const hostile of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      let thrown: unknown;
      try {
        ed25519PublicToX25519(hostile);
      } catch (error) {
        thrown = error;
      }
      expect(isProtocolError(thrown, 'bad-key')).toBe(true);
    }
  });
});
