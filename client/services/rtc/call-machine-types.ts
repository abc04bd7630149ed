/**
 * What the call machine (call-machine.ts) is made of: a call's state, the events it is fed, the effects it asks
 * for, and its timeouts.
 */
import type {
  CallAnswer,
  CallBody,
  CallMedia,
  CallOffer,
  IceCandidateBody,
  MediaFlags,
} from '../../../crypto/call-signaling.ts';
import type { DtlsFingerprint } from '../../../crypto/dtls-fingerprint.ts';

export type CallRole = 'caller' | 'callee';
export type CallPhase = 'outgoing' | 'incoming' | 'connecting' | 'active' | 'reconnecting' | 'ended';
export type EndReason =
  /** We hung up (or cancelled our own call before it was answered). */
  | 'hung-up'
  | 'remote-hung-up'
  /** They rejected our call. */
  | 'rejected'
  /** We rejected theirs. */
  | 'declined'
  | 'busy'
  /** Our call was not answered in time. */
  | 'no-answer'
  /** Their call stopped ringing before we answered (cancelled or timed out). */
  | 'missed'
  /** Could not connect, or the connection was lost for good. */
  | 'failed'
  /** Certificate or signed data did not check out: the call may be intercepted. */
  | 'security'
  /** The peer ended the call for a security reason. */
  | 'remote-security'
  /** No camera or microphone could be opened. */
  | 'media-error';

export interface CallState {
  /** Hex; empty for a refused call whose body could not even be read. */
  readonly callId: string;
  /** Hex identity key of the other side. */
  readonly peer: string;
  readonly role: CallRole;
  readonly media: CallMedia;
  readonly phase: CallPhase;
  /** Caller: the callee's page said it is ringing. */
  readonly remoteRinging: boolean;
  /** The answer was sent (callee) or applied (caller): ICE and DTLS may run, media may not. */
  readonly answered: boolean;
  /**
   * The callee accepted (the callee's own click; for the caller the 'accept' control, or a verified handshake
   * under an answer that connects only on accept).
   */
  readonly accepted: boolean;
  /** The call's answer (ours as callee, theirs as caller) said its page connects only once the person accepts. */
  readonly connectsOnAccept: boolean;
  /** Our gate saw the peer's signed certificate. The gate opens once accepted && verified. */
  readonly verified: boolean;
  readonly createdAt: number;
  /** When the current phase times out (ms), or null. */
  readonly deadline: number | null;
  /** Reconnecting after 'disconnected': when to ask for an ICE restart, unless one was asked for already. */
  readonly restartAt: number | null;
  /**
   * Callee: when to send the accept again, until a media-flags control from the caller (sent once its gate
   * opens) shows it arrived; null once it has, or after the last try. Call control is not acknowledged, and a
   * lost accept would leave the caller ringing while we are in the call.
   */
  readonly acceptAgainAt: number | null;
  readonly acceptsLeft: number;
  /** When the gate first opened. */
  readonly connectedAt: number | null;
  readonly endReason: EndReason | null;
  readonly endedAt: number | null;
  readonly localFingerprint: DtlsFingerprint | null;
  readonly remoteFingerprint: DtlsFingerprint | null;
  /** The caller's SAS commitment (sent by us as caller, received as callee). */
  readonly commitment: Uint8Array | null;
  readonly localNonce: Uint8Array | null;
  readonly remoteNonce: Uint8Array | null;
  readonly remoteMedia: MediaFlags;
  /** Callee: the offer to answer once the user accepts. */
  readonly offer: CallOffer | null;
  /** When the TURN credentials in use expire (ms, our clock), or null without TURN. */
  readonly turnExpiresAt: number | null;
  /** When to ask the relay for fresh TURN credentials; null without TURN or while a request is out. */
  readonly turnRenewAt: number | null;
  /** Renewals refused in a row (the relay's TURN budget spent, or the relay away): the backoff grows with it. */
  readonly turnRefusals: number;
  /** The credentials ran out before fresh ones came: the user was told. */
  readonly turnLapsed: boolean;
}

export interface Timeouts {
  /** Caller: ringing without an answer. */
  readonly ringMs: number;
  /** Callee: ringing without the caller's cancel or no-answer (it may have gone offline). */
  readonly incomingMs: number;
  /** From the answer to the gate opening. */
  readonly connectMs: number;
  /** From losing the connection to giving up. */
  readonly reconnectMs: number;
  /**
   * From 'disconnected' to asking for an ICE restart if the path has not come back by itself. Chromium says
   * 'failed' only some 10 s after 'disconnected'; a restart is cheap (DTLS and the gate stay as they are).
   */
  readonly restartAfterMs: number;
  /** Callee: from the accept (and each repeat) to sending it again, if the caller has not shown it arrived. */
  readonly acceptAgainMs: number;
}

/**
 * TURN credentials last only minutes (the relay's TURN_TTL), and coturn checks them on every refresh of an
 * allocation, permission or channel: a relayed call renews them at half their lifetime, never sooner than this
 * after the last ones came (a clock far off the relay's would otherwise ask again at every tick).
 */
export const TURN_RENEW_MIN_MS = 10_000;
/** A refused renewal is asked again after this, doubling per refusal in a row, up to TURN_RETRY_MAX_MS. */
export const TURN_RETRY_MS = 5_000;
export const TURN_RETRY_MAX_MS = 60_000;

/** How many times the callee sends its accept again (spec/calls.md, The flow). */
export const ACCEPT_REPEATS = 3;

export const DEFAULT_TIMEOUTS: Timeouts = {
  ringMs: 45_000,
  incomingMs: 60_000,
  connectMs: 30_000,
  reconnectMs: 30_000,
  restartAfterMs: 2_500,
  acceptAgainMs: 3_000,
};

export interface StepContext {
  readonly now: number;
  readonly timeouts?: Partial<Timeouts>;
}

export type CallEvent =
  /** The service made the offer (peer connection, muted senders, local description). */
  | { type: 'dialed'; peer: string; offer: CallOffer; nonce: Uint8Array }
  /** A signed call body from `peer`, decoded. */
  | { type: 'received'; peer: string; body: CallBody }
  /** A call body from `peer` that failed to decode (a tampered or inconsistent signed body). */
  | { type: 'bad-body'; peer: string; code: string }
  /** Callee: the service made the answer (while ringing, or on accept). */
  | { type: 'answered'; answer: CallAnswer }
  /** Callee: the user accepted, after the answer was made, with the camera and microphone ready. */
  | { type: 'accepted' }
  | { type: 'decline' }
  | { type: 'hangup' }
  /** The service could not go on locally (no camera, peer connection error). */
  | { type: 'local-failure'; reason: 'media-error' | 'failed' }
  | { type: 'gate'; verdict: 'verified' | 'mismatch' | 'dtls-failed' }
  /** The people compared the words and they differ. */
  | { type: 'sas-mismatch' }
  | { type: 'connection'; state: 'connected' | 'disconnected' | 'failed' }
  /**
   * The TURN credentials the peer connection uses, expiring at `expiresAt` (ms, our clock): those it was made
   * with (`renewed` false) or fresh ones the service has just applied (`renewed` true, after 'renew-turn').
   */
  | { type: 'turn-credentials'; expiresAt: number; renewed: boolean }
  /** The relay gave no fresh TURN credentials (its budget spent, or it is away): try again later. */
  | { type: 'turn-refused' }
  | { type: 'tick' };

export type CallEffect =
  | { type: 'send'; peer: string; body: CallBody }
  | { type: 'ring'; on: boolean }
  | { type: 'notify-incoming' }
  /** Apply the peer's answer, renegotiation offer or candidate to the peer connection. */
  | { type: 'apply'; body: CallAnswer | CallOffer | IceCandidateBody }
  /**
   * Caller: ICE restart (restartIce, new offer with purpose 'renegotiate'); `forTurn` when it is for fresh TURN
   * credentials of ours, which a restart already under way may have been made without.
   */
  | { type: 'restart-ice'; forTurn?: true }
  | { type: 'open-gate' }
  /** Ask the relay for fresh TURN credentials and apply them ('turn-credentials' or 'turn-refused' follows). */
  | { type: 'renew-turn' }
  /** The TURN credentials expired before fresh ones came: a relayed path may drop; tell the user. */
  | { type: 'turn-lapsed' }
  /** Close the peer connection, stop every track, close the gate. */
  | { type: 'teardown' };

export interface StepResult {
  readonly state: CallState | null;
  readonly effects: CallEffect[];
}
