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
 *
 * The machine's parts: its states, events and effects (call-machine-types.ts), the transitions they share
 * (call-transitions.ts), what the peer sends (call-received.ts), and the connection over time (call-path.ts).
 * This file takes the local events and exports the whole.
 */
import { fromHex, toHex } from '../../../crypto/bytes.ts';
import { deriveSas, type Sas } from '../../../crypto/sas.ts';
import {
  ACCEPT_REPEATS,
  type CallEvent,
  type CallState,
  DEFAULT_TIMEOUTS,
  type StepContext,
  type StepResult,
  TURN_RETRY_MAX_MS,
  TURN_RETRY_MS,
} from './call-machine-types.ts';
import { connection, tick, turnCredentials } from './call-path.ts';
import { received } from './call-received.ts';
import {
  callIdOf,
  control,
  end,
  fresh,
  hangup,
  isLive,
  LIVE,
  phaseAfterAccept,
  securityEnd,
} from './call-transitions.ts';

export {
  ACCEPT_REPEATS,
  type CallEffect,
  type CallEvent,
  type CallPhase,
  type CallRole,
  type CallState,
  DEFAULT_TIMEOUTS,
  type EndReason,
  type StepContext,
  type StepResult,
  type Timeouts,
  TURN_RENEW_MIN_MS,
  TURN_RETRY_MAX_MS,
  TURN_RETRY_MS,
} from './call-machine-types.ts';
export { isLive } from './call-transitions.ts';

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
