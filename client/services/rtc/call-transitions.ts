/** The small transitions every part of the call machine uses: a fresh state, a control to send, an ending. */
import { fromHex } from '../../../crypto/bytes.ts';
import type { CallMedia, HangupReason, MediaFlags, SimpleAction } from '../../../crypto/call-signaling.ts';
import type {
  CallEffect,
  CallPhase,
  CallRole,
  CallState,
  EndReason,
  StepResult,
  Timeouts,
} from './call-machine-types.ts';

export const NO_FLAGS: MediaFlags = { audioMuted: false, videoOff: false, screenSharing: false };
export const LIVE: readonly CallPhase[] = ['connecting', 'active', 'reconnecting'];

export const isLive = (state: CallState | null): state is CallState =>
  state !== null && state.phase !== 'ended';

export function fresh(
  callId: string,
  peer: string,
  role: CallRole,
  media: CallMedia,
  now: number,
): CallState {
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

export const callIdOf = (state: CallState): Uint8Array => fromHex(state.callId);

export function control(state: CallState, action: SimpleAction): CallEffect {
  return { type: 'send', peer: state.peer, body: { type: 'control', callId: callIdOf(state), action } };
}

export function hangup(state: CallState, reason: HangupReason): CallEffect {
  return {
    type: 'send',
    peer: state.peer,
    body: { type: 'control', callId: callIdOf(state), action: 'hangup', reason },
  };
}

export function end(state: CallState, reason: EndReason, now: number, ...effects: CallEffect[]): StepResult {
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

export const securityEnd = (state: CallState, now: number): StepResult =>
  end(state, 'security', now, hangup(state, 'security'));

/** Accepted: active at once if the certificate was already verified (while ringing), else connecting. */
export function phaseAfterAccept(state: CallState, now: number, timeouts: Timeouts): CallState {
  return state.verified
    ? { ...state, phase: 'active', connectedAt: now, deadline: null }
    : { ...state, phase: 'connecting', deadline: now + timeouts.connectMs };
}

/** The caller restarts ICE itself; the callee asks the caller to. */
export const askForRestart = (state: CallState): CallEffect =>
  state.role === 'caller' ? { type: 'restart-ice' } : control(state, 'ice-restart');
