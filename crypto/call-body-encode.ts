/**
 * Encodes a call signalling body (the layout is in call-signaling.ts): canonical bytes, or a TypeError or
 * RangeError for a value the format cannot carry.
 */
import { assertBytes, assertString, concatBytes, equalBytes, u64be, utf8 } from './bytes.ts';
import {
  ACTIONS,
  CALL_ID_BYTES,
  CALL_SIGNALING_VERSION,
  CANDIDATE_PREFIX,
  CANDIDATE_TEXT,
  type CallAnswer,
  type CallBody,
  type CallControl,
  type CallKind,
  type CallOffer,
  carriesFile,
  type IceCandidate,
  MAX_CALL_SDP_BYTES,
  MAX_CANDIDATE_BYTES,
  MAX_CANDIDATES_PER_BODY,
  MAX_MID_BYTES,
  MAX_OFFERED_NAME_BYTES,
  MAX_OFFERED_TYPE_BYTES,
  MAX_UFRAG_BYTES,
  MEDIA,
  MID_TEXT,
  NO_MLINE_INDEX,
  PURPOSES,
  REASONS,
  TYPE_TEXT,
  UFRAG_TEXT,
} from './call-body.ts';
import { type DtlsFingerprint, fingerprintBytes, parseSdpFingerprint } from './dtls-fingerprint.ts';
import { MESSAGE_KIND } from './envelope.ts';
import { SAS_NONCE_BYTES } from './sas.ts';

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
