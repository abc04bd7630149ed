/**
 * X25519 with the platform's native implementation where there is one (node:crypto, WebCrypto) and
 * tweetnacl as the portable fallback: about 80% of a handshake's time is X25519, and native is 5-7× faster.
 * `boxKey` turns a shared secret into the key NaCl's crypto_box uses (HSalsa20, as crypto_box_beforenm),
 * so `nacl.secretbox(m, n, boxKey(X25519(a, B)))` equals `nacl.box(m, n, B, a)` byte for byte.
 */
import * as noble from '@noble/ed25519';
import nacl from 'tweetnacl';
import { assertBytes, equalBytes, toBase64Url, utf8 } from './bytes.ts';
import { ProtocolError } from './errors.ts';

export interface X25519Backend {
  readonly name: string;
  publicKey(secretKey: Uint8Array): Promise<Uint8Array>;
  /**
   * X25519(secretKey, publicKey). `ownPublicKey` (the caller always has it) lets native backends import the
   * secret as JWK, several times faster than PKCS#8. Throws ProtocolError('bad-key') for an all-zero result.
   */
  sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array, ownPublicKey: Uint8Array): Promise<Uint8Array>;
}

const ZERO = new Uint8Array(32);

export function checkSharedSecret(shared: Uint8Array): Uint8Array {
  if (equalBytes(shared, ZERO)) throw new ProtocolError('bad-key', 'low-order X25519 public key');
  return shared;
}

export function assertKeys(secretKey: Uint8Array, ...publicKeys: Uint8Array[]): void {
  assertBytes(secretKey, 'secretKey', 32);
  for (const key of publicKeys) assertBytes(key, 'publicKey', 32);
}

export const tweetnaclX25519: X25519Backend = {
  name: 'tweetnacl',
  async publicKey(secretKey) {
    assertKeys(secretKey);
    return nacl.scalarMult.base(secretKey);
  },
  async sharedSecret(secretKey, publicKey, ownPublicKey) {
    assertKeys(secretKey, publicKey, ownPublicKey);
    return checkSharedSecret(nacl.scalarMult(secretKey, publicKey));
  },
};

const SIGMA = utf8('expand 32-byte k');
// tweetnacl's typings omit `lowlevel`, which holds crypto_box_beforenm's HSalsa20 core.
const { lowlevel } = nacl as unknown as {
  lowlevel: {
    crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, constant: Uint8Array): void;
  };
};

export function boxKey(shared: Uint8Array): Uint8Array {
  assertBytes(shared, 'shared', 32);
  const key = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(key, new Uint8Array(16), shared, SIGMA);
  return key;
}

const P = 2n ** 255n - 19n;
/** L, the order of the Ed25519 base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * X25519(secretKey, 9): the Montgomery image u = (Z + Y) / (Z - Y) of [clamp(secretKey)]B on Ed25519, whose
 * base point maps to u = 9. noble's base-point multiplication (precomputed windows) makes this one table
 * walk and one inversion, the same work and the same variable-time field inversion as noble's own
 * `getPublicKey`. WebCrypto has no way to derive a public key from raw secret bytes except a PKCS#8 import
 * and a JWK export, which costs several times more (OpenSSL 3's PKCS#8 decoder in Node).
 */
export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', 32);
  let scalar = 0n;
  for (let i = 31; i >= 0; i--) {
    const byte = i === 31 ? (secretKey[i]! & 127) | 64 : i === 0 ? secretKey[i]! & 248 : secretKey[i]!;
    scalar = (scalar << 8n) | BigInt(byte);
  }
  // A clamped scalar is a multiple of 8 in [2^254, 2^255), never a multiple of the odd L below 8L > 2^255:
  // the point is never the identity, so Z - Y is never zero.
  const point = noble.Point.BASE.multiply(scalar % L);
  let u = noble.etc.mod((point.Z + point.Y) * noble.etc.invert(point.Z - point.Y, P), P);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** WebCrypto X25519 (Chromium ≥ 133, Firefox ≥ 130, Safari ≥ 17, Node ≥ 20). `subtle` is passed in. */
export function webCryptoX25519(subtle: SubtleCrypto): X25519Backend {
  const algorithm = { name: 'X25519' };
  return {
    name: 'webcrypto',
    async publicKey(secretKey) {
      assertKeys(secretKey);
      return x25519PublicKey(secretKey);
    },
    async sharedSecret(secretKey, publicKey, ownPublicKey) {
      assertKeys(secretKey, publicKey, ownPublicKey);
      try {
        const peer = await subtle.importKey('raw', publicKey.slice(), algorithm, false, []);
        const jwk = { kty: 'OKP', crv: 'X25519', d: toBase64Url(secretKey), x: toBase64Url(ownPublicKey) };
        const own = await subtle.importKey('jwk', jwk, algorithm, false, ['deriveBits']);
        return checkSharedSecret(
          new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: peer }, own, 256)),
        );
      } catch (error) {
        // Implementations refuse an all-zero result themselves; the verdict must match the fallback's.
        if (error instanceof ProtocolError) throw error;
        throw new ProtocolError('bad-key', 'X25519 failed');
      }
    },
  };
}

export async function supportsWebCryptoX25519(subtle: SubtleCrypto | undefined): Promise<boolean> {
  if (!subtle) return false;
  try {
    await subtle.importKey(
      'raw',
      new Uint8Array(nacl.scalarMult.base(new Uint8Array(32).fill(7))),
      { name: 'X25519' },
      false,
      [],
    );
    return true;
  } catch {
    return false;
  }
}
