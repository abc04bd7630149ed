/**
 * Safety numbers: Signal's numeric fingerprint algorithm, applied to Tincan's Ed25519 identity keys.
 *
 * Per party (key, stableId), with `iterations` SHA-512 calls in all:
 *
 *   h = SHA-512( 0x00 0x00 || key || stableId || key )       hash version 0, as libsignal
 *   h = SHA-512( h || key )                                    repeated iterations - 1 times
 *
 *   displayable half = h[0..30) as six 5-byte big-endian integers, each mod 100000, 5 digits each (30 digits)
 *   safety number    = the two halves, lexicographically smaller first (60 digits, equal on both sides)
 *
 * Scannable form (protobuf CombinedFingerprints, the local party's view; the peer's has local/remote swapped):
 *
 *   +------+---------+------+------+------+--------------+------+------+------+---------------+
 *   | 0x08 | version | 0x12 | 0x22 | 0x0a | 0x20 local32 | 0x1a | 0x22 | 0x0a | 0x20 remote32 |
 *   +------+---------+------+------+------+--------------+------+------+------+---------------+
 *    field 1 varint    field 2 {field 1: 32 bytes}         field 3 {field 1: 32 bytes}
 *
 * Tincan: key = the raw 32-byte Ed25519 public key, stableId = UTF-8 'tincan-safety-number-v1' for both
 * parties, 5200 iterations, scannable version 1 (spec/safety-numbers.md).
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, equalBytes, utf8 } from './bytes.ts';
import { isAcceptablePublicKey, PUBLIC_KEY_LENGTH } from './ed25519.ts';
import { ProtocolError } from './errors.ts';

/** Domain separation from Signal's numbers, whose stable ids are phone numbers or service ids. */
export const SAFETY_NUMBER_STABLE_ID = 'tincan-safety-number-v1';
export const SAFETY_NUMBER_ITERATIONS = 5200;
export const SAFETY_NUMBER_SCANNABLE_VERSION = 1;
export const SAFETY_NUMBER_DIGITS = 60;
export const SAFETY_NUMBER_GROUPS = 12;

/** libsignal's fingerprint hash version, hashed first; not the scannable version. */
const HASH_VERSION = new Uint8Array([0x00, 0x00]);
const HASH_LENGTH = 64;
const DISPLAY_BYTES = 30;
const SCANNABLE_BYTES = 32;
const STABLE_ID = utf8(SAFETY_NUMBER_STABLE_ID);
/** Protobuf keys (field number << 3 | wire type): 1 varint, 2 and 3 length-delimited. */
const VERSION_TAG = 0x08;
const LOCAL_TAG = 0x12;
const REMOTE_TAG = 0x1a;
const CONTENT_TAG = 0x0a;
const LOGICAL_HEADER = 4;
/** tag, length of the LogicalFingerprint, then its field 1 (content) tag and length. */
const logicalHeader = (tag: number) =>
  new Uint8Array([tag, SCANNABLE_BYTES + 2, CONTENT_TAG, SCANNABLE_BYTES]);

/** The iterated SHA-512 of one party; 64 bytes. Generic so that libsignal's own vector can check it. */
export function fingerprintHash(key: Uint8Array, stableId: Uint8Array, iterations: number): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(stableId, 'stableId');
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  }
  let hash = sha512(concatBytes(HASH_VERSION, key, stableId, key));
  // One buffer for every round: h || key, with h overwritten in place.
  const round = new Uint8Array(HASH_LENGTH + key.length);
  round.set(key, HASH_LENGTH);
  for (let i = 1; i < iterations; i++) {
    round.set(hash, 0);
    hash = sha512(round);
  }
  return hash;
}

/** 30 digits from the first 30 bytes of a fingerprint hash. */
export function displayableHalf(hash: Uint8Array): string {
  assertBytes(hash, 'hash', HASH_LENGTH);
  let digits = '';
  for (let offset = 0; offset < DISPLAY_BYTES; offset += 5) {
    // 40 bits fit exactly in a double: high byte * 2^32 + the next four as an unsigned 32-bit integer.
    const high = hash[offset]! * 2 ** 32;
    const low = ((hash[offset + 1]! << 24) | (hash[offset + 2]! << 16) | (hash[offset + 3]! << 8)) >>> 0;
    digits += String((high + low + hash[offset + 4]!) % 100000).padStart(5, '0');
  }
  return digits;
}

/** Both halves, the lexicographically smaller first, so both parties see the same string. */
export function displayableFingerprint(localHash: Uint8Array, remoteHash: Uint8Array): string {
  const local = displayableHalf(localHash);
  const remote = displayableHalf(remoteHash);
  return local <= remote ? local + remote : remote + local;
}

/** The protobuf CombinedFingerprints of the local party's view. */
export function scannableFingerprint(
  version: number,
  localHash: Uint8Array,
  remoteHash: Uint8Array,
): Uint8Array {
  assertUint32(version, 'version');
  assertBytes(localHash, 'localHash', HASH_LENGTH);
  assertBytes(remoteHash, 'remoteHash', HASH_LENGTH);
  return concatBytes(
    new Uint8Array([VERSION_TAG]),
    varint(version),
    logicalHeader(LOCAL_TAG),
    localHash.subarray(0, SCANNABLE_BYTES),
    logicalHeader(REMOTE_TAG),
    remoteHash.subarray(0, SCANNABLE_BYTES),
  );
}

function assertUint32(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be a uint32, got ${value}`);
  }
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return new Uint8Array(out);
}

/**
 * Strict parse of a scannable fingerprint: the version is read first, so that a code of another version is
 * reported as such even when the rest of it is not understood; after that only the exact canonical layout
 * of `expectedVersion` is accepted (no other fields, no other order, no non-minimal varints).
 */
export function parseScannable(
  scanned: Uint8Array,
  expectedVersion: number,
): { version: number; local: Uint8Array; remote: Uint8Array } {
  assertBytes(scanned, 'scanned');
  assertUint32(expectedVersion, 'expectedVersion');
  if (scanned[0] !== VERSION_TAG) {
    throw new ProtocolError('bad-encoding', 'scannable fingerprint must start with its version');
  }
  let version = 0;
  let offset = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = scanned[offset++];
    if (byte === undefined || shift > 28) throw new ProtocolError('bad-encoding', 'bad version varint');
    version += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && shift > 0) throw new ProtocolError('bad-encoding', 'non-minimal version varint');
      break;
    }
  }
  if (version > 0xffffffff) throw new ProtocolError('bad-encoding', 'version is not a uint32');
  if (version !== expectedVersion) {
    throw new ProtocolError(
      'bad-fingerprint-version',
      `scanned version ${version}, expected ${expectedVersion}`,
    );
  }
  // After the version: field 2 then field 3, each exactly {field 1: 32 bytes}, and nothing else.
  const localAt = offset + LOGICAL_HEADER;
  const remoteAt = localAt + SCANNABLE_BYTES + LOGICAL_HEADER;
  const hasHeader = (at: number, tag: number) =>
    equalBytes(scanned.subarray(at - LOGICAL_HEADER, at), logicalHeader(tag));
  if (
    scanned.length !== remoteAt + SCANNABLE_BYTES ||
    !hasHeader(localAt, LOCAL_TAG) ||
    !hasHeader(remoteAt, REMOTE_TAG)
  ) {
    throw new ProtocolError('bad-encoding', 'not a canonical CombinedFingerprints message');
  }
  return {
    version,
    local: scanned.slice(localAt, localAt + SCANNABLE_BYTES),
    remote: scanned.slice(remoteAt, remoteAt + SCANNABLE_BYTES),
  };
}

export interface SafetyNumber {
  /** 60 decimal digits, the same string on both sides. */
  readonly digits: string;
  /** The digits as 12 groups of 5, the unit people read aloud. */
  readonly groups: string[];
  /** The local party's scannable encoding, to show as a QR code. */
  readonly scannable: Uint8Array;
}

function checkIdentityKey(key: unknown, name: string): asserts key is Uint8Array {
  assertBytes(key, name, PUBLIC_KEY_LENGTH);
  if (!isAcceptablePublicKey(key))
    throw new ProtocolError('bad-key', `${name} is not an acceptable identity key`);
}

const tincanHash = (key: Uint8Array) => fingerprintHash(key, STABLE_ID, SAFETY_NUMBER_ITERATIONS);

/** Tincan's safety number for a conversation between two identity keys (about 10,400 SHA-512 calls). */
export function safetyNumber(localKey: Uint8Array, remoteKey: Uint8Array): SafetyNumber {
  checkIdentityKey(localKey, 'localKey');
  checkIdentityKey(remoteKey, 'remoteKey');
  const localHash = tincanHash(localKey);
  const remoteHash = tincanHash(remoteKey);
  const digits = displayableFingerprint(localHash, remoteHash);
  return {
    digits,
    groups: safetyNumberGroups(digits),
    scannable: scannableFingerprint(SAFETY_NUMBER_SCANNABLE_VERSION, localHash, remoteHash),
  };
}

/**
 * True if the peer's scanned code shows the same two keys. The peer's code has local and remote swapped.
 * Throws ProtocolError 'bad-fingerprint-version' or 'bad-encoding' for a code that cannot be compared.
 */
export function compareScannable(localKey: Uint8Array, remoteKey: Uint8Array, scanned: Uint8Array): boolean {
  checkIdentityKey(localKey, 'localKey');
  checkIdentityKey(remoteKey, 'remoteKey');
  // Parse before hashing, so that a malformed scan costs nothing.
  const theirs = parseScannable(scanned, SAFETY_NUMBER_SCANNABLE_VERSION);
  const localHash = tincanHash(localKey);
  const remoteHash = tincanHash(remoteKey);
  // One comparison over both halves, so the result does not leak which half differed.
  return equalBytes(
    concatBytes(theirs.local, theirs.remote),
    concatBytes(remoteHash.subarray(0, SCANNABLE_BYTES), localHash.subarray(0, SCANNABLE_BYTES)),
  );
}

/** Splits the 60 digits into 12 groups of 5. */
export function safetyNumberGroups(digits: string): string[] {
  if (typeof digits !== 'string' || digits.length !== SAFETY_NUMBER_DIGITS || !/^[0-9]*$/.test(digits)) {
    throw new RangeError(`digits must be a string of ${SAFETY_NUMBER_DIGITS} decimal digits`);
  }
  const size = SAFETY_NUMBER_DIGITS / SAFETY_NUMBER_GROUPS;
  return Array.from({ length: SAFETY_NUMBER_GROUPS }, (_, i) => digits.slice(i * size, (i + 1) * size));
}

/** Display text: groups separated by spaces, `groupsPerLine` groups to a line (Signal shows 3 lines of 4). */
export function formatSafetyNumber(digits: string, groupsPerLine = 4): string {
  if (!Number.isInteger(groupsPerLine) || groupsPerLine < 1) {
    throw new RangeError(`groupsPerLine must be a positive integer, got ${groupsPerLine}`);
  }
  const groups = safetyNumberGroups(digits);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += groupsPerLine)
    lines.push(groups.slice(i, i + groupsPerLine).join(' '));
  return lines.join('\n');
}
