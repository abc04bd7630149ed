/**
 * The call machine's answer to what the peer sent (a signed call body, decoded): a new call ringing (or 'busy'),
 * its answer, a renegotiation, candidates, and the controls (accept, reject, hang-up, SAS reveal...).
 */
import { compareBytes, toHex } from '../../../crypto/bytes.ts';
import {
  assertFreshOffer,
  type CallAnswer,
  type CallBody,
  type CallControl,
  type CallOffer,
  sameFingerprint,
} from '../../../crypto/call-signaling.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import { checkSasReveal } from '../../../crypto/sas.ts';
import type { CallEffect, CallState, StepResult, Timeouts } from './call-machine-types.ts';
import {
  callIdOf,
  control,
  end,
  fresh,
  isLive,
  LIVE,
  phaseAfterAccept,
  securityEnd,
} from './call-transitions.ts';

export function received(
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
