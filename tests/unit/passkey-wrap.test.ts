/**
 * The passkey record's pure parts (crypto/passkey-wrap.ts) and its AES-GCM step (client/services/passkey-vault.ts):
 * the labels, decode(encode(x)) = x, random bytes never crash, and wrong arguments are TypeError / RangeError
 * naming the argument. The byte-exact cases are the vectors (spec/vectors/passkey-wrap.json).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unwrapVaultKey, wrapVaultKey } from '../../client/services/passkey-vault.ts';
import { VAULT_AAD_LABEL } from '../../client/services/vault.ts';
import { equalBytes, fromUtf8, toHex } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import {
  MAX_CREDENTIAL_ID_LENGTH,
  PASSKEY_AAD_LABEL,
  PASSKEY_WRAP_INFO,
  type PasskeyRecord,
  passkeyRecordFromBytes,
  passkeyRecordToBytes,
  passkeyWrapAad,
  passkeyWrapKey,
} from '../../crypto/passkey-wrap.ts';
import { testRandom } from '../support/identities.ts';

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const record = fc.record({
  credentialId: fc.uint8Array({ minLength: 1, maxLength: MAX_CREDENTIAL_ID_LENGTH }),
  prfSalt: bytes(32),
  vaultSalt: bytes(16),
  iv: bytes(12),
  wrapped: bytes(48),
});
const sample: PasskeyRecord = {
  credentialId: new Uint8Array(16),
  prfSalt: new Uint8Array(32),
  vaultSalt: new Uint8Array(16),
  iv: new Uint8Array(12),
  wrapped: new Uint8Array(48),
};
const notBytes: unknown[] = [undefined, null, 'ab', 42, [1, 2], new ArrayBuffer(32), {}];

describe('passkey record', () => {
  it('labels end in 0x00 and differ from every other label at rest', () => {
    expect(PASSKEY_WRAP_INFO).toBe('tincan-passkey-wrap-v1\0');
    expect(PASSKEY_AAD_LABEL).toBe('tincan-passkey-v1\0');
    expect(PASSKEY_AAD_LABEL.startsWith(VAULT_AAD_LABEL)).toBe(false);
    expect(fromUtf8(passkeyWrapAad(sample).subarray(0, 18))).toBe(PASSKEY_AAD_LABEL);
    expect(MAX_CREDENTIAL_ID_LENGTH).toBe(1023);
  });

  it('decode(encode(x)) = x, and the length is the layout’s', () => {
    fc.assert(
      fc.property(record, (r) => {
        const encoded = passkeyRecordToBytes(r);
        expect(encoded.length).toBe(1 + 2 + r.credentialId.length + 32 + 16 + 12 + 48);
        const decoded = passkeyRecordFromBytes(encoded);
        for (const field of ['credentialId', 'prfSalt', 'vaultSalt', 'iv', 'wrapped'] as const)
          expect(equalBytes(decoded[field], r[field])).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes never crash the reader: a record or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (input) => {
        try {
          passkeyRecordFromBytes(input);
        } catch (error) {
          expect(isProtocolError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the wrapping key depends on the PRF output and the PRF salt', () => {
    const random = testRandom('passkey-wrap-key');
    const [prf, salt] = [random(32), random(32)];
    const key = toHex(passkeyWrapKey(prf, salt));
    expect(toHex(passkeyWrapKey(random(32), salt))).not.toBe(key);
    expect(toHex(passkeyWrapKey(prf, random(32)))).not.toBe(key);
    expect(toHex(passkeyWrapKey(prf, salt))).toBe(key);
  });

  it('wrong arguments are TypeError / RangeError naming the argument', async () => {
    for (const bad of notBytes) {
      expect(() => passkeyWrapKey(bad as Uint8Array, new Uint8Array(32))).toThrow(
        /prfOutput must be a Uint8Array/,
      );
      expect(() => passkeyWrapKey(new Uint8Array(32), bad as Uint8Array)).toThrow(
        /prfSalt must be a Uint8Array/,
      );
      expect(() => passkeyRecordFromBytes(bad as Uint8Array)).toThrow(TypeError);
      expect(() => passkeyWrapAad({ ...sample, credentialId: bad as Uint8Array })).toThrow(/credentialId/);
      expect(() => passkeyRecordToBytes({ ...sample, wrapped: bad as Uint8Array })).toThrow(/wrapped/);
    }
    for (const length of [0, 16, 31, 33]) {
      expect(() => passkeyWrapKey(new Uint8Array(length), new Uint8Array(32))).toThrow(
        /prfOutput must be 32 bytes/,
      );
      expect(() => passkeyWrapAad({ ...sample, prfSalt: new Uint8Array(length) })).toThrow(
        /prfSalt must be 32 bytes/,
      );
    }
    for (const length of [0, MAX_CREDENTIAL_ID_LENGTH + 1])
      expect(() => passkeyRecordToBytes({ ...sample, credentialId: new Uint8Array(length) })).toThrow(
        RangeError,
      );
    expect(() => passkeyRecordToBytes({ ...sample, vaultSalt: new Uint8Array(32) })).toThrow(
      /vaultSalt must be 16 bytes/,
    );
    expect(() => passkeyRecordToBytes({ ...sample, iv: new Uint8Array(16) })).toThrow(/iv must be 12 bytes/);
    const platform = { subtle: globalThis.crypto.subtle, random: testRandom('wrap') };
    await expect(wrapVaultKey(new Uint8Array(31), new Uint8Array(32), sample, platform)).rejects.toThrow(
      /vaultKey must be 32 bytes/,
    );
    await expect(unwrapVaultKey(sample, new Uint8Array(31), globalThis.crypto.subtle)).rejects.toThrow(
      /prfOutput must be 32 bytes/,
    );
  });
});
