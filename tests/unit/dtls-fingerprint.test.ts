import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import {
  type DtlsFingerprint,
  type FingerprintAlgorithm,
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
import { ProtocolError } from '../../crypto/errors.ts';

const fp = fingerprintFromDigest('sha-256', sha256(new Uint8Array([1, 2, 3])));
const other = fingerprintFromDigest('sha-256', sha256(new Uint8Array([4, 5, 6])));
const attribute = (f: DtlsFingerprint) => `a=fingerprint:${f.algorithm} ${f.value}`;

/** A minimal bundled offer with the given extra lines per m-section. */
const sdpWith = (audio: string[], data: string[] = [], session: string[] = [], eol = '\r\n') =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    ...session,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    ...audio,
    'a=mid:0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    ...data,
    'a=mid:1',
    '',
  ].join(eol);

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return undefined;
};

describe('parseSdpFingerprint', () => {
  it('returns the fingerprint repeated in every section, whatever the line ending', () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      expect(parseSdpFingerprint(sdpWith([attribute(fp)], [attribute(fp)], [], eol))).toEqual(fp);
    }
    expect(parseSdpFingerprint(sdpWith([], [], [attribute(fp)]))).toEqual(fp);
  });

  it('normalises case and whitespace', () => {
    const sdp = sdpWith(
      [`a=fingerprint:SHA-256 ${fp.value.toLowerCase()}`, `\t a=fingerprint:Sha-256 \t ${fp.value}  `],
      [`A=FINGERPRINT:sha-256 ${fp.value}`],
    );
    expect(parseSdpFingerprint(sdp)).toEqual(fp);
    expect(fp.value).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('accepts sha-384 and sha-512 with their lengths', () => {
    for (const [algorithm, hash] of [
      ['sha-384', sha384],
      ['sha-512', sha512],
    ] as const) {
      const f = fingerprintFromDigest(algorithm, hash(new Uint8Array(1)));
      expect(parseSdpFingerprint(sdpWith([attribute(f)]))).toEqual(f);
      const truncated = { algorithm, value: f.value.slice(0, -3) };
      expect(codeOf(() => parseSdpFingerprint(sdpWith([attribute(truncated)])))).toBe('bad-fingerprint');
    }
  });

  it('rejects weak and unknown hashes, even next to a good fingerprint', () => {
    const twenty = fp.value.slice(0, 20 * 3 - 1);
    for (const name of ['sha-1', 'SHA-1', 'md5', 'md2', 'sha-224', 'sha3-256', 'x']) {
      expect(codeOf(() => parseSdpFingerprint(sdpWith([`a=fingerprint:${name} ${twenty}`])))).toBe(
        'unsupported-fingerprint-algorithm',
      );
      expect(
        codeOf(() => parseSdpFingerprint(sdpWith([attribute(fp)], [`a=fingerprint:${name} ${fp.value}`]))),
      ).toBe('unsupported-fingerprint-algorithm');
    }
  });

  it('rejects an SDP without a fingerprint, and ignores look-alike attributes', () => {
    expect(codeOf(() => parseSdpFingerprint(''))).toBe('no-fingerprint');
    expect(codeOf(() => parseSdpFingerprint(sdpWith(['a=setup:actpass'])))).toBe('no-fingerprint');
    expect(codeOf(() => parseSdpFingerprint(sdpWith([`a=x-fingerprint:sha-256 ${fp.value}`])))).toBe(
      'no-fingerprint',
    );
  });

  it('rejects conflicts: between sections, session vs media, within one section, across hashes', () => {
    const fp384 = fingerprintFromDigest('sha-384', sha384(new Uint8Array([1, 2, 3])));
    for (const sdp of [
      sdpWith([attribute(fp)], [attribute(other)]),
      sdpWith([attribute(fp)], [], [attribute(other)]),
      sdpWith([attribute(fp), attribute(other)]),
      sdpWith([attribute(fp)], [attribute(fp384)]),
    ]) {
      expect(codeOf(() => parseSdpFingerprint(sdp))).toBe('conflicting-fingerprints');
    }
  });

  it('rejects malformed digests', () => {
    const bad = [
      '',
      'sha-256',
      `sha-256 ${fp.value.replace(/:/g, '')}`,
      `sha-256 ${fp.value}:`,
      `sha-256 :${fp.value}`,
      `sha-256 ${fp.value.replace(/:/, '::')}`,
      `sha-256 ${fp.value.replace(/:/, '-')}`,
      `sha-256 G${fp.value.slice(1)}`,
      `sha-256 ${fp.value.slice(0, -3)}`,
      `sha-256 ${fp.value}:AB`,
      `sha-256 ${fp.value} ${fp.value}`,
      `sha-256${fp.value}`,
    ];
    for (const value of bad) {
      expect(
        codeOf(() => parseSdpFingerprint(sdpWith([`a=fingerprint:${value}`]))),
        value,
      ).toBe('bad-fingerprint');
    }
  });

  it('bounds the input length', () => {
    const sdp = sdpWith([attribute(fp)]);
    const padded = sdp + 'a=x\r\n'.repeat((MAX_SDP_LENGTH - sdp.length) / 5);
    expect(padded.length).toBeLessThanOrEqual(MAX_SDP_LENGTH);
    expect(padded.length).toBeGreaterThan(MAX_SDP_LENGTH - 5);
    expect(parseSdpFingerprint(padded)).toEqual(fp);
    expect(
      codeOf(() => parseSdpFingerprint(`${padded}${' '.repeat(MAX_SDP_LENGTH + 1 - padded.length)}`)),
    ).toBe('too-large');
  });

  it('random text only ever raises ProtocolError', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('a=fingerprint:', 'a=fingerprint:sha-256 ', attribute(fp), attribute(other)),
      fc
        .tuple(
          fc.constantFrom('sha-256', 'SHA-1', 'sha-384', ''),
          fc.stringMatching(/^[0-9A-Fa-f:G ]{0,110}$/),
        )
        .map(([hash, value]) => `a=fingerprint:${hash} ${value}`),
    );
    const sdp = fc.oneof(
      fc.string({ maxLength: 2000 }),
      fc
        .tuple(fc.array(line, { maxLength: 20 }), fc.constantFrom('\r\n', '\n', '\r'))
        .map(([lines, eol]) => lines.join(eol)),
    );
    fc.assert(
      fc.property(sdp, (text) => {
        try {
          const parsed = parseSdpFingerprint(text);
          expect(parsed.value).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2})*$/);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

const algorithms: FingerprintAlgorithm[] = ['sha-256', 'sha-384', 'sha-512'];
const lengths = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 } as const;
const anyFingerprint = fc
  .constantFrom(...algorithms)
  .chain((algorithm) =>
    fc
      .uint8Array({ minLength: lengths[algorithm], maxLength: lengths[algorithm] })
      .map((digest) => fingerprintFromDigest(algorithm, digest)),
  );

describe('formatting and byte form', () => {
  it('format then parse round-trips, in any case and line ending', () => {
    fc.assert(
      fc.property(anyFingerprint, fc.boolean(), fc.constantFrom('\r\n', '\n'), (f, lower, eol) => {
        const text = formatFingerprintAttribute(f);
        const line = lower ? text.toLowerCase() : text;
        expect(parseSdpFingerprint(sdpWith([line], [line], [], eol))).toEqual(f);
        expect(parseFingerprint(f.algorithm, f.value.toLowerCase())).toEqual(f);
      }),
    );
  });

  it('byte form: TLS hash code then digest, and back', () => {
    expect(toHex(fingerprintBytes(fp))).toBe(`04${toHex(sha256(new Uint8Array([1, 2, 3])))}`);
    fc.assert(
      fc.property(anyFingerprint, (f) => {
        const bytes = fingerprintBytes(f);
        expect(bytes[0]).toBe({ 'sha-256': 4, 'sha-384': 5, 'sha-512': 6 }[f.algorithm]);
        expect(bytes.length).toBe(1 + lengths[f.algorithm]);
        expect(fingerprintFromBytes(bytes)).toEqual(f);
      }),
    );
  });

  it('random bytes only ever raise ProtocolError', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc
        .tuple(fc.integer({ min: 0, max: 8 }), fc.uint8Array({ minLength: 30, maxLength: 66 }))
        .map(([code, rest]) => Uint8Array.of(code, ...rest)),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        try {
          expect(fingerprintBytes(fingerprintFromBytes(b))).toEqual(b);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
    expect(codeOf(() => fingerprintFromBytes(Uint8Array.of(2, ...new Uint8Array(20))))).toBe(
      'unsupported-fingerprint-algorithm',
    );
    expect(codeOf(() => fingerprintFromBytes(Uint8Array.of(4, ...new Uint8Array(31))))).toBe(
      'bad-fingerprint',
    );
  });
});

describe('fingerprintMatches', () => {
  const reportOf = (f: DtlsFingerprint) => ({ fingerprint: f.value, fingerprintAlgorithm: f.algorithm });

  it('matches regardless of hex and hash-name case', () => {
    expect(fingerprintMatches(fp, reportOf(fp))).toBe(true);
    expect(
      fingerprintMatches(fp, { fingerprint: fp.value.toLowerCase(), fingerprintAlgorithm: 'SHA-256' }),
    ).toBe(true);
  });

  it('any single differing bit in any byte is a mismatch', () => {
    for (let i = 0; i < 32; i++) {
      for (const bit of [0x01, 0x80]) {
        const pairs = fp.value.split(':');
        pairs[i] = (Number.parseInt(pairs[i]!, 16) ^ bit).toString(16).padStart(2, '0');
        expect(
          fingerprintMatches(fp, { fingerprint: pairs.join(':'), fingerprintAlgorithm: 'sha-256' }),
        ).toBe(false);
      }
    }
  });

  it('another hash, a malformed or a truncated report is a mismatch, not a throw', () => {
    const fp384 = fingerprintFromDigest('sha-384', new Uint8Array(48));
    expect(fingerprintMatches(fp, reportOf(fp384))).toBe(false);
    expect(fingerprintMatches(fp, { fingerprint: fp.value, fingerprintAlgorithm: 'sha-1' })).toBe(false);
    for (const bad of [
      '',
      fp.value.replace(/:/g, ''),
      `${fp.value}:`,
      fp.value.slice(0, -3),
      `${fp.value}:00`,
    ]) {
      expect(fingerprintMatches(fp, { fingerprint: bad, fingerprintAlgorithm: 'sha-256' }), bad).toBe(false);
    }
  });

  it('agrees with comparing normalised values, for random pairs', () => {
    fc.assert(
      fc.property(anyFingerprint, anyFingerprint, fc.boolean(), (a, b, same) => {
        const reported = same ? a : b;
        const expected = a.algorithm === reported.algorithm && a.value === reported.value;
        expect(
          fingerprintMatches(a, {
            fingerprint: reported.value.toLowerCase(),
            fingerprintAlgorithm: reported.algorithm,
          }),
        ).toBe(expected);
      }),
    );
  });
});

describe('remoteCertificateFingerprint', () => {
  const certificate = (id: string, f: DtlsFingerprint) => ({
    id,
    type: 'certificate',
    fingerprint: f.value,
    fingerprintAlgorithm: f.algorithm,
  });
  const transport = (id: string, remoteCertificateId?: string) => ({
    id,
    type: 'transport',
    dtlsState: remoteCertificateId ? 'connected' : 'connecting',
    localCertificateId: 'CFlocal',
    ...(remoteCertificateId ? { remoteCertificateId } : {}),
  });
  const expected = { fingerprint: fp.value, fingerprintAlgorithm: 'sha-256' };

  it('follows the transport to its remote certificate, not the local one', () => {
    const stats = [transport('T01', 'CFremote'), certificate('CFlocal', other), certificate('CFremote', fp)];
    expect(remoteCertificateFingerprint(stats)).toEqual(expected);
    expect(remoteCertificateFingerprint(stats.reverse())).toEqual(expected);
    expect(remoteCertificateFingerprint(new Map(stats.map((s) => [s.id, s])))).toEqual(expected);
  });

  it('is null before DTLS connects, or when the report is incomplete', () => {
    expect(remoteCertificateFingerprint([])).toBeNull();
    expect(remoteCertificateFingerprint([transport('T01'), certificate('CFlocal', other)])).toBeNull();
    expect(remoteCertificateFingerprint([transport('T01', 'CFremote')])).toBeNull();
    expect(
      remoteCertificateFingerprint([transport('T01', 'CFremote'), { id: 'CFremote', type: 'codec' }]),
    ).toBeNull();
    expect(
      remoteCertificateFingerprint([
        transport('T01', 'CFremote'),
        { id: 'CFremote', type: 'certificate', fingerprint: 1 },
      ]),
    ).toBeNull();
  });

  it('several transports: must agree (case-insensitively), else conflicting-fingerprints', () => {
    const lower = { algorithm: fp.algorithm, value: fp.value.toLowerCase() };
    const agreeing = [
      transport('T01', 'CFa'),
      transport('T02', 'CFb'),
      transport('T03'),
      certificate('CFa', fp),
      certificate('CFb', lower),
    ];
    expect(remoteCertificateFingerprint(agreeing)).toEqual(expected);
    const conflicting = [
      transport('T01', 'CFa'),
      transport('T02', 'CFb'),
      certificate('CFa', fp),
      certificate('CFb', other),
    ];
    expect(codeOf(() => remoteCertificateFingerprint(conflicting))).toBe('conflicting-fingerprints');
  });

  it('ignores junk entries', () => {
    const stats = [
      null,
      7,
      'x',
      [],
      ['only-id'],
      { type: 'transport' },
      transport('T01', 'CFr'),
      certificate('CFr', fp),
    ];
    expect(remoteCertificateFingerprint(stats)).toEqual(expected);
  });
});
