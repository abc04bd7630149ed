/**
 * Encryption at rest for everything the client keeps (identity seed, contacts, settings): one sealed record,
 * stored in IndexedDB and written out unchanged as the backup file (spec/storage.md).
 *
 *   key = scrypt(NFC(passphrase), salt 16, N = 2^17, r = 8, p = 1, dkLen = 32)
 *   ciphertext = AES-256-GCM(key, iv 12, plaintext, aad)
 *   aad  = "tincan-vault-v1" 0x00 | N u32be | r u32be | p u32be | salt (16)
 *
 * The outbox at rest is sealed the same way under the same key, with "tincan-outbox-v1" in place of
 * "tincan-vault-v1" in the aad, so neither record opens as the other.
 *
 * The record is JSON with base64 fields:
 *   { "format": "tincan-vault", "version": 1,
 *     "kdf": { "name": "scrypt", "N": 131072, "r": 8, "p": 1, "salt": b64 },
 *     "cipher": { "name": "AES-256-GCM", "iv": b64 }, "ciphertext": b64 }
 *
 * The KDF parameters are bound into the AES-GCM associated data, so a record whose parameters were edited
 * (say, lowered to make guessing cheap for whoever edits the file next) does not decrypt. Parameters read
 * from a file are bounded before any work is done: a hostile backup cannot make us allocate gigabytes.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { assertBytes, concatBytes, type RandomSource, u32be, utf8 } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';

export const VAULT_FORMAT = 'tincan-vault';
export const VAULT_VERSION = 1;
export const VAULT_AAD_LABEL = 'tincan-vault-v1';
export const OUTBOX_AAD_LABEL = 'tincan-outbox-v1';
/** What a sealed record holds: bound into its associated data. */
export type SealedLabel = typeof VAULT_AAD_LABEL | typeof OUTBOX_AAD_LABEL;
export const SALT_LENGTH = 16;
export const IV_LENGTH = 12;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's scrypt floor (2^17, 8, 1): 128 MiB, about 0.6 s in Chromium on a 2-core test machine. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
/** What a record from elsewhere may ask for; outside these bounds it is refused unread. */
export const SCRYPT_BOUNDS = { minLogN: 14, maxLogN: 20, r: 8, maxP: 4 } as const;

export interface VaultRecord {
  readonly format: typeof VAULT_FORMAT;
  readonly version: typeof VAULT_VERSION;
  readonly kdf: {
    readonly name: 'scrypt';
    readonly N: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: 'AES-256-GCM'; readonly iv: string };
  readonly ciphertext: string;
}

/** A derived key and the parameters it came from: what an unlocked client keeps to re-seal on every save. */
export interface VaultKey {
  readonly key: CryptoKey;
  readonly params: ScryptParams;
  readonly salt: Uint8Array;
}

export interface VaultCrypto {
  readonly subtle: SubtleCrypto;
  readonly random: RandomSource;
  /** Progress of the slow KDF, 0..1, for a progress bar. */
  readonly onProgress?: (fraction: number) => void;
}

const bad = (detail: string) => new ProtocolError('bad-encoding', `vault: ${detail}`);

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string, what: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw bad(`${what} is not base64`);
  }
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function checkParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const logN = Math.log2(N);
  if (
    !Number.isInteger(logN) ||
    logN < SCRYPT_BOUNDS.minLogN ||
    logN > SCRYPT_BOUNDS.maxLogN ||
    r !== SCRYPT_BOUNDS.r ||
    !Number.isInteger(p) ||
    p < 1 ||
    p > SCRYPT_BOUNDS.maxP
  ) {
    throw new ProtocolError('bad-encoding', 'vault: scrypt parameters out of bounds');
  }
}

function aad(params: ScryptParams, salt: Uint8Array, label: SealedLabel): Uint8Array<ArrayBuffer> {
  return concatBytes(utf8(label), Uint8Array.of(0), u32be(params.N), u32be(params.r), u32be(params.p), salt);
}

/** NFC, so the same passphrase typed on two systems (composed or decomposed accents) gives the same key. */
export const normalizePassphrase = (passphrase: string): string => passphrase.normalize('NFC');

/**
 * The raw 32-byte key: what a passkey record wraps (spec/storage.md, Passkey unlock). The caller zeroes it
 * once used; an unlocked session keeps only the non-extractable CryptoKey.
 */
export async function deriveRawVaultKey(
  passphrase: string,
  params: ScryptParams,
  salt: Uint8Array,
  platform: VaultCrypto,
): Promise<Uint8Array> {
  if (typeof passphrase !== 'string') throw new TypeError('passphrase must be a string');
  assertBytes(salt, 'salt', SALT_LENGTH);
  checkParams(params);
  return scryptAsync(utf8(normalizePassphrase(passphrase)), salt, {
    ...params,
    dkLen: 32,
    ...(platform.onProgress ? { onProgress: platform.onProgress } : {}),
  });
}

/** Imports a raw vault key (from the KDF or from a passkey record) as a non-extractable AES-GCM key. */
export async function importVaultKey(
  raw: Uint8Array,
  params: ScryptParams,
  salt: Uint8Array,
  subtle: SubtleCrypto,
): Promise<VaultKey> {
  assertBytes(raw, 'raw', 32);
  assertBytes(salt, 'salt', SALT_LENGTH);
  checkParams(params);
  const key = await subtle.importKey('raw', raw.slice(), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { key, params: { ...params }, salt: salt.slice() };
}

export async function deriveVaultKey(
  passphrase: string,
  params: ScryptParams,
  salt: Uint8Array,
  platform: VaultCrypto,
): Promise<VaultKey> {
  const raw = await deriveRawVaultKey(passphrase, params, salt, platform);
  try {
    return await importVaultKey(raw, params, salt, platform.subtle);
  } finally {
    raw.fill(0);
  }
}

/** The scrypt parameters and salt of a checked record. */
export function vaultRecordKdf(record: VaultRecord): { params: ScryptParams; salt: Uint8Array } {
  const checked = parseVaultRecord(record);
  const { N, r, p } = checked.kdf;
  return { params: { N, r, p }, salt: fromBase64(checked.kdf.salt, 'salt') };
}

export async function newVaultKey(
  passphrase: string,
  platform: VaultCrypto,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<VaultKey> {
  return deriveVaultKey(passphrase, params, platform.random(SALT_LENGTH), platform);
}

export async function sealVault(
  vaultKey: VaultKey,
  plaintext: Uint8Array,
  platform: VaultCrypto,
  label: SealedLabel = VAULT_AAD_LABEL,
): Promise<VaultRecord> {
  assertBytes(plaintext, 'plaintext');
  const iv = platform.random(IV_LENGTH);
  assertBytes(iv, 'random(12)', IV_LENGTH);
  const ciphertext = new Uint8Array(
    await platform.subtle.encrypt(
      { name: 'AES-GCM', iv: iv.slice(), additionalData: aad(vaultKey.params, vaultKey.salt, label) },
      vaultKey.key,
      plaintext.slice(),
    ),
  );
  return {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    kdf: { name: 'scrypt', ...vaultKey.params, salt: toBase64(vaultKey.salt) },
    cipher: { name: 'AES-256-GCM', iv: toBase64(iv) },
    ciphertext: toBase64(ciphertext),
  };
}

/** Strict shape check of a record from IndexedDB or from a file the user picked. */
export function parseVaultRecord(value: unknown): VaultRecord {
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const record = value as Record<string, unknown>;
  if (record.format !== VAULT_FORMAT) throw bad('not a Tincan backup');
  if (record.version !== VAULT_VERSION)
    throw new ProtocolError('bad-version', `vault version ${String(record.version)}`);
  const kdf = record.kdf as Record<string, unknown> | null;
  const cipher = record.cipher as Record<string, unknown> | null;
  if (typeof kdf !== 'object' || kdf === null || kdf.name !== 'scrypt') throw bad('unknown KDF');
  if (typeof cipher !== 'object' || cipher === null || cipher.name !== 'AES-256-GCM')
    throw bad('unknown cipher');
  const params = { N: kdf.N, r: kdf.r, p: kdf.p } as ScryptParams;
  checkParams(params);
  if (fromBase64(kdf.salt as string, 'salt').length !== SALT_LENGTH) throw bad('salt length');
  if (fromBase64(cipher.iv as string, 'iv').length !== IV_LENGTH) throw bad('iv length');
  if (fromBase64(record.ciphertext as string, 'ciphertext').length < 16) throw bad('ciphertext too short');
  return {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    kdf: { name: 'scrypt', ...params, salt: kdf.salt as string },
    cipher: { name: 'AES-256-GCM', iv: cipher.iv as string },
    ciphertext: record.ciphertext as string,
  };
}

/** Runs the slow KDF and decrypts. A wrong passphrase (or a tampered record) is ProtocolError 'decrypt-failed'. */
export async function openVault(
  record: VaultRecord,
  passphrase: string,
  platform: VaultCrypto,
): Promise<{ plaintext: Uint8Array; vaultKey: VaultKey }> {
  const { params, salt } = vaultRecordKdf(record);
  const vaultKey = await deriveVaultKey(passphrase, params, salt, platform);
  return {
    plaintext: await openVaultWithKey(record, vaultKey, platform),
    vaultKey,
  };
}

/** Decrypts with a key already derived (the unlocked session's): no KDF. */
export async function openVaultWithKey(
  record: VaultRecord,
  vaultKey: VaultKey,
  platform: VaultCrypto,
  label: SealedLabel = VAULT_AAD_LABEL,
): Promise<Uint8Array> {
  return decryptWith(vaultKey, parseVaultRecord(record), platform.subtle, label);
}

async function decryptWith(
  vaultKey: VaultKey,
  record: VaultRecord,
  subtle: SubtleCrypto,
  label: SealedLabel,
): Promise<Uint8Array> {
  try {
    return new Uint8Array(
      await subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: fromBase64(record.cipher.iv, 'iv'),
          additionalData: aad(vaultKey.params, vaultKey.salt, label),
        },
        vaultKey.key,
        fromBase64(record.ciphertext, 'ciphertext'),
      ),
    );
  } catch {
    throw new ProtocolError('decrypt-failed', 'wrong passphrase or damaged vault');
  }
}

/** The record as the text of a backup file. */
export const vaultToText = (record: VaultRecord): string => `${JSON.stringify(record, null, 2)}\n`;

/** Parses a backup file's text; ProtocolError 'bad-encoding' for anything that is not a vault record. */
export function vaultFromText(text: string): VaultRecord {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  if (text.length > 4 * 1024 * 1024) throw new ProtocolError('too-large', 'backup file larger than 4 MiB');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  return parseVaultRecord(value);
}
