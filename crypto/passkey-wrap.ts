/**
 * The passkey record: the vault key (the 32-byte scrypt output that seals the vault, spec/storage.md) sealed
 * under a key that only a WebAuthn credential's PRF can give. What is pure lives here (the wrapping key, the
 * associated data and the byte layout); the AES-256-GCM step runs in WebCrypto (client/services/passkey-vault.ts).
 *
 *   prf      = WebAuthn PRF of the credential, evaluated at `first` = PRF salt (32 bytes out)
 *   wrapKey  = HKDF-SHA-256(IKM = prf, salt = PRF salt, info = "tincan-passkey-wrap-v1" 0x00, L = 32)
 *   aad      = "tincan-passkey-v1" 0x00 | version | id length u16 | credential id | PRF salt | vault salt
 *   wrapped  = AES-256-GCM(wrapKey, iv, vault key (32), aad)            (32 + 16-byte tag)
 *
 *   +------+-----------+---------------------+----------------+------------------+---------+--------------+
 *   | 0x01 | idLen u16 | credential id       | PRF salt (32)  | vault salt (16)  | iv (12) | wrapped (48) |
 *   +------+-----------+---------------------+----------------+------------------+---------+--------------+
 *     idLen from 1 to 1023 (WebAuthn's bound on credential ids)
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, utf8 } from './bytes.ts';
import { ProtocolError } from './errors.ts';

export const PASSKEY_RECORD_VERSION = 1;
export const PASSKEY_WRAP_INFO = 'tincan-passkey-wrap-v1\0';
export const PASSKEY_AAD_LABEL = 'tincan-passkey-v1\0';
export const PRF_OUTPUT_LENGTH = 32;
export const PRF_SALT_LENGTH = 32;
export const VAULT_SALT_LENGTH = 16;
export const WRAP_IV_LENGTH = 12;
export const VAULT_KEY_LENGTH = 32;
export const WRAPPED_KEY_LENGTH = VAULT_KEY_LENGTH + 16;
export const MAX_CREDENTIAL_ID_LENGTH = 1023;
const FIXED_LENGTH = 1 + 2 + PRF_SALT_LENGTH + VAULT_SALT_LENGTH + WRAP_IV_LENGTH + WRAPPED_KEY_LENGTH;

/** Which credential, which PRF input, which vault: everything the wrapped key is bound to. */
export interface PasskeyBinding {
  readonly credentialId: Uint8Array;
  readonly prfSalt: Uint8Array;
  /** The scrypt salt of the vault record whose key is wrapped: a record sealed under another key is not it. */
  readonly vaultSalt: Uint8Array;
}

export interface PasskeyRecord extends PasskeyBinding {
  readonly iv: Uint8Array;
  readonly wrapped: Uint8Array;
}

function checkCredentialId(id: Uint8Array): void {
  assertBytes(id, 'credentialId');
  if (id.length < 1 || id.length > MAX_CREDENTIAL_ID_LENGTH) {
    throw new RangeError(`credentialId must be 1..${MAX_CREDENTIAL_ID_LENGTH} bytes, got ${id.length}`);
  }
}

function checkBinding(binding: PasskeyBinding): void {
  checkCredentialId(binding.credentialId);
  assertBytes(binding.prfSalt, 'prfSalt', PRF_SALT_LENGTH);
  assertBytes(binding.vaultSalt, 'vaultSalt', VAULT_SALT_LENGTH);
}

/** The AES-GCM key that seals the vault key, from the credential's PRF output for the record's PRF salt. */
export function passkeyWrapKey(prfOutput: Uint8Array, prfSalt: Uint8Array): Uint8Array {
  assertBytes(prfOutput, 'prfOutput', PRF_OUTPUT_LENGTH);
  assertBytes(prfSalt, 'prfSalt', PRF_SALT_LENGTH);
  return hkdf(sha256, prfOutput, prfSalt, utf8(PASSKEY_WRAP_INFO), 32);
}

const idLength = (id: Uint8Array) => Uint8Array.of(id.length >>> 8, id.length & 0xff);

/** The associated data of the wrapped key: the record's header, so no field can be swapped unnoticed. */
export function passkeyWrapAad(binding: PasskeyBinding): Uint8Array<ArrayBuffer> {
  checkBinding(binding);
  return concatBytes(
    utf8(PASSKEY_AAD_LABEL),
    Uint8Array.of(PASSKEY_RECORD_VERSION),
    idLength(binding.credentialId),
    binding.credentialId,
    binding.prfSalt,
    binding.vaultSalt,
  );
}

export function passkeyRecordToBytes(record: PasskeyRecord): Uint8Array<ArrayBuffer> {
  checkBinding(record);
  assertBytes(record.iv, 'iv', WRAP_IV_LENGTH);
  assertBytes(record.wrapped, 'wrapped', WRAPPED_KEY_LENGTH);
  return concatBytes(
    Uint8Array.of(PASSKEY_RECORD_VERSION),
    idLength(record.credentialId),
    record.credentialId,
    record.prfSalt,
    record.vaultSalt,
    record.iv,
    record.wrapped,
  );
}

/** Strict: exact version and length. ProtocolError 'bad-version' or 'bad-length' otherwise. */
export function passkeyRecordFromBytes(bytes: Uint8Array): PasskeyRecord {
  assertBytes(bytes, 'bytes');
  if (bytes.length < 3) throw new ProtocolError('bad-length', `passkey record of ${bytes.length} bytes`);
  if (bytes[0] !== PASSKEY_RECORD_VERSION)
    throw new ProtocolError('bad-version', `passkey record version ${bytes[0]}`);
  const idLen = (bytes[1]! << 8) | bytes[2]!;
  if (idLen < 1 || idLen > MAX_CREDENTIAL_ID_LENGTH)
    throw new ProtocolError('bad-length', `credential id of ${idLen} bytes`);
  if (bytes.length !== FIXED_LENGTH + idLen)
    throw new ProtocolError(
      'bad-length',
      `passkey record of ${bytes.length} bytes, want ${FIXED_LENGTH + idLen}`,
    );
  let at = 3;
  const take = (length: number) => {
    const part = bytes.slice(at, at + length);
    at += length;
    return part;
  };
  return {
    credentialId: take(idLen),
    prfSalt: take(PRF_SALT_LENGTH),
    vaultSalt: take(VAULT_SALT_LENGTH),
    iv: take(WRAP_IV_LENGTH),
    wrapped: take(WRAPPED_KEY_LENGTH),
  };
}
