import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import nacl from 'tweetnacl';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../../crypto/bytes.ts';
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
import { ed25519PublicToX25519, ed25519SeedToX25519, identityFromSeed } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import type { VectorFile } from '../../spec/vectors/format.ts';
import { smallOrderPoints } from '../../spec/vectors/gen/ed25519.ts';

const { n: L, p: P } = noble.Point.CURVE();
const backends = [
  nobleEd25519,
  webCryptoEd25519(globalThis.crypto.subtle),
  nodeEd25519(),
  nodeEd25519(0, 'thread-pool'),
] as const;
const node = backends[2];

const le = (value: bigint, length = 32): Uint8Array => {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
};
const withSignBit = (bytes: Uint8Array): Uint8Array => {
  const out = bytes.slice();
  out[31]! |= 0x80;
  return out;
};
const decodesStrictly = (bytes: Uint8Array): boolean => {
  try {
    noble.Point.fromBytes(bytes, false);
    return true;
  } catch {
    return false;
  }
};

const torsion = smallOrderPoints();
const identity = torsion[0]!.toBytes();
const vectors = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../spec/vectors/ed25519.json'), 'utf8'),
) as VectorFile;
const vectorBytes = vectors.cases.map((c) => ({
  label: c.label,
  comment: c.comment,
  signature: fromHex(c.signature as string),
  message: fromHex(c.message as string),
  publicKey: fromHex(c.publicKey as string),
}));

beforeAll(async () => {
  await sodium.ready;
});

describe('small-order blacklist', () => {
  it('the 8 torsion points found from the curve are distinct, of small order, and all blacklisted', () => {
    const encodings = torsion.map((t) => toHex(t.toBytes()));
    expect(new Set(encodings).size).toBe(8);
    for (const t of torsion) {
      expect(t.isSmallOrder()).toBe(true);
      expect(t.multiply(8n, false).is0()).toBe(true);
      expect(isSmallOrderPoint(t.toBytes())).toBe(true);
    }
  });

  it('nothing else near them is blacklisted: mixed-order points, negative zeros, non-canonical twins', () => {
    for (const t of torsion) {
      expect(isSmallOrderPoint(noble.Point.BASE.add(t).toBytes())).toBe(false);
      expect(isSmallOrderPoint(t.negate().toBytes())).toBe(true); // the set is closed under negation
    }
    expect(isSmallOrderPoint(withSignBit(le(1n)))).toBe(false);
    expect(isSmallOrderPoint(withSignBit(le(P - 1n)))).toBe(false);
    for (let y = P; y < 2n ** 255n; y++) {
      expect(isSmallOrderPoint(le(y))).toBe(false);
      expect(isSmallOrderPoint(withSignBit(le(y)))).toBe(false);
    }
  });

  it('on any 32 bytes, agrees with noble: blacklisted iff strictly decodable and of small order', () => {
    const candidates = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom(...torsion.map((t) => t.toBytes())),
      fc.bigInt({ min: 1n, max: L - 1n }).map((k) => noble.Point.BASE.multiply(k).toBytes()),
    );
    fc.assert(
      fc.property(candidates, (bytes) => {
        const expected = decodesStrictly(bytes) && noble.Point.fromBytes(bytes).isSmallOrder();
        expect(isSmallOrderPoint(bytes)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('canonical encodings', () => {
  it('isCanonicalScalar is exactly S < L at the boundaries', () => {
    for (const [value, expected] of [
      [0n, true],
      [1n, true],
      [2n ** 252n, true],
      [L - 1n, true],
      [L, false],
      [L + 1n, false],
      [2n ** 253n, false],
      [2n ** 256n - 1n, false],
    ] as const) {
      expect(isCanonicalScalar(le(value)), String(value)).toBe(expected);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (value) => {
        expect(isCanonicalScalar(le(value))).toBe(value < L);
      }),
    );
  });

  it('isCanonicalPoint rejects y >= p and the negative zeros, accepts y = p - 1', () => {
    expect(isCanonicalPoint(le(P - 1n))).toBe(true); // (0, -1), order 2
    expect(isCanonicalPoint(le(P - 2n))).toBe(true);
    expect(isCanonicalPoint(withSignBit(le(P - 2n)))).toBe(true);
    expect(isCanonicalPoint(le(0n))).toBe(true);
    expect(isCanonicalPoint(withSignBit(le(0n)))).toBe(true); // y = 0 has x = ±sqrt(-1), both signs exist
    expect(isCanonicalPoint(le(P))).toBe(false);
    expect(isCanonicalPoint(le(P + 1n))).toBe(false);
    expect(isCanonicalPoint(le(2n ** 255n - 1n))).toBe(false);
    expect(isCanonicalPoint(withSignBit(le(1n)))).toBe(false); // negative zero of the identity
    expect(isCanonicalPoint(withSignBit(le(P - 1n)))).toBe(false); // negative zero of (0, -1)
  });

  it('isCanonicalPoint agrees with noble: canonical decodable points re-encode to themselves', () => {
    const nearTop = fc.bigInt({ min: P - 40n, max: 2n ** 255n - 1n }).map(le);
    const nearZero = fc.bigInt({ min: 0n, max: 40n }).map(le);
    const encodings = fc
      .tuple(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), nearTop, nearZero), fc.boolean())
      .map(([bytes, sign]) => (sign ? withSignBit(bytes) : bytes));
    fc.assert(
      fc.property(encodings, (bytes) => {
        let point: noble.Point;
        try {
          point = noble.Point.fromBytes(bytes, true); // lenient decoding: also non-canonical forms
        } catch {
          return; // not a curve point: canonicity is a byte property, nothing to compare
        }
        expect(isCanonicalPoint(bytes)).toBe(equalBytes(point.toBytes(), bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('isAcceptablePublicKey is canonical and not small order', () => {
    expect(isAcceptablePublicKey(noble.Point.BASE.toBytes())).toBe(true);
    expect(isAcceptablePublicKey(noble.Point.BASE.add(torsion[1]!).toBytes())).toBe(true); // mixed order
    for (const t of torsion) expect(isAcceptablePublicKey(t.toBytes())).toBe(false);
    expect(isAcceptablePublicKey(le(P + 1n))).toBe(false);
    expect(isAcceptablePublicKey(noble.Point.BASE.toBytes().subarray(0, 31))).toBe(false);
  });
});

describe('raw backends disagree; the rule makes them agree', () => {
  const message = utf8('any message at all');
  const identityCase = { signature: concatBytes(identity, new Uint8Array(32)), publicKey: identity };

  it("node's crypto.verify accepts the small-order identity key; verify(node) and noble's strict mode do not", async () => {
    expect(await node.verifyCofactorless(identityCase.signature, message, identityCase.publicKey)).toBe(true);
    expect(noble.verify(identityCase.signature, message, identityCase.publicKey, { zip215: false })).toBe(
      false,
    );
    for (const backend of backends) {
      expect(
        await verify(backend, identityCase.signature, message, identityCase.publicKey),
        backend.name,
      ).toBe(false);
    }
  });

  it('across the vectors, raw OpenSSL and raw noble (ZIP-215 default) each accept invalid cases the other rejects', async () => {
    let opensslOnly = 0;
    let zip215Only = 0;
    for (const c of vectorBytes.filter((v) => v.label === 'invalid' && v.signature.length === 64)) {
      const openssl = await node.verifyCofactorless(c.signature, c.message, c.publicKey).catch(() => false);
      const zip215 = c.publicKey.length === 32 && noble.verify(c.signature, c.message, c.publicKey);
      if (openssl && !zip215) opensslOnly++;
      if (zip215 && !openssl) zip215Only++;
    }
    expect(opensslOnly + zip215Only).toBeGreaterThan(0);
    expect(zip215Only).toBeGreaterThan(0); // small-order R, mixed-order A and R, non-canonical R
  });

  it('libsodium (an independent implementation of the same strict rule) agrees with every vector', () => {
    for (const c of vectorBytes) {
      let verdict: boolean;
      try {
        verdict = sodium.crypto_sign_verify_detached(c.signature, c.message, c.publicKey);
      } catch {
        verdict = false; // wrong lengths
      }
      expect(verdict, c.comment).toBe(c.label === 'valid');
    }
  });

  it('passesVerificationPolicy alone rejects every invalid vector that some raw backend accepts', async () => {
    for (const c of vectorBytes.filter((v) => v.label === 'invalid')) {
      if (c.signature.length !== 64 || c.publicKey.length !== 32) continue;
      const raw = await node.verifyCofactorless(c.signature, c.message, c.publicKey).catch(() => false);
      if (raw) expect(passesVerificationPolicy(c.signature, c.publicKey), c.comment).toBe(false);
    }
  });
});

describe('signers agree across backends', () => {
  it('same public key and same signature from every backend; each verifies under every backend', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        async (seed, message) => {
          const signers = await Promise.all(backends.map((b) => b.importSigner(seed)));
          const signatures = await Promise.all(signers.map((s) => s.sign(message)));
          expect(toHex(signers[0]!.publicKey)).toBe(toHex(noble.getPublicKey(seed)));
          for (let i = 1; i < backends.length; i++) {
            expect(toHex(signers[i]!.publicKey), backends[i]!.name).toBe(toHex(signers[0]!.publicKey));
            expect(toHex(signatures[i]!), backends[i]!.name).toBe(toHex(signatures[0]!));
          }
          for (const backend of backends) {
            expect(await verify(backend, signatures[0]!, message, signers[0]!.publicKey), backend.name).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('identity: Ed25519 -> X25519', () => {
  it('the derived X25519 public key is the map of the Ed25519 key, and equals libsodium', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (seed) => {
        const identity = await identityFromSeed(nodeEd25519(), seed);
        const fromSeed = nacl.scalarMult.base(ed25519SeedToX25519(seed));
        const fromPublic = ed25519PublicToX25519(identity.publicKey);
        expect(toHex(fromPublic)).toBe(toHex(fromSeed));
        expect(toHex(identity.box.publicKey)).toBe(toHex(fromSeed));
        expect(toHex(fromPublic)).toBe(
          toHex(sodium.crypto_sign_ed25519_pk_to_curve25519(identity.publicKey)),
        );
        const sodiumSecret = sodium.crypto_sign_ed25519_sk_to_curve25519(
          concatBytes(seed, identity.publicKey),
        );
        expect(toHex(ed25519SeedToX25519(seed))).toBe(toHex(sodiumSecret));
      }),
      { numRuns: 20 },
    );
  });

  it('nacl.box between two identities works with keys derived from their Ed25519 public keys', async () => {
    const alice = await identityFromSeed(nobleEd25519, new Uint8Array(32).fill(1));
    const bob = await identityFromSeed(nobleEd25519, new Uint8Array(32).fill(2));
    const nonce = new Uint8Array(24).fill(7);
    const plaintext = utf8('hello bob');
    const boxed = nacl.box(plaintext, nonce, ed25519PublicToX25519(bob.publicKey), alice.box.secretKey);
    const opened = nacl.box.open(boxed, nonce, ed25519PublicToX25519(alice.publicKey), bob.box.secretKey);
    expect(opened && toHex(opened)).toBe(toHex(plaintext));
    const stranger = await identityFromSeed(nobleEd25519, new Uint8Array(32).fill(3));
    expect(
      nacl.box.open(boxed, nonce, ed25519PublicToX25519(alice.publicKey), stranger.box.secretKey),
    ).toBeNull();
  });

  it('refuses to map keys that are not acceptable identities', () => {
    for (const bad of [...torsion.map((t) => t.toBytes()), le(P + 1n), withSignBit(le(1n))]) {
      expect(() => ed25519PublicToX25519(bad)).toThrow(expect.objectContaining({ code: 'bad-key' }));
      try {
        ed25519PublicToX25519(bad);
      } catch (error) {
        expect(isProtocolError(error, 'bad-key')).toBe(true);
      }
    }
  });
});

describe('inputs are never modified', () => {
  it('verify leaves Buffer arguments untouched (Buffer#slice is a view)', async () => {
    const { nodeEd25519: node } = await import('../../crypto/node/node-ed25519.ts');
    const negativeZero = new Uint8Array(32);
    negativeZero[0] = 1;
    negativeZero[31] = 0x80;
    const key = Buffer.from(negativeZero);
    const signature = Buffer.alloc(64, 0x80);
    await verify(node(), signature, new Uint8Array(0), key);
    expect(key[31]).toBe(0x80);
    expect(signature.every((b) => b === 0x80)).toBe(true);
  });
});

describe('node backend verifying on the thread pool (the relay)', () => {
  it('gives the inline verdicts for many verifications in flight at once', async () => {
    const inline = nodeEd25519(0);
    const pooled = nodeEd25519(0, 'thread-pool');
    const signer = await inline.importSigner(new Uint8Array(32).fill(5));
    const messages = Array.from({ length: 64 }, (_, i) => Uint8Array.of(i, i + 1, i + 2));
    const signatures = await Promise.all(messages.map((m) => signer.sign(m)));
    // Every other signature belongs to the wrong message.
    const cases = messages.map((m, i) => ({ m, s: signatures[i % 2 === 0 ? i : (i + 1) % 64]! }));
    const expected = await Promise.all(cases.map((c) => verify(inline, c.s, c.m, signer.publicKey)));
    const got = await Promise.all(cases.map((c) => verify(pooled, c.s, c.m, signer.publicKey)));
    expect(got).toEqual(expected);
    expect(got.filter(Boolean)).toHaveLength(32);
  });

  it('refuses an unknown mode', () => {
    expect(() => nodeEd25519(0, 'elsewhere' as 'inline')).toThrow(RangeError);
  });
});
