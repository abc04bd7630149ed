/** Wrong arguments to the SAS functions are TypeError / RangeError naming the argument. */
import { describe, expect, it } from 'vitest';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { checkSasReveal, deriveSas, type SasParty, sasCommitment } from '../../crypto/sas.ts';

const notBytes: unknown[] = [undefined, null, 'ab', 42, [1, 2], new ArrayBuffer(32), {}];
const party: SasParty = {
  identityKey: new Uint8Array(32),
  fingerprint: fingerprintFromDigest('sha-256', new Uint8Array(32)),
  nonce: new Uint8Array(32),
};
const id = new Uint8Array(16);

describe('sasCommitment / checkSasReveal', () => {
  it('TypeError for non-bytes, RangeError for wrong lengths', () => {
    for (const bad of notBytes) {
      expect(() => sasCommitment(bad as Uint8Array, party.nonce)).toThrow(/callId must be a Uint8Array/);
      expect(() => sasCommitment(id, bad as Uint8Array)).toThrow(/nonce must be a Uint8Array/);
      expect(() => checkSasReveal(id, bad as Uint8Array, party.nonce)).toThrow(
        /commitment must be a Uint8Array/,
      );
    }
    for (const length of [0, 15, 17, 64])
      expect(() => sasCommitment(new Uint8Array(length), party.nonce)).toThrow(RangeError);
    for (const length of [0, 31, 33]) {
      expect(() => sasCommitment(id, new Uint8Array(length))).toThrow(/nonce must be 32 bytes/);
      expect(() => checkSasReveal(id, new Uint8Array(length), party.nonce)).toThrow(
        /commitment must be 32 bytes/,
      );
    }
  });
});

describe('deriveSas', () => {
  it('TypeError / RangeError naming the party and field', () => {
    for (const bad of [undefined, null, 42]) {
      expect(() => deriveSas(id, bad as never, party)).toThrow(/caller must be an object/);
      expect(() => deriveSas(id, party, bad as never)).toThrow(/callee must be an object/);
    }
    for (const bad of notBytes) {
      expect(() => deriveSas(id, { ...party, identityKey: bad as Uint8Array }, party)).toThrow(
        /caller.identityKey/,
      );
      expect(() => deriveSas(id, party, { ...party, nonce: bad as Uint8Array })).toThrow(/callee.nonce/);
    }
    expect(() => deriveSas(id, { ...party, identityKey: new Uint8Array(31) }, party)).toThrow(RangeError);
    expect(() =>
      deriveSas(id, party, { ...party, fingerprint: { algorithm: 'md5', value: 'AB' } as never }),
    ).toThrow(RangeError);
    expect(() => deriveSas(new Uint8Array(0), party, party)).toThrow(/callId must be 16 bytes/);
  });
});
