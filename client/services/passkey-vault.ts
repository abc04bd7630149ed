/**
 * The AES-256-GCM step of the passkey record (crypto/passkey-wrap.ts has the layout, the wrapping key and the
 * associated data): seals the vault key under the key a credential's PRF gives, and opens it again.
 */
import { assertBytes, type RandomSource } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import {
  type PasskeyBinding,
  type PasskeyRecord,
  passkeyWrapAad,
  passkeyWrapKey,
  VAULT_KEY_LENGTH,
  WRAP_IV_LENGTH,
} from '../../crypto/passkey-wrap.ts';

async function importWrapKey(subtle: SubtleCrypto, prfOutput: Uint8Array, prfSalt: Uint8Array) {
  const raw = passkeyWrapKey(prfOutput, prfSalt);
  try {
    return await subtle.importKey('raw', raw.slice(), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  } finally {
    raw.fill(0);
  }
}

export async function wrapVaultKey(
  vaultKey: Uint8Array,
  prfOutput: Uint8Array,
  binding: PasskeyBinding,
  platform: { readonly subtle: SubtleCrypto; readonly random: RandomSource },
): Promise<PasskeyRecord> {
  assertBytes(vaultKey, 'vaultKey', VAULT_KEY_LENGTH);
  const iv = platform.random(WRAP_IV_LENGTH);
  assertBytes(iv, `random(${WRAP_IV_LENGTH})`, WRAP_IV_LENGTH);
  const key = await importWrapKey(platform.subtle, prfOutput, binding.prfSalt);
  const wrapped = new Uint8Array(
    await platform.subtle.encrypt(
      { name: 'AES-GCM', iv: iv.slice(), additionalData: passkeyWrapAad(binding) },
      key,
      vaultKey.slice(),
    ),
  );
  return {
    credentialId: binding.credentialId.slice(),
    prfSalt: binding.prfSalt.slice(),
    vaultSalt: binding.vaultSalt.slice(),
    iv: iv.slice(),
    wrapped,
  };
}

/** The raw vault key. Another credential's PRF, or any changed byte, is ProtocolError 'decrypt-failed'. */
export async function unwrapVaultKey(
  record: PasskeyRecord,
  prfOutput: Uint8Array,
  subtle: SubtleCrypto,
): Promise<Uint8Array> {
  const key = await importWrapKey(subtle, prfOutput, record.prfSalt);
  try {
    return new Uint8Array(
      await subtle.decrypt(
        { name: 'AES-GCM', iv: record.iv.slice(), additionalData: passkeyWrapAad(record) },
        key,
        record.wrapped.slice(),
      ),
    );
  } catch {
    throw new ProtocolError('decrypt-failed', 'passkey record does not open with this credential');
  }
}
