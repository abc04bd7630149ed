/** Node's built-in Ed25519 (OpenSSL): synchronous and the fastest path on a server. */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { assertBytes, concatBytes } from '../bytes.ts';
import { ED25519_PKCS8_PREFIX, ED25519_SPKI_PREFIX, type Ed25519Backend, SEED_LENGTH } from '../ed25519.ts';

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * `cacheSize` imported verification keys are kept (0: none). A cache pays off where the same few keys verify
 * again and again (a client checking its contacts); a relay sees a new key at nearly every login and
 * imports it in about 10 µs, so it keeps none.
 *
 * `verifyOn: 'thread-pool'` runs each verification as a libuv thread-pool job (node:crypto's callback form)
 * instead of on the calling thread: a relay's event loop then spends a few microseconds per login on a
 * signature instead of the whole verification, and logins are checked on as many cores as the pool has.
 * Inline is cheaper per call where nothing else waits for the loop (a client, a test).
 */
export function nodeEd25519(cacheSize = 1024, verifyOn: 'inline' | 'thread-pool' = 'inline'): Ed25519Backend {
  if (!Number.isInteger(cacheSize) || cacheSize < 0)
    throw new RangeError(`cacheSize must be a non-negative integer, got ${cacheSize}`);
  if (verifyOn !== 'inline' && verifyOn !== 'thread-pool')
    throw new RangeError(`verifyOn must be 'inline' or 'thread-pool', got ${String(verifyOn)}`);
  const keys = new Map<string, KeyObject>();
  // JWK, not SPKI DER: OpenSSL 3's DER decoder is about 10× slower, and the relay imports a key per login.
  const jwk = (publicKey: Uint8Array) => ({
    key: { kty: 'OKP', crv: 'Ed25519', x: asBuffer(publicKey).toString('base64url') },
    format: 'jwk' as const,
  });
  const publicKeyObject = (publicKey: Uint8Array): KeyObject | ReturnType<typeof jwk> => {
    // Uncached, the key goes to verify() as JWK directly: no KeyObject is built around it.
    if (cacheSize === 0) return jwk(publicKey);
    const id = asBuffer(publicKey).toString('latin1');
    let key = keys.get(id);
    if (!key) {
      key = createPublicKey(jwk(publicKey));
      if (keys.size >= cacheSize) keys.delete(keys.keys().next().value!);
      keys.set(id, key);
    }
    return key;
  };
  return {
    name: verifyOn === 'inline' ? 'node' : 'node (thread pool)',
    async importSigner(seed) {
      assertBytes(seed, 'seed', SEED_LENGTH);
      const der = Buffer.from(concatBytes(ED25519_PKCS8_PREFIX, seed));
      const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      der.fill(0);
      const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      return {
        publicKey: new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX.length)),
        sign: async (message) => new Uint8Array(sign(null, message, privateKey)),
      };
    },
    async verifyCofactorless(signature, message, publicKey) {
      if (verifyOn === 'inline') return verify(null, message, publicKeyObject(publicKey), signature);
      const key = publicKeyObject(publicKey);
      return new Promise<boolean>((resolve, reject) =>
        verify(null, message, key, signature, (error, valid) => (error ? reject(error) : resolve(valid))),
      );
    },
  };
}
