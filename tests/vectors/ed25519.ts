/**
 * Replays an Ed25519 vector through all three backends via `verify` (the rule plus the backend's arithmetic)
 * and demands the labelled verdict from each. Cases with a secret key must also re-derive, on every backend,
 * exactly the recorded public key and signature (Ed25519 signing is deterministic).
 */
import { equalBytes, fromHex, toHex } from '../../crypto/bytes.ts';
import { type Ed25519Backend, nobleEd25519, verify, webCryptoEd25519 } from '../../crypto/ed25519.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';

export const BACKENDS: readonly Ed25519Backend[] = [
  nobleEd25519,
  webCryptoEd25519(globalThis.crypto.subtle),
  nodeEd25519(),
  // The relay's configuration: uncached keys, verified off the event loop.
  nodeEd25519(0, 'thread-pool'),
];

const hexField = (c: VectorCase, name: string): Uint8Array => {
  const value = c[name];
  if (typeof value !== 'string') throw new Error(`field ${name} must be a hex string`);
  return fromHex(value);
};

export async function checkCase(c: VectorCase): Promise<void> {
  const publicKey = hexField(c, 'publicKey');
  const message = hexField(c, 'message');
  const signature = hexField(c, 'signature');
  const expected = c.label === 'valid';
  if (!expected && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);

  for (const backend of BACKENDS) {
    if (c.secretKey !== undefined) {
      const signer = await backend.importSigner(hexField(c, 'secretKey'));
      if (!equalBytes(signer.publicKey, publicKey)) {
        throw new Error(`${backend.name}: derived public key ${toHex(signer.publicKey)}`);
      }
      const derived = await signer.sign(message);
      if (!equalBytes(derived, signature))
        throw new Error(`${backend.name}: derived signature ${toHex(derived)}`);
    }
    const verdict = await verify(backend, signature, message, publicKey);
    if (verdict !== expected) throw new Error(`${backend.name} says ${verdict ? 'valid' : 'invalid'}`);
  }
}
