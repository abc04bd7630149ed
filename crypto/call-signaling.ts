/**
 * Call signalling bodies: what session envelopes of kinds callOffer, callAnswer, iceCandidate and callControl
 * carry. The envelope signs and seals them (crypto/envelope.ts), so the SDP inside an offer or answer IS the
 * signed SDP; this module makes each body say exactly one thing. Integers are big-endian, every length is
 * exact, nothing may follow the last field. The messenger wraps each payload in its padded body frame.
 *
 *   every body    | ver u8 = 1 | call id 16 | ...
 *
 *   callOffer (8)   | media u8 | purpose u8 | createdAt u64 ms | sas commitment 32 |
 *                   | fp n u8 | fingerprint n | sdp n u16 | sdp UTF-8 (1..MAX_CALL_SDP_BYTES) | [file] |
 *     file            (media 3 and purpose 0 only, else absent)
 *                     | size u64 (0..2^53-1) | n u8 | name UTF-8 (1..255) | n u8 | MIME type (0..127 printable ASCII) |
 *   callAnswer (9)  | purpose u8 | connects u8 | sas nonce 32 | fp n u8 | fingerprint n | sdp n u16 | sdp UTF-8 |
 *   iceCandidate (10) | count u8 (1..MAX_CANDIDATES_PER_BODY) | count × candidate |
 *     candidate       | m-line index u16 (0xffff: none) | mid n u8 | mid | ufrag n u8 | ufrag |
 *                     | candidate n u16 | candidate ASCII (0..MAX_CANDIDATE_BYTES; empty = end of candidates) |
 *   callControl (11)  | action u8 | argument (length fixed by the action: 0, 1 or 32 bytes) |
 *
 *   media:    1 audio, 2 video, 3 data (a file session: no camera, no microphone, one file offered)
 *   purpose:  0 the call itself (rings / accepts), 1 renegotiation
 *   connects: 0 the answering page may connect while it rings; 1 it connects only once the person accepts, so
 *             for the caller a verified DTLS handshake under this answer is the accept (always 0 in a
 *             renegotiation)
 *   fingerprint: the DTLS fingerprint in byte form (crypto/dtls-fingerprint.ts), which must equal the one
 *             the SDP's a=fingerprint lines name: the sender commits to it, the receiver's media gate
 *             compares it with the certificate the browser actually negotiated.
 *   actions:  1 ringing, 2 reject, 3 cancel, 4 busy, 5 hangup (argument: reason u8), 6 no-answer,
 *             7 ice-restart (asks the caller to restart ICE), 8 media (argument: flags u8),
 *             9 sas-reveal (argument: the caller's SAS nonce, 32 bytes), 10 accept (the person answered:
 *             an answer alone only sets up the connection, which may happen while it still rings)
 */
import {
  assertBytes,
  assertString,
  concatBytes,
  equalBytes,
  fromUtf8,
  type RandomSource,
  readU64be,
  u64be,
  utf8,
} from './bytes.ts';
import {
  type DtlsFingerprint,
  fingerprintBytes,
  fingerprintFromBytes,
  parseSdpFingerprint,
} from './dtls-fingerprint.ts';
import { MESSAGE_KIND } from './envelope.ts';
import { ProtocolError } from './errors.ts';
import { SAS_NONCE_BYTES } from './sas.ts';

export const CALL_SIGNALING_VERSION = 1;
export const CALL_ID_BYTES = 16;
/** A Chromium audio + video + data offer is about 5.5 KB; this leaves room and fits one padded body. */
export const MAX_CALL_SDP_BYTES = 16_000;
export const MAX_CANDIDATE_BYTES = 1024;
/**
 * Candidates travel together (a page gathers most of its own within a few milliseconds): one envelope for all of
 * a page's host candidates tells the relay nothing of how many network interfaces it has, and costs one
 * signature, not one per candidate. Eight of the longest candidates still fit the largest body.
 */
export const MAX_CANDIDATES_PER_BODY = 8;
/** No body is longer than the largest padded chat-layer body; checked before anything is parsed. */
export const MAX_CALL_BODY_BYTES = 16_384;
export const MAX_MID_BYTES = 32;
/** RFC 8839 allows 4..256 ice-chars; browsers use 4..32. */
export const MAX_UFRAG_BYTES = 64;
const NO_MLINE_INDEX = 0xffff;

/** What a call carries. 'data' is a file session: a data channel only, for the file its offer describes. */
export type CallMedia = 'audio' | 'video' | 'data';
export type CallPurpose = 'call' | 'renegotiate';
export type HangupReason = 'normal' | 'security' | 'failed';

export interface MediaFlags {
  readonly audioMuted: boolean;
  readonly videoOff: boolean;
  readonly screenSharing: boolean;
}

/** The file a data session offers: what the receiver is asked to accept before anything is connected. */
export interface OfferedFile {
  readonly size: number;
  /** 1..MAX_OFFERED_NAME_BYTES bytes of UTF-8, as the sender named it (the receiver cleans it before use). */
  readonly name: string;
  /** 0..MAX_OFFERED_TYPE_BYTES printable ASCII characters; empty when unknown. */
  readonly type: string;
}

export type CallOffer = {
  readonly type: 'offer';
  readonly callId: Uint8Array;
  readonly media: CallMedia;
  readonly purpose: CallPurpose;
  readonly createdAt: number;
  readonly sasCommitment: Uint8Array;
  readonly fingerprint: DtlsFingerprint;
  readonly sdp: string;
  /** Present exactly when media is 'data' and purpose is 'call'. */
  readonly file?: OfferedFile;
};

export type CallAnswer = {
  readonly type: 'answer';
  readonly callId: Uint8Array;
  readonly purpose: CallPurpose;
  /**
   * The answering page starts ICE only once its person accepts (its answer left while it rang, without any
   * address, or on the accept): the caller may take a verified DTLS handshake as the accept instead of waiting
   * for the control.
   */
  readonly connectsOnAccept: boolean;
  readonly sasNonce: Uint8Array;
  readonly fingerprint: DtlsFingerprint;
  readonly sdp: string;
};

export interface IceCandidate {
  /** Empty: end of candidates. */
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
}

export type IceCandidateBody = {
  readonly type: 'ice';
  readonly callId: Uint8Array;
  /** 1..MAX_CANDIDATES_PER_BODY, in the order they were gathered. */
  readonly candidates: readonly IceCandidate[];
};

export type CallControl =
  | { readonly type: 'control'; readonly callId: Uint8Array; readonly action: SimpleAction }
  | {
      readonly type: 'control';
      readonly callId: Uint8Array;
      readonly action: 'hangup';
      readonly reason: HangupReason;
    }
  | {
      readonly type: 'control';
      readonly callId: Uint8Array;
      readonly action: 'media';
      readonly flags: MediaFlags;
    }
  | {
      readonly type: 'control';
      readonly callId: Uint8Array;
      readonly action: 'sas-reveal';
      readonly nonce: Uint8Array;
    };

export type SimpleAction = 'ringing' | 'reject' | 'cancel' | 'busy' | 'no-answer' | 'ice-restart' | 'accept';
export type ControlAction = CallControl['action'];
export type CallBody = CallOffer | CallAnswer | IceCandidateBody | CallControl;
export type CallKind = (typeof CALL_KINDS)[number];

export const CALL_KINDS = [
  MESSAGE_KIND.callOffer,
  MESSAGE_KIND.callAnswer,
  MESSAGE_KIND.iceCandidate,
  MESSAGE_KIND.callControl,
] as const;
export const isCallKind = (kind: number): kind is CallKind =>
  (CALL_KINDS as readonly number[]).includes(kind);

const MEDIA: readonly CallMedia[] = ['audio', 'video', 'data'];
export const MAX_OFFERED_NAME_BYTES = 255;
export const MAX_OFFERED_TYPE_BYTES = 127;
const TYPE_TEXT = /^[\x20-\x7e]*$/;
const PURPOSES: readonly CallPurpose[] = ['call', 'renegotiate'];
const REASONS: readonly HangupReason[] = ['normal', 'security', 'failed'];
const ACTIONS: readonly ControlAction[] = [
  'ringing',
  'reject',
  'cancel',
  'busy',
  'hangup',
  'no-answer',
  'ice-restart',
  'media',
  'sas-reveal',
  'accept',
];
// Printable ASCII: candidate lines contain spaces; mids are tokens. ice-char is ALPHA / DIGIT / "+" / "/".
const CANDIDATE_TEXT = /^[\x20-\x7e]*$/;
const CANDIDATE_PREFIX = 'candidate:';
const MID_TEXT = /^[\x21-\x7e]*$/;
const UFRAG_TEXT = /^[A-Za-z0-9+/]*$/;

export const newCallId = (random: RandomSource): Uint8Array => {
  const id = random(CALL_ID_BYTES);
  assertBytes(id, 'random(16)', CALL_ID_BYTES);
  return id;
};

// ---------------------------------------------------------------------------------------------- encoding

export function encodeCallBody(body: CallBody): { kind: CallKind; payload: Uint8Array } {
  if (typeof body !== 'object' || body === null) throw new TypeError('body must be an object');
  const head = (callId: Uint8Array) => {
    assertBytes(callId, 'body.callId', CALL_ID_BYTES);
    return concatBytes(Uint8Array.of(CALL_SIGNALING_VERSION), callId);
  };
  switch (body.type) {
    case 'offer':
      return {
        kind: MESSAGE_KIND.callOffer,
        payload: concatBytes(
          head(body.callId),
          Uint8Array.of(
            code(MEDIA, body.media, 'body.media') + 1,
            code(PURPOSES, body.purpose, 'body.purpose'),
          ),
          timeBytes(body.createdAt),
          nonceBytes(body.sasCommitment, 'body.sasCommitment'),
          signedSdp(body.fingerprint, body.sdp),
          offeredFileBytes(body),
        ),
      };
    case 'answer':
      return {
        kind: MESSAGE_KIND.callAnswer,
        payload: concatBytes(
          head(body.callId),
          Uint8Array.of(code(PURPOSES, body.purpose, 'body.purpose'), connectsByte(body)),
          nonceBytes(body.sasNonce, 'body.sasNonce'),
          signedSdp(body.fingerprint, body.sdp),
        ),
      };
    case 'ice':
      return {
        kind: MESSAGE_KIND.iceCandidate,
        payload: concatBytes(head(body.callId), candidateListBytes(body.candidates)),
      };
    case 'control':
      return {
        kind: MESSAGE_KIND.callControl,
        payload: concatBytes(
          head(body.callId),
          Uint8Array.of(code(ACTIONS, body.action, 'body.action') + 1),
          argumentOf(body),
        ),
      };
    default:
      throw new TypeError(`body.type unknown: ${String((body as { type: unknown }).type)}`);
  }
}

function code<T>(list: readonly T[], value: T, name: string): number {
  const index = list.indexOf(value);
  if (index < 0) throw new RangeError(`${name} unknown: ${String(value)}`);
  return index;
}

function timeBytes(ms: number): Uint8Array {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError('body.createdAt must be a non-negative safe integer');
  return u64be(ms);
}

const carriesFile = (media: CallMedia, purpose: CallPurpose): boolean =>
  media === 'data' && purpose === 'call';

function offeredFileBytes(body: CallOffer): Uint8Array {
  const { file } = body;
  if (!carriesFile(body.media, body.purpose)) {
    if (file !== undefined) throw new RangeError('body.file belongs only to a data offer of purpose call');
    return new Uint8Array(0);
  }
  if (typeof file !== 'object' || file === null) throw new TypeError('body.file must be an object');
  if (!Number.isSafeInteger(file.size) || file.size < 0)
    throw new RangeError('body.file.size must be a non-negative safe integer');
  assertString(file.name, 'body.file.name');
  const name = utf8(file.name);
  if (name.length < 1 || name.length > MAX_OFFERED_NAME_BYTES)
    throw new RangeError(
      `body.file.name must be 1..${MAX_OFFERED_NAME_BYTES} UTF-8 bytes, got ${name.length}`,
    );
  const type = boundedAscii(file.type, 'body.file.type', TYPE_TEXT, MAX_OFFERED_TYPE_BYTES);
  return concatBytes(u64be(file.size), Uint8Array.of(name.length), name, Uint8Array.of(type.length), type);
}

function connectsByte(body: CallAnswer): number {
  if (typeof body.connectsOnAccept !== 'boolean')
    throw new TypeError('body.connectsOnAccept must be a boolean');
  if (body.connectsOnAccept && body.purpose !== 'call')
    throw new RangeError('only the answer to the call itself may connect on accept');
  return body.connectsOnAccept ? 1 : 0;
}

function nonceBytes(value: Uint8Array, name: string): Uint8Array {
  assertBytes(value, name, SAS_NONCE_BYTES);
  return value;
}

/** The committed fingerprint and the SDP, refusing to encode an SDP that names another certificate. */
function signedSdp(fingerprint: DtlsFingerprint, sdp: string): Uint8Array {
  assertString(sdp, 'body.sdp');
  const text = utf8(sdp);
  if (text.length < 1 || text.length > MAX_CALL_SDP_BYTES) {
    throw new RangeError(`body.sdp must be 1..${MAX_CALL_SDP_BYTES} UTF-8 bytes, got ${text.length}`);
  }
  const committed = fingerprintBytes(fingerprint);
  let inSdp: Uint8Array;
  try {
    inSdp = fingerprintBytes(parseSdpFingerprint(sdp));
  } catch (error) {
    throw new RangeError(`body.sdp has no usable fingerprint: ${String(error)}`);
  }
  if (!equalBytes(committed, inSdp))
    throw new RangeError('body.fingerprint differs from the SDP fingerprint');
  return concatBytes(Uint8Array.of(committed.length), committed, u16(text.length), text);
}

function candidateListBytes(candidates: readonly IceCandidate[]): Uint8Array {
  if (!Array.isArray(candidates)) throw new TypeError('body.candidates must be an array');
  if (candidates.length < 1 || candidates.length > MAX_CANDIDATES_PER_BODY)
    throw new RangeError(`body.candidates must hold 1..${MAX_CANDIDATES_PER_BODY} candidates`);
  return concatBytes(Uint8Array.of(candidates.length), ...candidates.map(candidateBytes));
}

/** Whether this format carries the candidate: a browser may gather one too long or with characters it refuses. */
export function candidateFits(candidate: IceCandidate): boolean {
  try {
    candidateBytes(candidate);
    return true;
  } catch {
    return false;
  }
}

function candidateBytes(body: IceCandidate): Uint8Array {
  const candidate = boundedAscii(body.candidate, 'body.candidate', CANDIDATE_TEXT, MAX_CANDIDATE_BYTES);
  // What the decoder refuses is not encoded either: in a body of several, it would lose the peer them all.
  if (body.candidate !== '' && !body.candidate.startsWith(CANDIDATE_PREFIX))
    throw new RangeError(`body.candidate must be empty or start with "${CANDIDATE_PREFIX}"`);
  const mid =
    body.sdpMid === null
      ? new Uint8Array(0)
      : boundedAscii(body.sdpMid, 'body.sdpMid', MID_TEXT, MAX_MID_BYTES);
  const ufrag =
    body.usernameFragment === null
      ? new Uint8Array(0)
      : boundedAscii(body.usernameFragment, 'body.usernameFragment', UFRAG_TEXT, MAX_UFRAG_BYTES);
  const index = body.sdpMLineIndex;
  if (index !== null && (!Number.isInteger(index) || index < 0 || index >= NO_MLINE_INDEX)) {
    throw new RangeError('body.sdpMLineIndex must be null or 0..65534');
  }
  return concatBytes(
    u16(index ?? NO_MLINE_INDEX),
    Uint8Array.of(mid.length),
    mid,
    Uint8Array.of(ufrag.length),
    ufrag,
    u16(candidate.length),
    candidate,
  );
}

function boundedAscii(value: string, name: string, pattern: RegExp, max: number): Uint8Array {
  assertString(value, name);
  if (value.length > max || !pattern.test(value))
    throw new RangeError(`${name} must be 0..${max} characters of ${pattern}`);
  return utf8(value);
}

function argumentOf(body: CallControl): Uint8Array {
  switch (body.action) {
    case 'hangup':
      return Uint8Array.of(code(REASONS, body.reason, 'body.reason'));
    case 'media': {
      const { flags } = body;
      if (typeof flags !== 'object' || flags === null) throw new TypeError('body.flags must be an object');
      return Uint8Array.of(
        (flags.audioMuted ? 1 : 0) | (flags.videoOff ? 2 : 0) | (flags.screenSharing ? 4 : 0),
      );
    }
    case 'sas-reveal':
      return nonceBytes(body.nonce, 'body.nonce');
    default:
      return new Uint8Array(0);
  }
}

const u16 = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);

// ---------------------------------------------------------------------------------------------- decoding

class _Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length)
      throw new ProtocolError('bad-length', 'truncated call body');
    this.offset += length;
    return this.bytes.slice(this.offset - length, this.offset);
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    const [high, low] = this.take(2);
    return (high! << 8) | low!;
  }
  end(): void {
    if (this.offset !== this.bytes.length)
      throw new ProtocolError('bad-length', 'trailing bytes after call body');
  }
}

/**
 * Throws ProtocolError for anything but the canonical encoding of a call body of a call kind, including an
 * SDP whose fingerprint is not the one the body commits to ('fingerprint-mismatch'). Never critical: a bad
 * call body fails that call, not the session.
 */
export function decodeCallBody(kind: number, payload: Uint8Array): CallBody {
  assertBytes(payload, 'payload');
  if (!Number.isInteger(kind) || !isCallKind(kind))
    throw new ProtocolError('bad-type', `message kind ${String(kind)} is not a call body`);
  if (payload.length > MAX_CALL_BODY_BYTES)
    throw new ProtocolError('too-large', `call body of ${payload.length} bytes`);
  const reader = new _Reader(payload);
  const version = reader.u8();
  if (version !== CALL_SIGNALING_VERSION)
    throw new ProtocolError('bad-version', `call body version ${version}`);
  const callId = reader.take(CALL_ID_BYTES);
  const body = decodeRest(kind, callId, reader);
  reader.end();
  return body;
}

function decodeRest(kind: CallKind, callId: Uint8Array, reader: _Reader): CallBody {
  switch (kind) {
    case MESSAGE_KIND.callOffer: {
      const media = enumAt(MEDIA, reader.u8() - 1, 'media');
      const purpose = enumAt(PURPOSES, reader.u8(), 'purpose');
      const createdAt = readTime(reader.take(8));
      const sasCommitment = reader.take(SAS_NONCE_BYTES);
      const { fingerprint, sdp } = readSignedSdp(reader);
      const offer: CallOffer = {
        type: 'offer',
        callId,
        media,
        purpose,
        createdAt,
        sasCommitment,
        fingerprint,
        sdp,
      };
      return carriesFile(media, purpose) ? { ...offer, file: readOfferedFile(reader) } : offer;
    }
    case MESSAGE_KIND.callAnswer: {
      const purpose = enumAt(PURPOSES, reader.u8(), 'purpose');
      const connects = reader.u8();
      if (connects > 1 || (connects === 1 && purpose !== 'call'))
        throw new ProtocolError('bad-encoding', `answer connects ${connects} (purpose ${purpose})`);
      const sasNonce = reader.take(SAS_NONCE_BYTES);
      const { fingerprint, sdp } = readSignedSdp(reader);
      return {
        type: 'answer',
        callId,
        purpose,
        connectsOnAccept: connects === 1,
        sasNonce,
        fingerprint,
        sdp,
      };
    }
    case MESSAGE_KIND.iceCandidate: {
      const count = reader.u8();
      if (count === 0) throw new ProtocolError('bad-length', 'no candidate in the body');
      if (count > MAX_CANDIDATES_PER_BODY)
        throw new ProtocolError('too-large', `${count} candidates in one body`);
      const candidates: IceCandidate[] = [];
      for (let i = 0; i < count; i++) candidates.push(readCandidate(reader));
      return { type: 'ice', callId, candidates };
    }
    case MESSAGE_KIND.callControl:
      return readControl(callId, enumAt(ACTIONS, reader.u8() - 1, 'action'), reader);
  }
}

function readCandidate(reader: _Reader): IceCandidate {
  const index = reader.u16();
  const mid = readAscii(reader.take(reader.u8()), MID_TEXT, MAX_MID_BYTES, 'mid');
  const ufrag = readAscii(reader.take(reader.u8()), UFRAG_TEXT, MAX_UFRAG_BYTES, 'ufrag');
  const candidate = readAscii(reader.take(reader.u16()), CANDIDATE_TEXT, MAX_CANDIDATE_BYTES, 'candidate');
  if (candidate !== '' && !candidate.startsWith(CANDIDATE_PREFIX)) {
    throw new ProtocolError('bad-encoding', `ICE candidate must start with "${CANDIDATE_PREFIX}"`);
  }
  return {
    candidate,
    sdpMid: mid === '' ? null : mid,
    sdpMLineIndex: index === NO_MLINE_INDEX ? null : index,
    usernameFragment: ufrag === '' ? null : ufrag,
  };
}

function readControl(callId: Uint8Array, action: ControlAction, reader: _Reader): CallControl {
  switch (action) {
    case 'hangup':
      return { type: 'control', callId, action, reason: enumAt(REASONS, reader.u8(), 'hangup reason') };
    case 'media': {
      const bits = reader.u8();
      if (bits > 7) throw new ProtocolError('bad-encoding', `media flags ${bits}`);
      const flags = {
        audioMuted: (bits & 1) !== 0,
        videoOff: (bits & 2) !== 0,
        screenSharing: (bits & 4) !== 0,
      };
      return { type: 'control', callId, action, flags };
    }
    case 'sas-reveal':
      return { type: 'control', callId, action, nonce: reader.take(SAS_NONCE_BYTES) };
    default:
      return { type: 'control', callId, action };
  }
}

function enumAt<T>(list: readonly T[], index: number, what: string): T {
  const value = list[index];
  if (value === undefined) throw new ProtocolError('bad-encoding', `${what} ${index}`);
  return value;
}

function readOfferedFile(reader: _Reader): OfferedFile {
  const size = readU64be(reader.take(8), 0);
  if (size > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProtocolError('bad-encoding', 'file size out of range');
  const nameLength = reader.u8();
  if (nameLength === 0) throw new ProtocolError('bad-length', 'empty file name');
  let name: string;
  try {
    name = fromUtf8(reader.take(nameLength));
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('bad-encoding', 'file name is not UTF-8');
  }
  const type = readAscii(reader.take(reader.u8()), TYPE_TEXT, MAX_OFFERED_TYPE_BYTES, 'file type');
  return { size: Number(size), name, type };
}

function readTime(bytes: Uint8Array): number {
  const value = readU64be(bytes, 0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProtocolError('bad-encoding', 'createdAt out of range');
  return Number(value);
}

function readAscii(bytes: Uint8Array, pattern: RegExp, max: number, what: string): string {
  if (bytes.length > max) throw new ProtocolError('too-large', `${what} of ${bytes.length} bytes`);
  const text = String.fromCharCode(...bytes);
  if (!pattern.test(text))
    throw new ProtocolError('bad-encoding', `${what} has characters outside ${pattern}`);
  return text;
}

function readSignedSdp(reader: _Reader): { fingerprint: DtlsFingerprint; sdp: string } {
  const fingerprint = fingerprintFromBytes(reader.take(reader.u8()));
  const length = reader.u16();
  if (length > MAX_CALL_SDP_BYTES) throw new ProtocolError('too-large', `SDP of ${length} bytes`);
  if (length === 0) throw new ProtocolError('bad-length', 'empty SDP');
  let sdp: string;
  try {
    sdp = fromUtf8(reader.take(length));
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('bad-encoding', 'SDP is not UTF-8');
  }
  const named = parseSdpFingerprint(sdp);
  if (named.algorithm !== fingerprint.algorithm || named.value !== fingerprint.value) {
    throw new ProtocolError(
      'fingerprint-mismatch',
      'the SDP names another certificate than the body commits to',
    );
  }
  return { fingerprint, sdp };
}

// ---------------------------------------------------------------------------------------------- checks

/** An offer that rings must be this recent (either way: clocks drift, and a relay may hold envelopes). */
export const OFFER_MAX_AGE_MS = 60_000;

/** ProtocolError('too-old') for a ringing offer created more than OFFER_MAX_AGE_MS away from `now`. */
export function assertFreshOffer(offer: CallOffer, now: number): void {
  if (typeof offer !== 'object' || offer === null) throw new TypeError('offer must be an object');
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError('now must be a non-negative safe integer');
  if (Math.abs(now - offer.createdAt) > OFFER_MAX_AGE_MS) {
    throw new ProtocolError('too-old', `offer created ${now - offer.createdAt} ms before now`);
  }
}

/** True when two fingerprints name the same certificate digest (renegotiation may not change it). */
export function sameFingerprint(a: DtlsFingerprint, b: DtlsFingerprint): boolean {
  return equalBytes(fingerprintBytes(a), fingerprintBytes(b));
}
