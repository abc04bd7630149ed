/**
 * Passkey unlock, as steps of the app model (app.ts): adding a passkey seals a copy of the vault key under the
 * passkey's PRF; unlocking with it opens that copy. The vault record itself, and so the passphrase and every
 * backup, stay exactly as they are (spec/storage.md, Passkey unlock).
 */
import { equalBytes } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { PRF_SALT_LENGTH } from '../../crypto/passkey-wrap.ts';
import { type PasskeyCredentials, PasskeyError } from '../services/passkey.ts';
import { unwrapVaultKey, wrapVaultKey } from '../services/passkey-vault.ts';
import type { VaultStore } from '../services/storage.ts';
import {
  deriveRawVaultKey,
  importVaultKey,
  openVaultWithKey,
  type VaultCrypto,
  type VaultKey,
  type VaultRecord,
  vaultRecordKdf,
} from '../services/vault.ts';

/** Random bytes of the WebAuthn user handle: per passkey, linked to nothing else. */
const USER_ID_LENGTH = 16;

export interface PasskeyUnlockDeps {
  readonly store: VaultStore;
  readonly passkeys: PasskeyCredentials;
  readonly platform: VaultCrypto;
}

/**
 * Checks the passphrase against the stored record (the full KDF: the raw key is needed, and only someone who
 * knows the passphrase may add a way around it), creates a passkey, and stores the vault key sealed under its
 * PRF. A wrong passphrase is ProtocolError 'decrypt-failed'; WebAuthn failures are PasskeyError.
 */
export async function addPasskey(
  deps: PasskeyUnlockDeps,
  record: VaultRecord,
  passphrase: string,
): Promise<void> {
  const { params, salt } = vaultRecordKdf(record);
  const raw = await deriveRawVaultKey(passphrase, params, salt, deps.platform);
  let prf: Uint8Array | undefined;
  try {
    const key = await importVaultKey(raw, params, salt, deps.platform.subtle);
    (await openVaultWithKey(record, key, deps.platform)).fill(0);
    const prfSalt = deps.platform.random(PRF_SALT_LENGTH);
    const created = await deps.passkeys.create(prfSalt, deps.platform.random(USER_ID_LENGTH));
    prf = created.prf ?? (await deps.passkeys.evaluate(created.credentialId, prfSalt));
    const binding = { credentialId: created.credentialId, prfSalt, vaultSalt: salt };
    await deps.store.passkey.save(await wrapVaultKey(raw, prf, binding, deps.platform));
  } finally {
    raw.fill(0);
    prf?.fill(0);
  }
}

/**
 * The vault key from the stored passkey record: the browser asks for that passkey, its PRF opens the record.
 * PasskeyError 'passkey-wrong' when another credential answers; 'passkey-stale' when the record was made for
 * an earlier key of the vault.
 */
export async function vaultKeyFromPasskey(deps: PasskeyUnlockDeps, record: VaultRecord): Promise<VaultKey> {
  const passkey = await deps.store.passkey.load();
  if (!passkey) throw new PasskeyError('passkey-stale', 'no passkey record');
  const { params, salt } = vaultRecordKdf(record);
  if (!equalBytes(passkey.vaultSalt, salt)) throw new PasskeyError('passkey-stale', 'another vault key');
  const prf = await deps.passkeys.evaluate(passkey.credentialId, passkey.prfSalt);
  let raw: Uint8Array;
  try {
    raw = await unwrapVaultKey(passkey, prf, deps.platform.subtle);
  } catch (error) {
    throw isProtocolError(error, 'decrypt-failed') ? new PasskeyError('passkey-wrong', error.message) : error;
  } finally {
    prf.fill(0);
  }
  try {
    return await importVaultKey(raw, params, salt, deps.platform.subtle);
  } finally {
    raw.fill(0);
  }
}
