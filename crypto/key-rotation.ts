/**
 * A signed key rotation: an identity names its successor. Both keys sign the same statement. The old key's
 * signature says "this key now speaks for me"; the new key's says "and I hold it", so nobody can name
 * someone else's key as their successor and inherit what is addressed to it.
 *
 *    0      1               33              65             73             137            201
 *    +------+---------------+---------------+--------------+--------------+--------------+
 *    | 0x01 | old key (32)  | new key (32)  | issuedAt u64 | sig old (64) | sig new (64) |
 *    +------+---------------+---------------+--------------+--------------+--------------+
 *
 *    signed = "tincan-key-rotation-v1" 0x00 || 0x01 || old key || new key || issuedAt   (issuedAt: ms, BE)
 *
 * Decoding checks the layout only (length, version, two distinct identity keys); verifyKeyRotation checks both
 * signatures under the strict rule of ed25519.ts. What a receiver then does with it (spec/chat.md, Signed key rotation) is
 * not this module's business: a valid statement proves that whoever held the old key agreed, nothing more.
 */
import { assertBytes, concatBytes, equalBytes, readU64be, u64be, utf8 } from './bytes.ts';
import {
  type Ed25519Backend,
  isIdentityKey,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  verify,
} from './ed25519.ts';
import { ProtocolError } from './errors.ts';
import type { Identity } from './identity.ts';

export const KEY_ROTATION_VERSION = 1;
export const KEY_ROTATION_LENGTH = 1 + 2 * PUBLIC_KEY_LENGTH + 8 + 2 * SIGNATURE_LENGTH;
const LABEL = utf8('tincan-key-rotation-v1\0');
const SIGNED_LENGTH = 1 + 2 * PUBLIC_KEY_LENGTH + 8;

export interface KeyRotation {
  readonly oldKey: Uint8Array;
  readonly newKey: Uint8Array;
  /** When the rotation was made (ms since the epoch, the maker's clock): shown, never trusted for order. */
  readonly issuedAt: number;
  readonly oldSignature: Uint8Array;
  readonly newSignature: Uint8Array;
}

function signedPart(oldKey: Uint8Array, newKey: Uint8Array, issuedAt: number): Uint8Array {
  return concatBytes(Uint8Array.of(KEY_ROTATION_VERSION), oldKey, newKey, u64be(issuedAt));
}

const signedMessage = (signed: Uint8Array): Uint8Array => concatBytes(LABEL, signed);

/** `oldIdentity` hands over to `newIdentity`; both sign. */
export async function createKeyRotation(
  oldIdentity: Identity,
  newIdentity: Identity,
  issuedAt: number,
): Promise<KeyRotation> {
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0)
    throw new RangeError('issuedAt must be a safe integer ≥ 0');
  if (equalBytes(oldIdentity.publicKey, newIdentity.publicKey))
    throw new RangeError('the new identity must differ from the old one');
  const message = signedMessage(signedPart(oldIdentity.publicKey, newIdentity.publicKey, issuedAt));
  const [oldSignature, newSignature] = await Promise.all([
    oldIdentity.signer.sign(message),
    newIdentity.signer.sign(message),
  ]);
  return {
    oldKey: oldIdentity.publicKey.slice(),
    newKey: newIdentity.publicKey.slice(),
    issuedAt,
    oldSignature,
    newSignature,
  };
}

export function keyRotationToBytes(rotation: KeyRotation): Uint8Array {
  assertBytes(rotation.oldKey, 'oldKey', PUBLIC_KEY_LENGTH);
  assertBytes(rotation.newKey, 'newKey', PUBLIC_KEY_LENGTH);
  assertBytes(rotation.oldSignature, 'oldSignature', SIGNATURE_LENGTH);
  assertBytes(rotation.newSignature, 'newSignature', SIGNATURE_LENGTH);
  return concatBytes(
    signedPart(rotation.oldKey, rotation.newKey, rotation.issuedAt),
    rotation.oldSignature,
    rotation.newSignature,
  );
}

/** The layout only: length, version, and two distinct usable identity keys. Signatures: verifyKeyRotation. */
export function keyRotationFromBytes(bytes: Uint8Array): KeyRotation {
  assertBytes(bytes, 'bytes');
  if (bytes.length !== KEY_ROTATION_LENGTH)
    throw new ProtocolError(
      'bad-length',
      `key rotation: ${bytes.length} bytes, expected ${KEY_ROTATION_LENGTH}`,
    );
  if (bytes[0] !== KEY_ROTATION_VERSION)
    throw new ProtocolError('bad-version', `key rotation version ${bytes[0]}`);
  const oldKey = bytes.slice(1, 33);
  const newKey = bytes.slice(33, 65);
  if (!isIdentityKey(oldKey) || !isIdentityKey(newKey))
    throw new ProtocolError('bad-key', 'key rotation: not a usable identity key');
  if (equalBytes(oldKey, newKey))
    throw new ProtocolError('bad-key', 'key rotation: the old and new keys are equal');
  const issuedAt = readU64be(bytes, 65);
  if (issuedAt > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProtocolError('bad-encoding', 'key rotation: issuedAt out of range');
  return {
    oldKey,
    newKey,
    issuedAt: Number(issuedAt),
    oldSignature: bytes.slice(SIGNED_LENGTH, SIGNED_LENGTH + SIGNATURE_LENGTH),
    newSignature: bytes.slice(SIGNED_LENGTH + SIGNATURE_LENGTH),
  };
}

/** Throws ProtocolError('bad-signature') unless both keys signed this statement. */
export async function verifyKeyRotation(backend: Ed25519Backend, rotation: KeyRotation): Promise<void> {
  const message = signedMessage(signedPart(rotation.oldKey, rotation.newKey, rotation.issuedAt));
  const [byOld, byNew] = await Promise.all([
    verify(backend, rotation.oldSignature, message, rotation.oldKey),
    verify(backend, rotation.newSignature, message, rotation.newKey),
  ]);
  if (!byOld) throw new ProtocolError('bad-signature', 'key rotation: not signed by the old key');
  if (!byNew) throw new ProtocolError('bad-signature', 'key rotation: not signed by the new key');
}

/** Decodes and verifies: the one call a receiver needs. */
export async function openKeyRotation(backend: Ed25519Backend, bytes: Uint8Array): Promise<KeyRotation> {
  const rotation = keyRotationFromBytes(bytes);
  await verifyKeyRotation(backend, rotation);
  return rotation;
}
