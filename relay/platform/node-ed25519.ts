/** Node's built-in Ed25519 (OpenSSL): synchronous and the fastest path on a server. */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { assertBytes, concatBytes, toBase64Url } from '../../crypto/bytes.ts';
import {
  ED25519_PKCS8_PREFIX,
  ED25519_SPKI_PREFIX,
  type Ed25519Backend,
  SEED_LENGTH,
} from '../../crypto/ed25519.ts';

export function nodeEd25519(cacheSize = 1024): Ed25519Backend {
  const keys = new Map<string, KeyObject>();
  const publicKeyObject = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey).toString('latin1');
    let key = keys.get(id);
    if (!key) {
      // JWK, not SPKI DER: OpenSSL 3's DER decoder is about 5× slower, and the relay imports a key per login.
      key = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) },
        format: 'jwk',
      });
      if (keys.size >= cacheSize) keys.delete(keys.keys().next().value!);
      keys.set(id, key);
    }
    return key;
  };
  return {
    name: 'node',
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
      return verify(null, message, publicKeyObject(publicKey), signature);
    },
  };
}
