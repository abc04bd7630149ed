import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import {
  compareScannable,
  displayableFingerprint,
  displayableHalf,
  fingerprintHash,
  formatSafetyNumber,
  parseScannable,
  SAFETY_NUMBER_ITERATIONS,
  SAFETY_NUMBER_SCANNABLE_VERSION,
  SAFETY_NUMBER_STABLE_ID,
  safetyNumber,
  safetyNumberGroups,
  scannableFingerprint,
} from '../../crypto/safety-number.ts';
import signal from '../../spec/vectors/external/signal-numeric-fingerprint.json' with { type: 'json' };
import { deterministicRandom } from '../support/deterministic-random.ts';
import { protocolErrorCodeOf } from '../support/protocol-errors.ts';

const random = deterministicRandom('tests/unit/safety-number');
const [alice, bob, carol] = await Promise.all(
  [1, 2, 3].map(() => identityFromSeed(nobleEd25519, random(32))),
);
const a = alice!.publicKey;
const b = bob!.publicKey;
const c = carol!.publicKey;

const codeOf = protocolErrorCodeOf;

describe('libsignal numeric fingerprint vector (spec/vectors/external)', () => {
  const aliceHash = fingerprintHash(
    fromHex(signal.alice.identityKeyHex),
    utf8(signal.alice.stableId),
    signal.iterations,
  );
  const bobHash = fingerprintHash(
    fromHex(signal.bob.identityKeyHex),
    utf8(signal.bob.stableId),
    signal.iterations,
  );

  it('reproduces both hashes', () => {
    expect(toHex(aliceHash.subarray(0, 32))).toBe(signal.aliceHashFirst32Hex);
    expect(toHex(bobHash.subarray(0, 32))).toBe(signal.bobHashFirst32Hex);
  });

  it('reproduces the displayable number from either side', () => {
    expect(displayableFingerprint(aliceHash, bobHash)).toBe(signal.displayable);
    expect(displayableFingerprint(bobHash, aliceHash)).toBe(signal.displayable);
  });

  it('reproduces both scannable encodings, and each parses as the other side sees it', () => {
    expect(toHex(scannableFingerprint(1, aliceHash, bobHash))).toBe(signal.aliceScannableV1Hex);
    expect(toHex(scannableFingerprint(1, bobHash, aliceHash))).toBe(signal.bobScannableV1Hex);
    const parsed = parseScannable(fromHex(signal.bobScannableV1Hex), 1);
    expect(toHex(parsed.local)).toBe(signal.bobHashFirst32Hex);
    expect(toHex(parsed.remote)).toBe(signal.aliceHashFirst32Hex);
  });

  it('depends on the iteration count (a wrong count would not reproduce the vector)', () => {
    const fewer = fingerprintHash(fromHex(signal.alice.identityKeyHex), utf8(signal.alice.stableId), 5199);
    expect(toHex(fewer.subarray(0, 32))).not.toBe(signal.aliceHashFirst32Hex);
  });
});

describe('Tincan constants', () => {
  it('are the ones the spec names', () => {
    expect(SAFETY_NUMBER_STABLE_ID).toBe('tincan-safety-number-v1');
    expect(SAFETY_NUMBER_ITERATIONS).toBe(5200);
    expect(SAFETY_NUMBER_SCANNABLE_VERSION).toBe(1);
  });

  it('the number is the generic algorithm with those constants', () => {
    const ha = fingerprintHash(a, utf8(SAFETY_NUMBER_STABLE_ID), SAFETY_NUMBER_ITERATIONS);
    const hb = fingerprintHash(b, utf8(SAFETY_NUMBER_STABLE_ID), SAFETY_NUMBER_ITERATIONS);
    const number = safetyNumber(a, b);
    expect(number.digits).toBe(displayableFingerprint(ha, hb));
    expect(number.scannable).toEqual(scannableFingerprint(1, ha, hb));
  });

  it('the stable id separates Tincan numbers from the same key hashed under another id', () => {
    const tincan = fingerprintHash(a, utf8(SAFETY_NUMBER_STABLE_ID), 2);
    expect(fingerprintHash(a, utf8('tincan-safety-number-v2'), 2)).not.toEqual(tincan);
    expect(fingerprintHash(concatBytes(Uint8Array.of(5), a), utf8(SAFETY_NUMBER_STABLE_ID), 2)).not.toEqual(
      tincan,
    );
  });
});

describe('safetyNumber', () => {
  const ab = safetyNumber(a, b);
  const ba = safetyNumber(b, a);

  it('is 60 digits in 12 groups of 5, the same on both sides', () => {
    expect(ab.digits).toMatch(/^[0-9]{60}$/);
    expect(ab.groups).toHaveLength(12);
    expect(ab.groups.every((g) => /^[0-9]{5}$/.test(g))).toBe(true);
    expect(ab.groups.join('')).toBe(ab.digits);
    expect(ba.digits).toBe(ab.digits);
  });

  it('orders the halves, smaller first, each half a function of one key only', () => {
    const ac = safetyNumber(a, c);
    const halfA = displayableHalf(
      fingerprintHash(a, utf8(SAFETY_NUMBER_STABLE_ID), SAFETY_NUMBER_ITERATIONS),
    );
    for (const number of [ab, ac]) {
      expect([number.digits.slice(0, 30), number.digits.slice(30)]).toContain(halfA);
      expect(number.digits.slice(0, 30) <= number.digits.slice(30)).toBe(true);
    }
    expect(ac.digits).not.toBe(ab.digits);
  });

  it('scannable codes are 74 bytes, version 1, with the halves swapped between the sides', () => {
    expect(ab.scannable).toHaveLength(74);
    expect(toHex(ab.scannable.subarray(0, 2))).toBe('0801');
    const mine = parseScannable(ab.scannable, 1);
    const theirs = parseScannable(ba.scannable, 1);
    expect(mine.local).toEqual(theirs.remote);
    expect(mine.remote).toEqual(theirs.local);
  });

  it('compareScannable: true for the peer’s code, false for my own, another pair, or any flipped hash bit', () => {
    expect(compareScannable(a, b, ba.scannable)).toBe(true);
    expect(compareScannable(b, a, ab.scannable)).toBe(true);
    expect(compareScannable(a, b, ab.scannable)).toBe(false);
    expect(compareScannable(a, b, safetyNumber(c, a).scannable)).toBe(false);
    // Each call hashes 10,400 times, so one bit per hash byte (bit i mod 8) rather than all 512.
    const hashBytes = [
      ...Array.from({ length: 32 }, (_, i) => 6 + i),
      ...Array.from({ length: 32 }, (_, i) => 42 + i),
    ];
    for (const i of hashBytes) {
      const flipped = ba.scannable.slice();
      flipped[i]! ^= 1 << (i % 8);
      expect(compareScannable(a, b, flipped), `byte ${i}`).toBe(false);
    }
  });

  it('rejects small-order and non-canonical identity keys with bad-key', () => {
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    const yIsP = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(codeOf(() => safetyNumber(a, identity))).toBe('bad-key');
    expect(codeOf(() => safetyNumber(yIsP, b))).toBe('bad-key');
    expect(codeOf(() => compareScannable(a, identity, ba.scannable))).toBe('bad-key');
  });

  it('reports another scannable version as bad-fingerprint-version, before looking at the rest', () => {
    expect(codeOf(() => compareScannable(a, b, Uint8Array.of(0x08, 0x02)))).toBe('bad-fingerprint-version');
    const v2 = scannableFingerprint(2, new Uint8Array(64), new Uint8Array(64));
    expect(codeOf(() => compareScannable(a, b, v2))).toBe('bad-fingerprint-version');
    const max = Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0x0f);
    expect(codeOf(() => parseScannable(max, 1))).toBe('bad-fingerprint-version');
  });

  it('rejects malformed protobuf with bad-encoding', () => {
    const bad = [
      new Uint8Array(0),
      Uint8Array.of(0x08),
      Uint8Array.of(0x08, 0x81, 0x00, ...ba.scannable.subarray(2)), // non-minimal varint
      Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0x1f), // more than 32 bits
      Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // six-byte varint
      ba.scannable.subarray(0, 73),
      concatBytes(ba.scannable, Uint8Array.of(0)),
      ba.scannable.subarray(2),
    ];
    for (const bytes of bad)
      expect(
        codeOf(() => compareScannable(a, b, bytes)),
        toHex(bytes),
      ).toBe('bad-encoding');
  });

  it('random bytes only ever raise a typed ProtocolError, and never match', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const code = codeOf(() => parseScannable(bytes, 1));
        expect(['bad-encoding', 'bad-fingerprint-version', undefined]).toContain(code);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (hashes) => {
        const local = concatBytes(hashes.subarray(0, 32), new Uint8Array(32));
        const forged = scannableFingerprint(1, local, concatBytes(hashes.subarray(32), new Uint8Array(32)));
        expect(parseScannable(forged, 1).local).toEqual(hashes.subarray(0, 32));
        expect(compareScannable(a, b, forged)).toBe(false);
      }),
      { numRuns: 20 },
    );
  });

  it('parseScannable(scannableFingerprint(v, x, y)) gives back v and the first 32 bytes of x and y', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (version, x) => {
          const y = x.slice().reverse();
          const parsed = parseScannable(scannableFingerprint(version, x, y), version);
          expect(parsed).toEqual({ version, local: x.slice(0, 32), remote: y.slice(0, 32) });
        },
      ),
    );
  });

  it('takes well under a second (about 10,400 SHA-512 calls)', () => {
    const start = performance.now();
    safetyNumber(b, c);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('displayable digits and formatting', () => {
  it('reads 5-byte big-endian integers mod 100000, zero-padded', () => {
    const hash = new Uint8Array(64);
    hash.set([0xff, 0xff, 0xff, 0xff, 0xff], 0); // 2^40 - 1 = 1099511627775
    hash.set([0x00, 0x00, 0x00, 0x00, 0x07], 5);
    hash.set([0x80, 0x00, 0x00, 0x00, 0x00], 25); // 2^39 = 549755813888
    expect(displayableHalf(hash)).toBe(`27775${'00007'}${'00000'.repeat(3)}13888`);
  });

  it('groups and formats the 60 digits', () => {
    const digits = '0123456789'.repeat(6);
    expect(safetyNumberGroups(digits)).toEqual(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? '56789' : '01234')),
    );
    expect(formatSafetyNumber(digits)).toBe(
      '01234 56789 01234 56789\n01234 56789 01234 56789\n01234 56789 01234 56789',
    );
    expect(formatSafetyNumber(digits, 6).split('\n')).toHaveLength(2);
  });
});
