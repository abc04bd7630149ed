/** Wrong types, lengths and empty input for every public function of crypto/safety-number.ts. */
import { describe, expect, it } from 'vitest';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import {
  compareScannable,
  displayableFingerprint,
  displayableHalf,
  fingerprintHash,
  formatSafetyNumber,
  parseScannable,
  safetyNumber,
  safetyNumberGroups,
  scannableFingerprint,
} from '../../crypto/safety-number.ts';
import { deterministicRandom } from '../support/deterministic-random.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

const random = deterministicRandom('tests/unit/wrong-input.safety-number');
const key = (await identityFromSeed(nobleEd25519, random(32))).publicKey;
const other = (await identityFromSeed(nobleEd25519, random(32))).publicKey;
const hash = new Uint8Array(64);
const notBytes: unknown[] = [undefined, null, 'abc', 42, [1, 2, 3], new ArrayBuffer(32), new Uint16Array(16)];
const any = (value: unknown) => value as never;

describe('safety-number: wrong input', () => {
  it('fingerprintHash: key and stableId must be bytes; iterations a positive integer', () => {
    for (const bad of notBytes) {
      expect(() => fingerprintHash(any(bad), new Uint8Array(1), 1)).toThrow(TypeError);
      expect(() => fingerprintHash(key, any(bad), 1)).toThrow(TypeError);
    }
    for (const iterations of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, any('2')]) {
      expect(() => fingerprintHash(key, new Uint8Array(0), iterations)).toThrow(RangeError);
    }
    // Empty key and stable id are bytes like any other for the generic algorithm.
    expect(fingerprintHash(new Uint8Array(0), new Uint8Array(0), 1)).toHaveLength(64);
  });

  it('displayableHalf / displayableFingerprint / scannableFingerprint: hashes are 64 bytes', () => {
    for (const bad of notBytes) {
      expect(() => displayableHalf(any(bad))).toThrow(TypeError);
      expect(() => displayableFingerprint(any(bad), hash)).toThrow(TypeError);
      expect(() => displayableFingerprint(hash, any(bad))).toThrow(TypeError);
      expect(() => scannableFingerprint(1, any(bad), hash)).toThrow(TypeError);
      expect(() => scannableFingerprint(1, hash, any(bad))).toThrow(TypeError);
    }
    for (const length of [0, 32, 63, 65]) {
      expect(() => displayableHalf(new Uint8Array(length))).toThrow(RangeError);
      expect(() => displayableFingerprint(hash, new Uint8Array(length))).toThrow(RangeError);
      expect(() => scannableFingerprint(1, new Uint8Array(length), hash)).toThrow(RangeError);
    }
  });

  it('scannableFingerprint / parseScannable: versions are uint32', () => {
    for (const version of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => scannableFingerprint(version, hash, hash)).toThrow(RangeError);
      expect(() => parseScannable(new Uint8Array(74), version)).toThrow(RangeError);
    }
    expect(() => scannableFingerprint(any('1'), hash, hash)).toThrow(TypeError);
    expect(() => parseScannable(new Uint8Array(74), any('1'))).toThrow(TypeError);
  });

  it('parseScannable: scanned must be bytes; empty, short and long bytes are bad-encoding', () => {
    for (const bad of notBytes) expect(() => parseScannable(any(bad), 1)).toThrow(TypeError);
    const good = safetyNumber(key, other).scannable;
    for (const bytes of [
      new Uint8Array(0),
      good.subarray(0, 2),
      good.subarray(0, 40),
      new Uint8Array([...good, 0]),
    ]) {
      expectProtocolError(() => parseScannable(bytes, 1), 'bad-encoding');
    }
  });

  it('safetyNumber / compareScannable: keys must be 32 bytes (TypeError / RangeError)', () => {
    const scanned = safetyNumber(other, key).scannable;
    for (const bad of notBytes) {
      expect(() => safetyNumber(any(bad), other)).toThrow(TypeError);
      expect(() => safetyNumber(key, any(bad))).toThrow(TypeError);
      expect(() => compareScannable(any(bad), other, scanned)).toThrow(TypeError);
      expect(() => compareScannable(key, any(bad), scanned)).toThrow(TypeError);
      expect(() => compareScannable(key, other, any(bad))).toThrow(TypeError);
    }
    for (const length of [0, 31, 33, 64]) {
      expect(() => safetyNumber(new Uint8Array(length), other)).toThrow(RangeError);
      expect(() => compareScannable(key, new Uint8Array(length), scanned)).toThrow(RangeError);
    }
    expectProtocolError(() => compareScannable(key, other, new Uint8Array(0)), 'bad-encoding');
    expectProtocolError(() => safetyNumber(key, new Uint8Array(32)), 'bad-key');
  });

  it('safetyNumberGroups / formatSafetyNumber: 60 decimal digits, positive groupsPerLine', () => {
    const digits = '1'.repeat(60);
    for (const bad of [
      any(undefined),
      any(60),
      '',
      '1'.repeat(59),
      '1'.repeat(61),
      `${'1'.repeat(59)}a`,
      '１'.repeat(60),
    ]) {
      expect(() => safetyNumberGroups(bad)).toThrow(RangeError);
      expect(() => formatSafetyNumber(bad)).toThrow(RangeError);
    }
    for (const perLine of [0, -1, 1.5, Number.NaN])
      expect(() => formatSafetyNumber(digits, perLine)).toThrow(RangeError);
    expect(formatSafetyNumber(digits, 12)).toBe(Array(12).fill('11111').join(' '));
  });
});
