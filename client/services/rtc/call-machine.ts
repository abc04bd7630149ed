/**
 * One call's life as a pure state machine: `step(state, event, context) -> { state, effects }`. It owns no
 * RTCPeerConnection, timer or socket; the call service feeds it events (what the user did, signed bodies from
 * the peer, what the browser reported, the clock) and performs its effects.
 *
 *   caller:  dial ──▶ outgoing ──── accept (control) ──▶ connecting ──gate verified──▶ active ⇄ reconnecting
 *   callee:  offer ─▶ incoming ──── accept (user) ─────▶ connecting ──gate verified──▶ active ⇄ reconnecting
 *   any phase ──▶ ended (hang-up, reject, cancel, busy, no answer, timeout, failure, security)
 *
 * A file session is the same machine with media 'data': its offer describes one file and does not ring (the
 * chat asks whether to accept it), and 'open-gate' is when the sender may open the file channel.
 *
 * The answer and the accept are separate: an answer sets up ICE and DTLS, and may be sent while the phone still
 * rings (when that reveals nothing new, see the call service); only the callee's accept, together with a
 * verified certificate, opens the gates. The gate opens exactly once, when `accepted && verified` first holds;
 * before that every sender is muted, whatever the phase. An answer that says its page connects only once the
 * person accepts (`connectsOnAccept`) makes the callee's verified DTLS handshake the accept for the caller: it
 * need not wait for the control to cross the relay.
 *
 * Security endings ('security') come from a certificate that is not the signed one, a SAS reveal that does not
 * open the caller's commitment, or a renegotiation that changes the signed fingerprint: the call is hung up at
 * once with reason 'security', and no media has been or will be sent (the gate never opened, or is closed).
 */
import { compareBytes, fromHex, toHex } from '../../../crypto/bytes.ts';
import {
  assertFreshOffer,
  type CallAnswer,
  type CallBody,
  type CallControl,
  type CallMedia,
  type CallOffer,
  type HangupReason,
  type IceCandidateBody,
  type MediaFlags,
  type SimpleAction,
  sameFingerprint,
} from '../../../crypto/call-signaling.ts';
import type { DtlsFingerprint } from '../../../crypto/dtls-fingerprint.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import { checkSasReveal, deriveSas, type Sas } from '../../../crypto/sas.ts';

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

const NO_FLAGS: MediaFlags = { audioMuted: false, videoOff: false, screenSharing: false };
const LIVE: readonly CallPhase[] = ['connecting', 'active', 'reconnecting'];

export const isLive = (state: CallState | null): state is CallState =>
  state !== null && state.phase !== 'ended';

export function step(state: CallState | null, event: CallEvent, context: StepContext): StepResult {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...context.timeouts };
  const { now } = context;
  switch (event.type) {
    case 'dialed': {
      if (isLive(state)) throw new Error('already in a call');
      const { offer } = event;
      return {
        state: {
          ...fresh(toHex(offer.callId), event.peer, 'caller', offer.media, now),
          phase: 'outgoing',
          deadline: now + timeouts.ringMs,
          localFingerprint: offer.fingerprint,
          commitment: offer.sasCommitment,
          localNonce: event.nonce,
        },
        effects: [{ type: 'send', peer: event.peer, body: offer }],
      };
    }
    case 'received':
      return received(state, event.peer, event.body, now, timeouts);
    case 'bad-body':
      if (isLive(state) && state.peer === event.peer) return securityEnd(state, now);
      if (isLive(state)) return { state, effects: [] };
      // No call with them: show that a call (or something claiming to be one) was refused.
      return {
        state: {
          ...fresh('', event.peer, 'callee', 'audio', now),
          phase: 'ended',
          endReason: 'security',
          endedAt: now,
        },
        effects: [],
      };
    case 'answered': {
      if (!isLive(state) || state.phase !== 'incoming' || state.answered) return { state, effects: [] };
      const { answer } = event;
      return {
        state: {
          ...state,
          answered: true,
          connectsOnAccept: answer.connectsOnAccept,
          localFingerprint: answer.fingerprint,
          localNonce: answer.sasNonce,
        },
        effects: [{ type: 'send', peer: state.peer, body: answer }],
      };
    }
    case 'accepted': {
      if (!isLive(state) || state.phase !== 'incoming' || !state.answered) return { state, effects: [] };
      // Under an answer that connects on accept our handshake tells the caller; the control need not be repeated.
      const repeats = state.connectsOnAccept ? 0 : ACCEPT_REPEATS;
      const accepted = phaseAfterAccept(
        {
          ...state,
          accepted: true,
          offer: null,
          acceptAgainAt: repeats > 0 ? now + timeouts.acceptAgainMs : null,
          acceptsLeft: repeats,
        },
        now,
        timeouts,
      );
      return {
        state: accepted,
        // The tracks go on before anything is sealed and sent: the first frame waits for them, not for the accept.
        effects: [
          ...(accepted.phase === 'active' ? [{ type: 'open-gate' } as const] : []),
          { type: 'ring', on: false },
          control(state, 'accept'),
        ],
      };
    }
    case 'decline':
      if (!isLive(state) || state.phase !== 'incoming') return { state, effects: [] };
      return end(state, 'declined', now, control(state, 'reject'));
    case 'hangup':
      if (!isLive(state)) return { state, effects: [] };
      if (state.phase === 'incoming') return end(state, 'declined', now, control(state, 'reject'));
      if (state.phase === 'outgoing') return end(state, 'hung-up', now, control(state, 'cancel'));
      return end(state, 'hung-up', now, hangup(state, 'normal'));
    case 'local-failure':
      if (!isLive(state)) return { state, effects: [] };
      return end(
        state,
        event.reason,
        now,
        state.phase === 'incoming'
          ? control(state, 'reject')
          : state.phase === 'outgoing'
            ? control(state, 'cancel')
            : hangup(state, 'failed'),
      );
    case 'gate':
      if (!isLive(state) || !state.answered) return { state, effects: [] };
      if (event.verdict !== 'verified') return securityEnd(state, now);
      if (state.verified) return { state, effects: [] };
      // The callee's page connects only once its person accepted: for the caller the handshake is the accept.
      if (!state.accepted && !(state.role === 'caller' && state.connectsOnAccept))
        return { state: { ...state, verified: true }, effects: [] };
      return {
        state: {
          ...state,
          verified: true,
          accepted: true,
          phase: 'active',
          connectedAt: now,
          deadline: null,
        },
        effects: [{ type: 'open-gate' }],
      };
    case 'sas-mismatch':
      return isLive(state) && LIVE.includes(state.phase) ? securityEnd(state, now) : { state, effects: [] };
    case 'connection':
      return connection(state, event.state, now, timeouts);
    case 'turn-credentials':
      return turnCredentials(state, event.expiresAt, event.renewed, now);
    case 'turn-refused':
      if (!isLive(state) || state.turnExpiresAt === null) return { state, effects: [] };
      return {
        state: {
          ...state,
          turnRenewAt: now + Math.min(TURN_RETRY_MS * 2 ** state.turnRefusals, TURN_RETRY_MAX_MS),
          turnRefusals: state.turnRefusals + 1,
        },
        effects: [],
      };
    case 'tick':
      return tick(state, now, timeouts);
  }
}

function fresh(callId: string, peer: string, role: CallRole, media: CallMedia, now: number): CallState {
  return {
    callId,
    peer,
    role,
    media,
    phase: 'outgoing',
    remoteRinging: false,
    answered: false,
    accepted: false,
    connectsOnAccept: false,
    verified: false,
    createdAt: now,
    deadline: null,
    restartAt: null,
    acceptAgainAt: null,
    acceptsLeft: 0,
    connectedAt: null,
    endReason: null,
    endedAt: null,
    localFingerprint: null,
    remoteFingerprint: null,
    commitment: null,
    localNonce: null,
    remoteNonce: null,
    remoteMedia: NO_FLAGS,
    offer: null,
    turnExpiresAt: null,
    turnRenewAt: null,
    turnRefusals: 0,
    turnLapsed: false,
  };
}

const callIdOf = (state: CallState): Uint8Array => fromHex(state.callId);

function control(state: CallState, action: SimpleAction): CallEffect {
  return { type: 'send', peer: state.peer, body: { type: 'control', callId: callIdOf(state), action } };
}

function hangup(state: CallState, reason: HangupReason): CallEffect {
  return {
    type: 'send',
    peer: state.peer,
    body: { type: 'control', callId: callIdOf(state), action: 'hangup', reason },
  };
}

function end(state: CallState, reason: EndReason, now: number, ...effects: CallEffect[]): StepResult {
  const ringing =
    state.phase === 'incoming' && state.media !== 'data' ? [{ type: 'ring', on: false } as const] : [];
  return {
    state: {
      ...state,
      phase: 'ended',
      endReason: reason,
      endedAt: now,
      deadline: null,
      offer: null,
      turnRenewAt: null,
    },
    effects: [...ringing, ...effects, { type: 'teardown' }],
  };
}

const securityEnd = (state: CallState, now: number): StepResult =>
  end(state, 'security', now, hangup(state, 'security'));

function received(
  state: CallState | null,
  peer: string,
  body: CallBody,
  now: number,
  timeouts: Timeouts,
): StepResult {
  const callId = toHex(body.callId);
  const ours = isLive(state) && state.peer === peer && state.callId === callId;
  if (body.type === 'offer' && body.purpose === 'call' && !ours)
    return incoming(state, peer, body, now, timeouts);
  if (!ours) return { state, effects: [] };
  switch (body.type) {
    case 'offer':
    case 'answer':
      return signedDescription(state, body, now);
    case 'ice':
      return { state, effects: [{ type: 'apply', body }] };
    case 'control':
      return controlReceived(state, body, now, timeouts);
  }
}

function incoming(
  state: CallState | null,
  peer: string,
  offer: CallOffer,
  now: number,
  timeouts: Timeouts,
): StepResult {
  try {
    assertFreshOffer(offer, now);
  } catch (error) {
    if (isProtocolError(error)) return { state, effects: [] }; // a stale offer the relay held back: ignore it
    throw error;
  }
  const callId = toHex(offer.callId);
  const ringing: CallState = {
    ...fresh(callId, peer, 'callee', offer.media, now),
    phase: 'incoming',
    deadline: now + timeouts.incomingMs,
    remoteFingerprint: offer.fingerprint,
    commitment: offer.sasCommitment,
    offer,
  };
  const busy: CallEffect = {
    type: 'send',
    peer,
    body: { type: 'control', callId: offer.callId, action: 'busy' },
  };
  if (!isLive(state)) {
    return { state: ringing, effects: [control(ringing, 'ringing'), ...ringFor(offer)] };
  }
  // Both called each other at once: the call with the lower id goes on, on both pages.
  if (state.phase === 'outgoing' && state.peer === peer) {
    if (compareBytes(offer.callId, callIdOf(state)) > 0) return { state, effects: [] };
    return {
      state: ringing,
      effects: [
        control(state, 'cancel'),
        { type: 'teardown' },
        control(ringing, 'ringing'),
        ...ringFor(offer),
      ],
    };
  }
  return { state, effects: [busy] };
}

/** A file offer is asked about in the chat: it neither rings nor notifies like a call. */
const ringFor = (offer: CallOffer): CallEffect[] =>
  offer.media === 'data' ? [] : [{ type: 'ring', on: true }, { type: 'notify-incoming' }];

function signedDescription(state: CallState, body: CallOffer | CallAnswer, now: number): StepResult {
  if (body.purpose === 'renegotiate') {
    // Only the caller offers renegotiations, only the callee answers them, and neither may change the
    // certificate or the commitment the call began with.
    const fromRightSide = body.type === 'offer' ? state.role === 'callee' : state.role === 'caller';
    if (!fromRightSide || state.remoteFingerprint === null || !LIVE.includes(state.phase))
      return { state, effects: [] };
    if (!sameFingerprint(body.fingerprint, state.remoteFingerprint)) return securityEnd(state, now);
    if (
      body.type === 'offer' &&
      state.commitment &&
      compareBytes(body.sasCommitment, state.commitment) !== 0
    ) {
      return securityEnd(state, now);
    }
    return { state, effects: [{ type: 'apply', body }] };
  }
  if (body.type !== 'answer' || state.role !== 'caller' || state.phase !== 'outgoing' || state.answered) {
    return { state, effects: [] };
  }
  if (state.localFingerprint && sameFingerprint(body.fingerprint, state.localFingerprint)) {
    // Our own certificate reflected back: whatever answers here is not the callee.
    return securityEnd(state, now);
  }
  // Still ringing over there: the answer only sets up the connection, and the ring timeout still runs.
  const next: CallState = {
    ...state,
    answered: true,
    connectsOnAccept: body.connectsOnAccept,
    remoteFingerprint: body.fingerprint,
    remoteNonce: body.sasNonce,
  };
  const reveal: CallEffect = {
    type: 'send',
    peer: state.peer,
    body: { type: 'control', callId: callIdOf(state), action: 'sas-reveal', nonce: state.localNonce! },
  };
  return { state: next, effects: [{ type: 'apply', body }, reveal] };
}

function controlReceived(state: CallState, body: CallControl, now: number, timeouts: Timeouts): StepResult {
  const { phase, role } = state;
  switch (body.action) {
    case 'ringing':
      return phase === 'outgoing'
        ? { state: { ...state, remoteRinging: true }, effects: [] }
        : { state, effects: [] };
    case 'reject':
      // Under an answer that connects on accept, the caller may be in the call already when the callee gives up
      // on it (no camera after the click, say).
      return phase === 'outgoing' || (role === 'caller' && state.connectsOnAccept && LIVE.includes(phase))
        ? end(state, 'rejected', now)
        : { state, effects: [] };
    case 'busy':
      return phase === 'outgoing' ? end(state, 'busy', now) : { state, effects: [] };
    case 'cancel':
    case 'no-answer':
      return phase === 'incoming' ? end(state, 'missed', now) : { state, effects: [] };
    case 'hangup':
      // The caller's certificate check runs while it rings (or in the instant of the accept) too: a security
      // ending then is a warning, not a missed call.
      if (phase === 'incoming')
        return end(state, body.reason === 'security' && state.answered ? 'remote-security' : 'missed', now);
      if (phase === 'outgoing')
        return end(state, body.reason === 'security' ? 'remote-security' : 'rejected', now);
      return end(
        state,
        body.reason === 'security'
          ? 'remote-security'
          : body.reason === 'failed'
            ? 'failed'
            : 'remote-hung-up',
        now,
      );
    case 'accept': {
      if (role !== 'caller' || phase !== 'outgoing' || !state.answered) return { state, effects: [] };
      const accepted = phaseAfterAccept({ ...state, accepted: true }, now, timeouts);
      return { state: accepted, effects: accepted.phase === 'active' ? [{ type: 'open-gate' }] : [] };
    }
    case 'media':
      // The caller sends its flags once its gate is open: our accept has arrived.
      return { state: { ...state, remoteMedia: body.flags, acceptAgainAt: null }, effects: [] };
    case 'ice-restart':
      return role === 'caller' && LIVE.includes(phase)
        ? { state, effects: [{ type: 'restart-ice' }] }
        : { state, effects: [] };
    case 'sas-reveal': {
      if (role !== 'callee' || !state.answered || state.remoteNonce !== null || !state.commitment) {
        return { state, effects: [] };
      }
      try {
        checkSasReveal(callIdOf(state), state.commitment, body.nonce);
      } catch (error) {
        if (isProtocolError(error)) return securityEnd(state, now);
        throw error;
      }
      return { state: { ...state, remoteNonce: body.nonce }, effects: [] };
    }
  }
}

/** Accepted: active at once if the certificate was already verified (while ringing), else connecting. */
function phaseAfterAccept(state: CallState, now: number, timeouts: Timeouts): CallState {
  return state.verified
    ? { ...state, phase: 'active', connectedAt: now, deadline: null }
    : { ...state, phase: 'connecting', deadline: now + timeouts.connectMs };
}

function connection(
  state: CallState | null,
  reported: 'connected' | 'disconnected' | 'failed',
  now: number,
  timeouts: Timeouts,
): StepResult {
  if (!isLive(state)) return { state, effects: [] };
  if (reported === 'connected') {
    return state.phase === 'reconnecting'
      ? { state: { ...state, phase: 'active', deadline: null, restartAt: null }, effects: [] }
      : { state, effects: [] };
  }
  if (state.phase === 'connecting' && reported === 'failed')
    return end(state, 'failed', now, hangup(state, 'failed'));
  if (state.phase !== 'active' && !(state.phase === 'reconnecting' && reported === 'failed'))
    return { state, effects: [] };
  const deadline = state.phase === 'reconnecting' ? state.deadline : now + timeouts.reconnectMs;
  const reconnecting: CallState = { ...state, phase: 'reconnecting', deadline };
  // 'failed' asks for a restart at once (again, if an earlier one failed too); a lasting 'disconnected' does
  // after restartAfterMs, at a tick.
  return reported === 'failed'
    ? { state: { ...reconnecting, restartAt: null }, effects: [askForRestart(state)] }
    : { state: { ...reconnecting, restartAt: now + timeouts.restartAfterMs }, effects: [] };
}

/** The caller restarts ICE itself; the callee asks the caller to. */
const askForRestart = (state: CallState): CallEffect =>
  state.role === 'caller' ? { type: 'restart-ice' } : control(state, 'ice-restart');

/**
 * Credentials in use: the next renewal at half their lifetime. Fresh ones need fresh allocations on the TURN
 * server, which only an ICE restart makes (the caller restarts, the callee asks the caller to); the DTLS
 * session, the certificate check and the gate stay as they are.
 */
function turnCredentials(
  state: CallState | null,
  expiresAt: number,
  renewed: boolean,
  now: number,
): StepResult {
  if (!isLive(state)) return { state, effects: [] };
  const next: CallState = {
    ...state,
    turnExpiresAt: expiresAt,
    turnRenewAt: now + Math.max(TURN_RENEW_MIN_MS, Math.floor((expiresAt - now) / 2)),
    turnRefusals: 0,
    turnLapsed: false,
  };
  if (!renewed || !LIVE.includes(state.phase)) return { state: next, effects: [] };
  return {
    state: next,
    effects: [
      state.role === 'caller' ? { type: 'restart-ice', forTurn: true } : control(state, 'ice-restart'),
    ],
  };
}

function tick(state: CallState | null, now: number, timeouts: Timeouts): StepResult {
  const result = timers(state, now, timeouts);
  return isLive(result.state) ? turnTimers(result.state, now, result.effects) : result;
}

/**
 * Renewal only once the call is connecting or in progress: a ringing call has no path to restart yet, and its
 * credentials outlive the ringing (TURN_TTL is at least a minute; the renewal is due at once after it).
 */
function turnTimers(state: CallState, now: number, effects: CallEffect[]): StepResult {
  let next = state;
  const more: CallEffect[] = [];
  if (LIVE.includes(next.phase) && next.turnRenewAt !== null && now >= next.turnRenewAt) {
    next = { ...next, turnRenewAt: null };
    more.push({ type: 'renew-turn' });
  }
  if (next.turnExpiresAt !== null && now >= next.turnExpiresAt && !next.turnLapsed) {
    next = { ...next, turnLapsed: true };
    more.push({ type: 'turn-lapsed' });
  }
  return more.length === 0 ? { state, effects } : { state: next, effects: [...effects, ...more] };
}

function timers(state: CallState | null, now: number, timeouts: Timeouts): StepResult {
  if (!isLive(state)) return { state, effects: [] };
  if (state.deadline !== null && now >= state.deadline) {
    switch (state.phase) {
      case 'outgoing':
        return end(state, 'no-answer', now, control(state, 'no-answer'));
      case 'incoming':
        return end(state, 'missed', now);
      default:
        return end(state, 'failed', now, hangup(state, 'failed'));
    }
  }
  if (state.phase === 'reconnecting' && state.restartAt !== null && now >= state.restartAt)
    return { state: { ...state, restartAt: null }, effects: [askForRestart(state)] };
  if (state.role === 'callee' && state.acceptAgainAt !== null && now >= state.acceptAgainAt) {
    const acceptsLeft = state.acceptsLeft - 1;
    const acceptAgainAt = acceptsLeft > 0 ? now + timeouts.acceptAgainMs : null;
    return { state: { ...state, acceptAgainAt, acceptsLeft }, effects: [control(state, 'accept')] };
  }
  return { state, effects: [] };
}

/** The four words, once both certificates and both nonces are known (the callee needs the caller's reveal). */
export function sasOf(state: CallState, myKey: Uint8Array): Sas | null {
  const { localFingerprint, remoteFingerprint, localNonce, remoteNonce } = state;
  if (!localFingerprint || !remoteFingerprint || !localNonce || !remoteNonce || state.callId === '')
    return null;
  const me = { identityKey: myKey, fingerprint: localFingerprint, nonce: localNonce };
  const them = { identityKey: fromHex(state.peer), fingerprint: remoteFingerprint, nonce: remoteNonce };
  return state.role === 'caller'
    ? deriveSas(callIdOf(state), me, them)
    : deriveSas(callIdOf(state), them, me);
}
