/**
 * The DTLS certificate fingerprint a signed SDP commits to, and its check against the certificate the browser
 * actually saw (RTCPeerConnection.getStats()). The signature over the SDP authenticates the peer; this check
 * ties the media path to that SDP, so a relay that rewrites signalling cannot sit in the middle of a call.
 *
 * SDP form (RFC 8122 section 5), at session level and/or in any media section, CRLF or LF:
 *
 *   a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:...:E8
 *                 ^hash   ^digest: 2 hex digits per byte, ':'-separated (we accept either case)
 *
 * Every fingerprint line must name the same (hash, digest): one certificate per connection, as browsers do.
 *
 * Byte form (inside signed data elsewhere):
 *
 *   +--------+---------------------------+
 *   | hash   | digest (32, 48 or 64 B)   |   hash = TLS HashAlgorithm code (RFC 5246 7.4.1.4.1):
 *   | 1 byte | length fixed by hash      |   4 = sha-256 (32 B), 5 = sha-384 (48 B), 6 = sha-512 (64 B)
 *   +--------+---------------------------+
 */
import { assertBytes, assertString, concatBytes, equalBytes, fromHex } from './bytes.ts';
import { ProtocolError } from './errors.ts';

/** Bound on the SDP text (UTF-16 code units), checked before any splitting. */
export const MAX_SDP_LENGTH = 256 * 1024;

const ALGORITHMS = {
  'sha-256': { code: 4, length: 32 },
  'sha-384': { code: 5, length: 48 },
  'sha-512': { code: 6, length: 64 },
} as const;

export type FingerprintAlgorithm = keyof typeof ALGORITHMS;

export interface DtlsFingerprint {
  readonly algorithm: FingerprintAlgorithm;
  /** Upper-case hex pairs joined by ':', the form RFC 8122 and getStats() use. */
  readonly value: string;
}

/** What an RTCCertificateStats entry carries. */
export interface ReportedFingerprint {
  readonly fingerprint: string;
  readonly fingerprintAlgorithm: string;
}

const isAlgorithm = (name: string): name is FingerprintAlgorithm => Object.hasOwn(ALGORITHMS, name);

// "<hash> <digest>": the hash a token (RFC 8866 section 9); the digest is checked once the hash is known.
const ATTRIBUTE_PREFIX = /^a=fingerprint:/i;
const ATTRIBUTE_VALUE = /^([!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+)[ \t]+(\S+)$/;
const HEX_PAIRS = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*$/;

const _digestOf = (value: string): Uint8Array => fromHex(value.replace(/:/g, ''));

function _normalise(algorithm: string, value: string, where: string): DtlsFingerprint {
  const name = algorithm.toLowerCase();
  if (!isAlgorithm(name)) {
    throw new ProtocolError('unsupported-fingerprint-algorithm', `${where}: ${name.slice(0, 32)}`);
  }
  if (!HEX_PAIRS.test(value)) {
    throw new ProtocolError('bad-fingerprint', `${where}: not colon-separated hex pairs`);
  }
  const length = (value.length + 1) / 3;
  if (length !== ALGORITHMS[name].length) {
    throw new ProtocolError('bad-fingerprint', `${where}: ${name} digest of ${length} bytes`);
  }
  return { algorithm: name, value: value.toUpperCase() };
}

/** One fingerprint from its two parts (e.g. an RTCDtlsFingerprint from RTCCertificate.getFingerprints()). */
export function parseFingerprint(algorithm: string, value: string): DtlsFingerprint {
  assertString(algorithm, 'algorithm');
  assertString(value, 'value');
  return _normalise(algorithm, value, 'fingerprint');
}

/**
 * The single fingerprint an SDP commits to. Lines are split at CRLF, LF and lone CR alike: splitting more
 * finely than a browser can only reveal more fingerprint lines, and each must agree, so it fails closed.
 */
export function parseSdpFingerprint(sdp: string): DtlsFingerprint {
  assertString(sdp, 'sdp');
  if (sdp.length > MAX_SDP_LENGTH) {
    throw new ProtocolError('too-large', `SDP of ${sdp.length} > ${MAX_SDP_LENGTH}`);
  }
  let found: DtlsFingerprint | undefined;
  const lines = sdp.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!ATTRIBUTE_PREFIX.test(line)) continue;
    const where = `SDP line ${i + 1}`;
    const match = ATTRIBUTE_VALUE.exec(line.slice('a=fingerprint:'.length).trim());
    if (!match) throw new ProtocolError('bad-fingerprint', `${where}: expected "<hash> <hex pairs>"`);
    const fingerprint = _normalise(match[1]!, match[2]!, where);
    if (found && (found.algorithm !== fingerprint.algorithm || found.value !== fingerprint.value)) {
      throw new ProtocolError('conflicting-fingerprints', `${where} differs from an earlier fingerprint`);
    }
    found = fingerprint;
  }
  if (!found) throw new ProtocolError('no-fingerprint', 'SDP has no a=fingerprint line');
  return found;
}

function _assertFingerprint(fingerprint: DtlsFingerprint, name: string): Uint8Array {
  if (typeof fingerprint !== 'object' || fingerprint === null) {
    throw new TypeError(`${name} must be an object`);
  }
  assertString(fingerprint.algorithm, `${name}.algorithm`);
  assertString(fingerprint.value, `${name}.value`);
  if (!isAlgorithm(fingerprint.algorithm)) {
    throw new RangeError(`${name}.algorithm unknown: ${fingerprint.algorithm}`);
  }
  const { length } = ALGORITHMS[fingerprint.algorithm];
  if (!HEX_PAIRS.test(fingerprint.value) || (fingerprint.value.length + 1) / 3 !== length) {
    throw new RangeError(`${name}.value must be ${length} colon-separated hex pairs`);
  }
  return _digestOf(fingerprint.value);
}

/** The fingerprint of a digest we computed ourselves; wrong inputs are programming errors. */
export function fingerprintFromDigest(algorithm: FingerprintAlgorithm, digest: Uint8Array): DtlsFingerprint {
  assertString(algorithm, 'algorithm');
  if (!isAlgorithm(algorithm)) throw new RangeError(`algorithm unknown: ${algorithm}`);
  assertBytes(digest, 'digest', ALGORITHMS[algorithm].length);
  const value = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
  return { algorithm, value };
}

/** The SDP attribute line (without line ending). */
export function formatFingerprintAttribute(fingerprint: DtlsFingerprint): string {
  _assertFingerprint(fingerprint, 'fingerprint');
  return `a=fingerprint:${fingerprint.algorithm} ${fingerprint.value.toUpperCase()}`;
}

export function fingerprintBytes(fingerprint: DtlsFingerprint): Uint8Array {
  const digest = _assertFingerprint(fingerprint, 'fingerprint');
  return concatBytes(new Uint8Array([ALGORITHMS[fingerprint.algorithm].code]), digest);
}

export function fingerprintFromBytes(bytes: Uint8Array): DtlsFingerprint {
  assertBytes(bytes, 'bytes');
  if (bytes.length === 0) throw new ProtocolError('bad-fingerprint', 'empty');
  const algorithm = (Object.keys(ALGORITHMS) as FingerprintAlgorithm[]).find(
    (a) => ALGORITHMS[a].code === bytes[0],
  );
  if (!algorithm) throw new ProtocolError('unsupported-fingerprint-algorithm', `hash code ${bytes[0]}`);
  if (bytes.length !== 1 + ALGORITHMS[algorithm].length) {
    throw new ProtocolError('bad-fingerprint', `${algorithm} fingerprint of ${bytes.length} bytes`);
  }
  return fingerprintFromDigest(algorithm, bytes.subarray(1));
}

/**
 * True if the browser's report names the signed fingerprint: same hash, same digest bytes (compared in
 * constant time; hex case does not matter). A malformed or differently-hashed report is false, never a throw.
 */
export function fingerprintMatches(signed: DtlsFingerprint, reported: ReportedFingerprint): boolean {
  const signedDigest = _assertFingerprint(signed, 'signed');
  if (typeof reported !== 'object' || reported === null) throw new TypeError('reported must be an object');
  assertString(reported.fingerprint, 'reported.fingerprint');
  assertString(reported.fingerprintAlgorithm, 'reported.fingerprintAlgorithm');
  if (reported.fingerprintAlgorithm.toLowerCase() !== signed.algorithm) return false;
  if (!HEX_PAIRS.test(reported.fingerprint)) return false;
  return equalBytes(signedDigest, _digestOf(reported.fingerprint));
}

const _record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/**
 * The remote certificate's fingerprint from getStats(): pass the RTCStatsReport itself (its entries are
 * [id, stats]) or any iterable of stats objects. Null until DTLS has connected (no transport names a remote
 * certificate yet) or while the report is incomplete. Transports that name one must all agree: with
 * bundling there is one, and without it the browser holds every transport to the same SDP fingerprint.
 */
export function remoteCertificateFingerprint(report: Iterable<unknown>): ReportedFingerprint | null {
  if (typeof report !== 'object' || report === null || typeof report[Symbol.iterator] !== 'function') {
    throw new TypeError('report must be iterable (an RTCStatsReport or its values)');
  }
  const byId = new Map<string, Record<string, unknown>>();
  for (const item of report) {
    const stats = _record(Array.isArray(item) ? item[1] : item);
    if (stats && typeof stats.id === 'string') byId.set(stats.id, stats);
  }
  let result: ReportedFingerprint | null = null;
  for (const transport of byId.values()) {
    if (transport.type !== 'transport' || typeof transport.remoteCertificateId !== 'string') continue;
    const certificate = byId.get(transport.remoteCertificateId);
    const { fingerprint, fingerprintAlgorithm } = certificate ?? {};
    if (certificate?.type !== 'certificate' || typeof fingerprint !== 'string') return null;
    if (typeof fingerprintAlgorithm !== 'string') return null;
    if (
      result &&
      (result.fingerprintAlgorithm.toLowerCase() !== fingerprintAlgorithm.toLowerCase() ||
        result.fingerprint.toUpperCase() !== fingerprint.toUpperCase())
    ) {
      throw new ProtocolError('conflicting-fingerprints', 'transports report different remote certificates');
    }
    result ??= { fingerprint, fingerprintAlgorithm };
  }
  return result;
}
