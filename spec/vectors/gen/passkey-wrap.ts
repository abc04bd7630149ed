/**
 * Passkey records, sealed here with node:crypto's HKDF and AES-256-GCM (independently of crypto/passkey-wrap.ts
 * and client/services/passkey-vault.ts) over deterministicRandom bytes standing in for the PRF output, the
 * salts, the IV and the vault key. Valid cases: records that open with their PRF output to the vault key.
 * Invalid cases: each way a record can be wrong, with the ProtocolError code its reader must raise.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { concatBytes, toHex, utf8 } from '../../../crypto/bytes.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const INFO = utf8('tincan-passkey-wrap-v1\0');
const AAD_LABEL = utf8('tincan-passkey-v1\0');

interface Sealed {
  prf: Uint8Array;
  vaultKey: Uint8Array;
  record: Uint8Array;
}

function seal(
  version: number,
  credentialId: Uint8Array,
  prfSalt: Uint8Array,
  vaultSalt: Uint8Array,
  iv: Uint8Array,
  prf: Uint8Array,
  vaultKey: Uint8Array,
): Uint8Array {
  const wrapKey = new Uint8Array(hkdfSync('sha256', prf, prfSalt, INFO, 32));
  const header = concatBytes(
    Uint8Array.of(version, credentialId.length >>> 8, credentialId.length & 0xff),
    credentialId,
    prfSalt,
    vaultSalt,
  );
  const cipher = createCipheriv('aes-256-gcm', wrapKey, iv);
  cipher.setAAD(concatBytes(AAD_LABEL, header));
  const wrapped = concatBytes(cipher.update(vaultKey), cipher.final(), cipher.getAuthTag());
  return concatBytes(header, iv, wrapped);
}

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/passkey-wrap');
  const make = (idLength: number): Sealed => {
    const [credentialId, prfSalt, vaultSalt, iv, prf, vaultKey] = [idLength, 32, 16, 12, 32, 32].map(
      random,
    ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    return { prf, vaultKey, record: seal(1, credentialId, prfSalt, vaultSalt, iv, prf, vaultKey) };
  };
  const cases: VectorCase[] = [];
  const add = (label: 'valid' | 'invalid', comment: string, sealed: Sealed, error?: string) =>
    cases.push({
      label,
      comment,
      record: toHex(sealed.record),
      prf: toHex(sealed.prf),
      ...(label === 'valid' ? { vaultKey: toHex(sealed.vaultKey) } : {}),
      ...(error ? { error } : {}),
    });
  const flip = (sealed: Sealed, at: number): Sealed => {
    const record = sealed.record.slice();
    record[at]! ^= 0x01;
    return { ...sealed, record };
  };

  const typical = make(32);
  add('valid', 'a 32-byte credential id, as Chromium makes them', typical);
  add('valid', 'the shortest credential id, one byte', make(1));
  add('valid', 'the longest credential id WebAuthn allows, 1023 bytes', make(1023));
  const at = { id: 3, prfSalt: 35, vaultSalt: 67, iv: 83, wrapped: 95, tag: 127 };
  add('invalid', 'the credential id changed', flip(typical, at.id), 'decrypt-failed');
  add('invalid', 'the PRF salt changed', flip(typical, at.prfSalt), 'decrypt-failed');
  add('invalid', 'the vault salt changed', flip(typical, at.vaultSalt), 'decrypt-failed');
  add('invalid', 'the IV changed', flip(typical, at.iv), 'decrypt-failed');
  add('invalid', 'the wrapped key changed', flip(typical, at.wrapped), 'decrypt-failed');
  add('invalid', 'the tag changed', flip(typical, at.tag), 'decrypt-failed');
  const other = make(32);
  add('invalid', "another credential's PRF output", { ...typical, prf: other.prf }, 'decrypt-failed');
  add('invalid', 'version 2', flip(typical, 0), 'bad-version');
  add('invalid', 'one byte short', { ...typical, record: typical.record.subarray(0, -1) }, 'bad-length');
  add(
    'invalid',
    'one byte too many',
    { ...typical, record: concatBytes(typical.record, Uint8Array.of(0)) },
    'bad-length',
  );
  const noId = typical.record.slice();
  noId[1] = 0;
  noId[2] = 0;
  add('invalid', 'a credential id of length 0', { ...typical, record: noId }, 'bad-length');
  const tooLong = typical.record.slice();
  tooLong[1] = 0x04;
  tooLong[2] = 0x00;
  add('invalid', 'a credential id of length 1024', { ...typical, record: tooLong }, 'bad-length');
  add('invalid', 'two bytes: no length field', { ...typical, record: Uint8Array.of(1, 0) }, 'bad-length');

  return {
    about:
      'Passkey records (crypto/passkey-wrap.ts, client/services/passkey-vault.ts, spec/storage.md, Passkey unlock): `record` is 0x01 | id length u16 | credential id | PRF salt (32) | vault salt (16) | iv (12) | AES-256-GCM(HKDF-SHA-256(prf, PRF salt, "tincan-passkey-wrap-v1\\0"), iv, vault key, "tincan-passkey-v1\\0" | the header before the iv) (48). Valid: it parses, re-encodes to the same bytes, and opens with `prf` to `vaultKey`; invalid: reading or opening it raises ProtocolError `error`.',
    source:
      'spec/vectors/gen/passkey-wrap.ts: node:crypto HKDF and AES-256-GCM over deterministicRandom("tincan/spec/vectors/passkey-wrap") bytes',
    cases,
  };
}
