/**
 * The call machine over time: what the browser reports of the connection (and the ICE restarts that follow),
 * the TURN credentials in use and their renewal, and the deadlines checked at each tick.
 */
import {
  type CallEffect,
  type CallState,
  type StepResult,
  type Timeouts,
  TURN_RENEW_MIN_MS,
} from './call-machine-types.ts';
import { askForRestart, control, end, hangup, isLive, LIVE } from './call-transitions.ts';

export function connection(
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

/**
 * Credentials in use: the next renewal at half their lifetime. Fresh ones need fresh allocations on the TURN
 * server, which only an ICE restart makes (the caller restarts, the callee asks the caller to); the DTLS
 * session, the certificate check and the gate stay as they are.
 */
export function turnCredentials(
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

export function tick(state: CallState | null, now: number, timeouts: Timeouts): StepResult {
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
