/**
 * Ed25519 with one verification rule for every backend.
 *
 * Backends differ on edge cases (OpenSSL / BoringSSL verify cofactorless and accept small-order keys;
 * noble's strict mode is cofactored and rejects them). Tincan's rule, applied here before any backend runs:
 *
 *   1. signature is 64 bytes, public key 32 bytes;
 *   2. S < L (canonical scalar);
 *   3. A and R are canonical encodings (y < p, and no "negative zero" x);
 *   4. neither A nor R is one of the 8 small-order points;
 *   5. the cofactorless equation [S]B = R + [k]A holds, comparing the encoding of [S]B - [k]A with R's bytes.
 *
 * Native backends (WebCrypto, node:crypto) do step 5 exactly that way; the noble fallback does it explicitly
 * with noble's point arithmetic, so every path returns the same verdict (spec/identities.md, vectors in
 * spec/vectors/ed25519.json).
 */
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, equalBytes, fromBase64Url, fromHex } from './bytes.ts';

// noble's synchronous API needs a SHA-512; this wiring is configuration of the library, not our state.
noble.hashes.sha512 = sha512;

export const PUBLIC_KEY_LENGTH = 32;
export const SEED_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A backend only does arithmetic; the policy checks in `verify` run before `verifyCofactorless`. */
export interface Ed25519Backend {
  readonly name: string;
  importSigner(seed: Uint8Array): Promise<Ed25519Signer>;
  verifyCofactorless(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
}

const SMALL_ORDER_POINTS = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map(fromHex);

/** L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const GROUP_ORDER_LE = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/** True if the 32-byte little-endian integer is below L. */
export function isCanonicalScalar(scalar: Uint8Array): boolean {
  assertBytes(scalar, 'scalar', 32);
  for (let i = 31; i >= 0; i--) {
    if (scalar[i]! < GROUP_ORDER_LE[i]!) return true;
    if (scalar[i]! > GROUP_ORDER_LE[i]!) return false;
  }
  return false;
}

/** True if y < p = 2^255 - 19 and the encoding is not x = 0 with the sign bit set. */
export function isCanonicalPoint(encoded: Uint8Array): boolean {
  assertBytes(encoded, 'encoded', 32);
  const top = encoded[31]! & 0x7f;
  let allOnes = top === 0x7f;
  for (let i = 1; i < 31 && allOnes; i++) allOnes = encoded[i] === 0xff;
  if (allOnes && encoded[0]! >= 0xed) return false; // y >= p
  const signBit = encoded[31]! & 0x80;
  if (signBit !== 0) {
    // x = 0 exactly when y = 1 or y = p - 1; those points have no negative form.
    // A copy, never a view: Node's Buffer#slice shares memory, and the caller's key must stay untouched.
    const y = Uint8Array.from(encoded);
    y[31] = top;
    if (equalBytes(y, SMALL_ORDER_POINTS[0]!) || equalBytes(y, SMALL_ORDER_POINTS[1]!)) return false;
  }
  return true;
}

export function isSmallOrderPoint(encoded: Uint8Array): boolean {
  assertBytes(encoded, 'encoded', 32);
  let found = false;
  for (const point of SMALL_ORDER_POINTS) found = equalBytes(point, encoded) || found;
  return found;
}

/** A public key we accept as an identity: canonical and not of small order. */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  return (
    publicKey instanceof Uint8Array &&
    publicKey.length === PUBLIC_KEY_LENGTH &&
    isCanonicalPoint(publicKey) &&
    !isSmallOrderPoint(publicKey)
  );
}

/**
 * Acceptable and also a point on the curve. Costs a point decompression, so it is checked where a key enters
 * (contact codes, boxing to a key), not on every signature verification, where an off-curve key simply
 * never verifies.
 */
export function isIdentityKey(publicKey: Uint8Array): boolean {
  if (!isAcceptablePublicKey(publicKey)) return false;
  try {
    noble.Point.fromBytes(publicKey, false);
    return true;
  } catch {
    return false;
  }
}

/** Steps 1–4 of the rule; pure byte checks, no curve arithmetic. */
export function passesVerificationPolicy(signature: Uint8Array, publicKey: Uint8Array): boolean {
  assertBytes(signature, 'signature');
  assertBytes(publicKey, 'publicKey');
  if (signature.length !== SIGNATURE_LENGTH || !isAcceptablePublicKey(publicKey)) return false;
  const r = signature.subarray(0, 32);
  return isCanonicalScalar(signature.subarray(32)) && isCanonicalPoint(r) && !isSmallOrderPoint(r);
}

/** Verifies under Tincan's rule with the given backend. Never throws for bad signatures or keys. */
export async function verify(
  backend: Ed25519Backend,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  assertBytes(signature, 'signature');
  assertBytes(message, 'message');
  assertBytes(publicKey, 'publicKey');
  if (!passesVerificationPolicy(signature, publicKey)) return false;
  try {
    return await backend.verifyCofactorless(signature, message, publicKey);
  } catch {
    return false;
  }
}

const bytesToNumberLE = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
};
const GROUP_ORDER = bytesToNumberLE(GROUP_ORDER_LE);

/** Portable reference backend on @noble/ed25519; about 10× slower than native verification. */
export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  async importSigner(seed) {
    assertBytes(seed, 'seed', SEED_LENGTH);
    const secret = seed.slice();
    return {
      publicKey: noble.getPublicKey(secret),
      sign: async (message) => noble.sign(message, secret),
    };
  },
  async verifyCofactorless(signature, message, publicKey) {
    const A = noble.Point.fromBytes(publicKey, false);
    const r = signature.subarray(0, 32);
    const s = bytesToNumberLE(signature.subarray(32));
    const k = noble.etc.mod(bytesToNumberLE(sha512(concatBytes(r, publicKey, message))), GROUP_ORDER);
    const expectedR = noble.Point.BASE.multiply(s, false).subtract(A.multiply(k, false));
    return equalBytes(expectedR.toBytes(), r);
  },
};

/** PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): the only private format WebCrypto imports. */
export const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
/** SubjectPublicKeyInfo prefix for a raw Ed25519 public key (RFC 8410). */
export const ED25519_SPKI_PREFIX = fromHex('302a300506032b6570032100');

/**
 * The platform's native Ed25519 through WebCrypto (browsers, Node). `subtle` is passed in so the module
 * touches no globals. Imported verification keys are kept in a small bounded cache.
 */
export function webCryptoEd25519(subtle: SubtleCrypto, cacheSize = 256): Ed25519Backend {
  const algorithm = { name: 'Ed25519' };
  const verifyKeys = new Map<string, Promise<CryptoKey>>();
  const verifyKey = (publicKey: Uint8Array): Promise<CryptoKey> => {
    const id = String.fromCharCode(...publicKey);
    let key = verifyKeys.get(id);
    if (!key) {
      key = subtle.importKey('raw', publicKey.slice(), algorithm, false, ['verify']);
      if (verifyKeys.size >= cacheSize) verifyKeys.delete(verifyKeys.keys().next().value!);
      verifyKeys.set(id, key);
      key.catch(() => verifyKeys.delete(id));
    }
    return key;
  };
  return {
    name: 'webcrypto',
    async importSigner(seed) {
      assertBytes(seed, 'seed', SEED_LENGTH);
      const pkcs8 = concatBytes(ED25519_PKCS8_PREFIX, seed);
      const exportable = await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
      const jwk = await subtle.exportKey('jwk', exportable);
      const privateKey = await subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
      pkcs8.fill(0);
      return {
        publicKey: fromBase64Url(jwk.x ?? ''),
        sign: async (message) => new Uint8Array(await subtle.sign(algorithm, privateKey, message.slice())),
      };
    },
    async verifyCofactorless(signature, message, publicKey) {
      return subtle.verify(algorithm, await verifyKey(publicKey), signature.slice(), message.slice());
    },
  };
}

/** True if this WebCrypto implements Ed25519 (Chromium ≥ 137, Firefox ≥ 129, Safari ≥ 17, Node ≥ 18.4). */
export async function supportsWebCryptoEd25519(subtle: SubtleCrypto | undefined): Promise<boolean> {
  if (!subtle) return false;
  try {
    await subtle.importKey('raw', SMALL_ORDER_POINTS[0]!.slice(), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}
