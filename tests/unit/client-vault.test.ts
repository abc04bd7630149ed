import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_SCRYPT,
  deriveVaultKey,
  fromBase64,
  newVaultKey,
  openVault,
  parseVaultRecord,
  SCRYPT_BOUNDS,
  sealVault,
  toBase64,
  type VaultRecord,
  vaultFromText,
  vaultToText,
} from '../../client/services/vault.ts';
import { utf8 } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { testRandom } from '../support/identities.ts';

/** The smallest cost the bounds allow: fast enough for many cases, same code path as the default. */
const CHEAP = { N: 2 ** SCRYPT_BOUNDS.minLogN, r: 8, p: 1 };
const platform = () => ({ subtle: globalThis.crypto.subtle, random: testRandom('vault') });

async function sealed(passphrase = 'correct horse', plaintext = utf8('{"hello":1}')): Promise<VaultRecord> {
  const p = platform();
  return sealVault(await newVaultKey(passphrase, p, CHEAP), plaintext, p);
}

const expectCode = async (promise: Promise<unknown>, code: string) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isProtocolError(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
};

describe('vault: encryption at rest', () => {
  test('default parameters are the documented ones (OWASP scrypt floor)', () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
  });

  test('seal then open returns the plaintext and a key that seals again', async () => {
    const record = await sealed('correct horse', utf8('secret profile'));
    const opened = await openVault(record, 'correct horse', platform());
    expect(new TextDecoder().decode(opened.plaintext)).toBe('secret profile');
    const again = await sealVault(opened.vaultKey, utf8('next'), platform());
    expect(again.kdf).toEqual(record.kdf);
    expect(again.cipher.iv).not.toBe(record.cipher.iv);
    const reopened = await openVault(again, 'correct horse', platform());
    expect(new TextDecoder().decode(reopened.plaintext)).toBe('next');
  });

  test('a wrong passphrase is decrypt-failed', async () => {
    await expectCode(openVault(await sealed('correct horse'), 'correct horsf', platform()), 'decrypt-failed');
  });

  test('the passphrase is NFC-normalized: composed and decomposed accents open the same vault', async () => {
    const record = await sealed('caf\u00e9 au lait');
    const opened = await openVault(record, 'cafe\u0301 au lait', platform());
    expect(opened.plaintext.length).toBeGreaterThan(0);
  });

  test('parameters and salt are bound to the ciphertext (AES-GCM associated data)', async () => {
    const record = await sealed();
    const withOtherN = { ...record, kdf: { ...record.kdf, N: 2 ** 15 } };
    await expectCode(openVault(withOtherN, 'correct horse', platform()), 'decrypt-failed');
    const salt = fromBase64(record.kdf.salt, 'salt');
    salt[0]! ^= 1;
    await expectCode(
      openVault({ ...record, kdf: { ...record.kdf, salt: toBase64(salt) } }, 'correct horse', platform()),
      'decrypt-failed',
    );
    const body = fromBase64(record.ciphertext, 'ciphertext');
    body[3]! ^= 0x80;
    await expectCode(
      openVault({ ...record, ciphertext: toBase64(body) }, 'correct horse', platform()),
      'decrypt-failed',
    );
  });

  test('out-of-bounds parameters are refused before any work', async () => {
    const record = await sealed();
    for (const kdf of [
      { ...record.kdf, N: 2 ** 21 },
      { ...record.kdf, N: 2 ** 13 },
      { ...record.kdf, N: 100_000 },
      { ...record.kdf, r: 16 },
      { ...record.kdf, p: 5 },
      { ...record.kdf, p: 0 },
    ]) {
      expect(() => parseVaultRecord({ ...record, kdf })).toThrow(/scrypt parameters out of bounds/);
    }
    await expect(
      deriveVaultKey('x', { N: 2 ** 22, r: 8, p: 1 }, new Uint8Array(16), platform()),
    ).rejects.toThrow(/out of bounds/);
  });

  test('a backup file round-trips through its text form', async () => {
    const record = await sealed();
    expect(vaultFromText(vaultToText(record))).toEqual(record);
  });

  test('records of another format or version are refused with their own codes', async () => {
    const record = await sealed();
    expect(() => parseVaultRecord({ ...record, format: 'other' })).toThrow(/not a Tincan backup/);
    try {
      parseVaultRecord({ ...record, version: 2 });
      expect.unreachable();
    } catch (error) {
      expect(isProtocolError(error, 'bad-version')).toBe(true);
    }
    expect(() => parseVaultRecord({ ...record, cipher: { ...record.cipher, name: 'AES-128-CBC' } })).toThrow(
      /cipher/,
    );
    expect(() => parseVaultRecord({ ...record, cipher: { ...record.cipher, iv: 'AAAA' } })).toThrow(
      /iv length/,
    );
    expect(() => parseVaultRecord({ ...record, ciphertext: 'not base64!' })).toThrow(/base64/);
  });

  test('any text given as a backup file is either a record or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          vaultFromText(text);
        } catch (error) {
          expect(isProtocolError(error)).toBe(true);
        }
      }),
    );
  });

  test('base64 helpers round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(fromBase64(toBase64(bytes), 'x')).toEqual(bytes);
      }),
    );
  });

  test('the default cost opens too (one run at full cost)', async () => {
    const p = platform();
    const key = await newVaultKey('full cost', p);
    expect(key.params).toEqual(DEFAULT_SCRYPT);
    const record = await sealVault(key, utf8('x'), p);
    expect((await openVault(record, 'full cost', p)).plaintext).toEqual(utf8('x'));
  }, 20_000);
});
