/** Our own mistakes are TypeError / RangeError naming the argument; untrusted text and bytes are ProtocolError. */
import { describe, expect, it } from 'vitest';
import {
  type DtlsFingerprint,
  fingerprintBytes,
  fingerprintFromBytes,
  fingerprintFromDigest,
  fingerprintMatches,
  formatFingerprintAttribute,
  MAX_SDP_LENGTH,
  parseFingerprint,
  parseSdpFingerprint,
  remoteCertificateFingerprint,
} from '../../crypto/dtls-fingerprint.ts';
import { isProtocolError } from '../../crypto/errors.ts';

const notStrings: unknown[] = [undefined, null, 42, {}, ['a=fingerprint:sha-256 AB'], new Uint8Array(4)];
const notBytes: unknown[] = [undefined, null, 'ab', 42, [4, 1], new ArrayBuffer(33), {}];
const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(0xab));

const protocolCode = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return isProtocolError(error) ? error.code : `not a ProtocolError: ${String(error)}`;
  }
  return undefined;
};

describe('parseSdpFingerprint / parseFingerprint', () => {
  it('TypeError for non-strings', () => {
    for (const bad of notStrings) {
      expect(() => parseSdpFingerprint(bad as string)).toThrow(/sdp must be a string/);
      expect(() => parseFingerprint(bad as string, fp.value)).toThrow(TypeError);
      expect(() => parseFingerprint('sha-256', bad as string)).toThrow(TypeError);
    }
  });

  it('empty, short and long text is a ProtocolError', () => {
    expect(protocolCode(() => parseSdpFingerprint(''))).toBe('no-fingerprint');
    expect(protocolCode(() => parseSdpFingerprint('a=fingerprint:'))).toBe('bad-fingerprint');
    expect(protocolCode(() => parseSdpFingerprint('x'.repeat(MAX_SDP_LENGTH + 1)))).toBe('too-large');
    expect(protocolCode(() => parseSdpFingerprint('\r\n'.repeat(MAX_SDP_LENGTH / 2)))).toBe('no-fingerprint');
    expect(protocolCode(() => parseFingerprint('', ''))).toBe('unsupported-fingerprint-algorithm');
    expect(protocolCode(() => parseFingerprint('sha-256', ''))).toBe('bad-fingerprint');
    expect(protocolCode(() => parseFingerprint('sha-256', 'AB'))).toBe('bad-fingerprint');
    expect(protocolCode(() => parseFingerprint('sha-256', `${fp.value}:AB`))).toBe('bad-fingerprint');
    expect(protocolCode(() => parseFingerprint('sha-256', `${fp.value}:`.repeat(1000)))).toBe(
      'bad-fingerprint',
    );
  });
});

describe('fingerprintFromDigest', () => {
  it('TypeError / RangeError for wrong algorithm or digest', () => {
    for (const bad of notBytes) {
      expect(() => fingerprintFromDigest('sha-256', bad as Uint8Array)).toThrow(TypeError);
    }
    for (const length of [0, 1, 31, 33, 48]) {
      expect(() => fingerprintFromDigest('sha-256', new Uint8Array(length))).toThrow(
        /digest must be 32 bytes/,
      );
    }
    expect(() => fingerprintFromDigest('sha-1' as 'sha-256', new Uint8Array(20))).toThrow(RangeError);
    expect(() => fingerprintFromDigest(undefined as unknown as 'sha-256', new Uint8Array(32))).toThrow(
      TypeError,
    );
  });
});

describe('functions taking a DtlsFingerprint', () => {
  const malformed: unknown[] = [
    { algorithm: 'sha-1', value: fp.value.slice(0, 59) },
    { algorithm: 'sha-256', value: fp.value.slice(0, -3) },
    { algorithm: 'sha-256', value: `${fp.value}:AB` },
    { algorithm: 'sha-256', value: fp.value.replace(/:/g, '') },
    { algorithm: 'sha-256', value: '' },
  ];
  const wrongTypes: unknown[] = [
    undefined,
    null,
    'sha-256',
    42,
    {},
    { algorithm: 'sha-256' },
    { value: fp.value },
  ];
  const takers: [string, (f: DtlsFingerprint) => unknown][] = [
    ['formatFingerprintAttribute', formatFingerprintAttribute],
    ['fingerprintBytes', fingerprintBytes],
    [
      'fingerprintMatches',
      (f) => fingerprintMatches(f, { fingerprint: fp.value, fingerprintAlgorithm: 'sha-256' }),
    ],
  ];

  for (const [name, take] of takers) {
    it(`${name}: TypeError for wrong types, RangeError for a malformed value`, () => {
      for (const bad of wrongTypes) expect(() => take(bad as DtlsFingerprint)).toThrow(TypeError);
      for (const bad of malformed) expect(() => take(bad as DtlsFingerprint)).toThrow(RangeError);
    });
  }

  it('fingerprintMatches: TypeError for a reported value of the wrong shape', () => {
    for (const bad of [
      undefined,
      null,
      'AB',
      {},
      { fingerprint: fp.value },
      { fingerprint: 1, fingerprintAlgorithm: 'sha-256' },
    ]) {
      expect(() =>
        fingerprintMatches(fp, bad as { fingerprint: string; fingerprintAlgorithm: string }),
      ).toThrow(TypeError);
    }
  });
});

describe('fingerprintFromBytes', () => {
  it('TypeError for non-bytes; ProtocolError for empty, short, long and unknown-hash input', () => {
    for (const bad of notBytes) expect(() => fingerprintFromBytes(bad as Uint8Array)).toThrow(TypeError);
    const good = fingerprintBytes(fp);
    expect(protocolCode(() => fingerprintFromBytes(new Uint8Array(0)))).toBe('bad-fingerprint');
    expect(protocolCode(() => fingerprintFromBytes(good.subarray(0, 1)))).toBe('bad-fingerprint');
    expect(protocolCode(() => fingerprintFromBytes(good.subarray(0, 32)))).toBe('bad-fingerprint');
    expect(protocolCode(() => fingerprintFromBytes(Uint8Array.of(...good, 0)))).toBe('bad-fingerprint');
    expect(protocolCode(() => fingerprintFromBytes(Uint8Array.of(0, ...good.subarray(1))))).toBe(
      'unsupported-fingerprint-algorithm',
    );
  });
});

describe('remoteCertificateFingerprint', () => {
  it('TypeError for something that is not an iterable of stats', () => {
    for (const bad of [undefined, null, 42, 'transport', {}]) {
      expect(() => remoteCertificateFingerprint(bad as Iterable<unknown>)).toThrow(TypeError);
    }
  });

  it('null for empty and junk-only reports', () => {
    expect(remoteCertificateFingerprint([])).toBeNull();
    expect(remoteCertificateFingerprint(new Map())).toBeNull();
    expect(remoteCertificateFingerprint([undefined, null, 1, 'x', {}, { id: 1 }])).toBeNull();
  });
});
