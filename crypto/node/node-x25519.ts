/** Node's built-in X25519 (OpenSSL). Keys go in as JWK: OpenSSL 3's DER decoders are 5× slower. */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { ProtocolError } from '../errors.ts';
import { assertKeys, checkSharedSecret, type X25519Backend } from '../x25519.ts';

const privateKey = (secretKey: Uint8Array, publicKey?: Uint8Array) =>
  createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: toBase64Url(secretKey), x: publicKey ? toBase64Url(publicKey) : '' },
    format: 'jwk',
  });

export function nodeX25519(): X25519Backend {
  return {
    name: 'node',
    async publicKey(secretKey) {
      assertKeys(secretKey);
      return fromBase64Url(createPublicKey(privateKey(secretKey)).export({ format: 'jwk' }).x ?? '');
    },
    async sharedSecret(secretKey, publicKey, ownPublicKey) {
      assertKeys(secretKey, publicKey, ownPublicKey);
      const peer = createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(publicKey) },
        format: 'jwk',
      });
      let shared: Uint8Array;
      try {
        shared = new Uint8Array(
          diffieHellman({ privateKey: privateKey(secretKey, ownPublicKey), publicKey: peer }),
        );
      } catch {
        throw new ProtocolError('bad-key', 'X25519 failed');
      }
      return checkSharedSecret(shared);
    },
  };
}
