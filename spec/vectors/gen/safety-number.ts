/**
 * Tincan safety numbers for fixed key pairs, computed here independently of crypto/safety-number.ts (node:crypto
 * SHA-512, BigInt digits, hand-laid protobuf), plus scanned codes that must be refused or must not match.
 */
import { createHash } from 'node:crypto';
import { concatBytes, toHex } from '../../../crypto/bytes.ts';
import { nobleEd25519 } from '../../../crypto/ed25519.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const STABLE_ID = Buffer.from('tincan-safety-number-v1', 'utf8');
const ITERATIONS = 5200;

function hashOf(key: Uint8Array): Buffer {
  let h = createHash('sha512')
    .update(Buffer.from([0, 0]))
    .update(key)
    .update(STABLE_ID)
    .update(key)
    .digest();
  for (let i = 1; i < ITERATIONS; i++) h = createHash('sha512').update(h).update(key).digest();
  return h;
}

function half(hash: Buffer): string {
  let out = '';
  for (let i = 0; i < 30; i += 5)
    out += (BigInt(`0x${hash.subarray(i, i + 5).toString('hex')}`) % 100000n).toString().padStart(5, '0');
  return out;
}

const logical = (tag: number, hash: Buffer) =>
  concatBytes(Uint8Array.of(tag, 34, 0x0a, 32), hash.subarray(0, 32));
const scannable = (version: number[], local: Buffer, remote: Buffer) =>
  concatBytes(Uint8Array.of(0x08, ...version), logical(0x12, local), logical(0x1a, remote));

export default async (): Promise<VectorFile> => {
  const random = deterministicRandom('tincan/vectors/safety-number');
  const [alice, bob, carol] = await Promise.all(
    [1, 2, 3].map(() => identityFromSeed(nobleEd25519, random(32))),
  );
  const a = alice!.publicKey;
  const b = bob!.publicKey;
  const c = carol!.publicKey;
  const [ha, hb, hc] = [a, b, c].map(hashOf) as [Buffer, Buffer, Buffer];
  const digits = (x: Buffer, y: Buffer) => [half(x), half(y)].sort().join('');
  const smallOrder = '0100000000000000000000000000000000000000000000000000000000000000';
  const nonCanonical = 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f';
  const bobView = scannable([1], hb, ha);
  const flipped = bobView.slice();
  flipped[50]! ^= 0x01; // inside the remote hash (bytes 42..74)
  const compare = (comment: string, scanned: Uint8Array, rest: Partial<VectorCase>): VectorCase => ({
    label: rest.matches === true ? 'valid' : 'invalid',
    comment,
    localKey: toHex(a),
    remoteKey: toHex(b),
    scanned: toHex(scanned),
    ...rest,
  });

  const cases: VectorCase[] = [
    ...[
      ['alice and bob, alice’s view', a, b, ha, hb],
      ['alice and bob, bob’s view: same digits, scannable halves swapped', b, a, hb, ha],
      ['alice and carol', a, c, ha, hc],
      ['a key with itself (notes to self): both halves equal', a, a, ha, ha],
    ].map(([comment, local, remote, hl, hr]) => ({
      label: 'valid' as const,
      comment: comment as string,
      localKey: toHex(local as Uint8Array),
      remoteKey: toHex(remote as Uint8Array),
      digits: digits(hl as Buffer, hr as Buffer),
      scannable: toHex(scannable([1], hl as Buffer, hr as Buffer)),
    })),
    compare('bob’s scannable code scanned by alice: matches', bobView, { matches: true }),
    compare('alice scans her own code (halves not swapped): no match', scannable([1], ha, hb), {
      matches: false,
    }),
    compare('code of alice and carol scanned in the alice–bob chat: no match', scannable([1], hc, ha), {
      matches: false,
    }),
    compare('one bit flipped inside a hash: no match', flipped, { matches: false }),
    compare('scannable version 2', scannable([2], hb, ha), { error: 'bad-fingerprint-version' }),
    compare('scannable version 0 (libsignal default when the field is absent)', scannable([0], hb, ha), {
      error: 'bad-fingerprint-version',
    }),
    compare('version 2^31 as a 5-byte varint', scannable([0x80, 0x80, 0x80, 0x80, 0x08], hb, ha), {
      error: 'bad-fingerprint-version',
    }),
    compare('version 1 as a non-minimal varint', scannable([0x81, 0x00], hb, ha), { error: 'bad-encoding' }),
    compare('no version field', bobView.subarray(2), { error: 'bad-encoding' }),
    compare('truncated by one byte', bobView.subarray(0, bobView.length - 1), { error: 'bad-encoding' }),
    compare('one trailing byte', concatBytes(bobView, Uint8Array.of(0)), { error: 'bad-encoding' }),
    compare(
      'remote fingerprint under field 4 instead of 3',
      Uint8Array.from(bobView, (x, i) => (i === 38 ? 0x22 : x)),
      {
        error: 'bad-encoding',
      },
    ),
    compare('empty', new Uint8Array(0), { error: 'bad-encoding' }),
    {
      label: 'invalid',
      comment: 'remote key of small order (the identity point)',
      localKey: toHex(a),
      remoteKey: smallOrder,
      error: 'bad-key',
    },
    {
      label: 'invalid',
      comment: 'local key not canonical (y = p)',
      localKey: nonCanonical,
      remoteKey: toHex(b),
      error: 'bad-key',
    },
  ];
  return {
    about:
      'Tincan safety numbers (crypto/safety-number.ts): Signal’s numeric fingerprint over raw 32-byte Ed25519 keys, stable id "tincan-safety-number-v1", 5200 iterations, scannable version 1. Cases with digits/scannable give safetyNumber(localKey, remoteKey); cases with scanned give compareScannable(localKey, remoteKey, scanned): matches true/false, or the ProtocolError code in error.',
    source:
      'spec/vectors/gen/safety-number.ts: keys from identityFromSeed(noble, deterministicRandom("tincan/vectors/safety-number")); numbers computed independently with node:crypto SHA-512.',
    cases,
  };
};
