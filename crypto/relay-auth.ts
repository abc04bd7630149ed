/**
 * The message a client signs to prove to a relay that it holds the private key of the address it claims
 * (spec/relay.md, Authentication):
 *
 *   +----------------------------+------+----------------+--------+-----------------+
 *   | "tincan-relay-auth-v1"     | 0x00 | challenge (32) | n u8   | origin (n)      |
 *   +----------------------------+------+----------------+--------+-----------------+
 *
 * - The context string and its 0 terminator keep this signature from ever being valid as any other Tincan
 *   signature (envelopes, handshakes use other contexts).
 * - The challenge is the relay's fresh random nonce for this socket, so a recorded AUTH is useless on any
 *   other socket.
 * - The origin is the relay as the client sees it (scheme, host, port). A hostile relay that forwards a
 *   real relay's challenge gets a signature bound to its own origin, which the real relay refuses.
 * - The identity key is not repeated: Ed25519 already hashes the public key into every signature.
 */
import { assertBytes, assertString, concatBytes, utf8 } from './bytes.ts';
import {
  type Ed25519Backend,
  type Ed25519Signer,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  verify,
} from './ed25519.ts';

export const RELAY_AUTH_CONTEXT = 'tincan-relay-auth-v1';
export const CHALLENGE_LENGTH = 32;
const MAX_ORIGIN_LENGTH = 255;
const CONTEXT_BYTES = concatBytes(utf8(RELAY_AUTH_CONTEXT), Uint8Array.of(0));

/**
 * Throws unless `origin` is a serialized http(s) origin in canonical form: lower-case scheme and host,
 * no default port, no path, no credentials, at most 255 bytes, as `new URL(x).origin` prints it.
 */
export function assertRelayOrigin(origin: unknown): asserts origin is string {
  assertString(origin, 'origin');
  if (!isRelayOrigin(origin))
    throw new RangeError(`origin must be a canonical http(s) origin, got ${JSON.stringify(origin)}`);
}

export function isRelayOrigin(origin: string): boolean {
  if (origin.length < 1 || origin.length > MAX_ORIGIN_LENGTH || !/^https?:\/\/[\x21-\x7e]+$/.test(origin))
    return false;
  try {
    return new URL(origin).origin === origin;
  } catch {
    return false;
  }
}

/** The origin a client binds into its signature when it connects to a ws:// or wss:// relay URL. */
export function originOfRelayUrl(url: string): string {
  assertString(url, 'url');
  const parsed = new URL(url);
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
    throw new RangeError('url must be ws: or wss:');
  const origin = `${parsed.protocol === 'wss:' ? 'https' : 'http'}://${parsed.host}`;
  assertRelayOrigin(origin);
  return origin;
}

export function relayAuthMessage(challenge: Uint8Array, origin: string): Uint8Array {
  assertBytes(challenge, 'challenge', CHALLENGE_LENGTH);
  assertRelayOrigin(origin);
  return concatBytes(CONTEXT_BYTES, challenge, Uint8Array.of(origin.length), utf8(origin));
}

export function signRelayAuth(
  signer: Ed25519Signer,
  challenge: Uint8Array,
  origin: string,
): Promise<Uint8Array> {
  return signer.sign(relayAuthMessage(challenge, origin));
}

/** True only for a valid signature under Tincan's Ed25519 rule; never throws for hostile bytes. */
export function verifyRelayAuth(
  backend: Ed25519Backend,
  challenge: Uint8Array,
  origin: string,
  publicKey: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  assertBytes(publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
  assertBytes(signature, 'signature', SIGNATURE_LENGTH);
  return verify(backend, signature, relayAuthMessage(challenge, origin), publicKey);
}
