/**
 * The call signalling bodies' values: their types, limits and code lists, shared by the encoder
 * (call-body-encode.ts) and the decoder (call-body-decode.ts), and the checks a receiver makes on a decoded
 * body. The byte layout is in call-signaling.ts.
 */
import { assertBytes, equalBytes, type RandomSource } from './bytes.ts';
import { type DtlsFingerprint, fingerprintBytes } from './dtls-fingerprint.ts';
import { MESSAGE_KIND } from './envelope.ts';
import { ProtocolError } from './errors.ts';

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
export const NO_MLINE_INDEX = 0xffff;

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

export const MEDIA: readonly CallMedia[] = ['audio', 'video', 'data'];
export const MAX_OFFERED_NAME_BYTES = 255;
export const MAX_OFFERED_TYPE_BYTES = 127;
export const TYPE_TEXT = /^[\x20-\x7e]*$/;
export const PURPOSES: readonly CallPurpose[] = ['call', 'renegotiate'];
export const REASONS: readonly HangupReason[] = ['normal', 'security', 'failed'];
export const ACTIONS: readonly ControlAction[] = [
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
export const CANDIDATE_TEXT = /^[\x20-\x7e]*$/;
export const CANDIDATE_PREFIX = 'candidate:';
export const MID_TEXT = /^[\x21-\x7e]*$/;
export const UFRAG_TEXT = /^[A-Za-z0-9+/]*$/;

/** Whether an offer carries the file it offers: a file session's own offer, not its renegotiation. */
export const carriesFile = (media: CallMedia, purpose: CallPurpose): boolean =>
  media === 'data' && purpose === 'call';

export const newCallId = (random: RandomSource): Uint8Array => {
  const id = random(CALL_ID_BYTES);
  assertBytes(id, 'random(16)', CALL_ID_BYTES);
  return id;
};

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
