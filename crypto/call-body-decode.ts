/**
 * Decodes a call signalling body (the layout is in call-signaling.ts): the canonical encoding only, anything
 * else a ProtocolError.
 */
import { assertBytes, fromUtf8, readU64be } from './bytes.ts';
import {
  ACTIONS,
  CALL_ID_BYTES,
  CALL_SIGNALING_VERSION,
  CANDIDATE_PREFIX,
  CANDIDATE_TEXT,
  type CallBody,
  type CallControl,
  type CallKind,
  type CallOffer,
  type ControlAction,
  carriesFile,
  type IceCandidate,
  isCallKind,
  MAX_CALL_BODY_BYTES,
  MAX_CALL_SDP_BYTES,
  MAX_CANDIDATE_BYTES,
  MAX_CANDIDATES_PER_BODY,
  MAX_MID_BYTES,
  MAX_OFFERED_TYPE_BYTES,
  MAX_UFRAG_BYTES,
  MEDIA,
  MID_TEXT,
  NO_MLINE_INDEX,
  type OfferedFile,
  PURPOSES,
  REASONS,
  TYPE_TEXT,
  UFRAG_TEXT,
} from './call-body.ts';
import { type DtlsFingerprint, fingerprintFromBytes, parseSdpFingerprint } from './dtls-fingerprint.ts';
import { MESSAGE_KIND } from './envelope.ts';
import { ProtocolError } from './errors.ts';
import { SAS_NONCE_BYTES } from './sas.ts';

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
