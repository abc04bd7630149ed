/**
 * The renegotiations of a call under way: ICE restarts (the caller offers them, signed, with purpose
 * 'renegotiate'; the callee answers) and the renewal of TURN credentials that needs one. DTLS, the certificate
 * check and the gate stay as they are. The call service performs the machine's 'restart-ice' and 'renew-turn'
 * effects through this.
 */
import { fromHex } from '../../../crypto/bytes.ts';
import type { CallAnswer, CallBody, CallOffer } from '../../../crypto/call-signaling.ts';
import type { TurnCredentialsBody } from '../../../crypto/relay-turn-credentials.ts';
import type { CallConnection, LocalDescription } from './call-connection.ts';
import { type CallEvent, type CallState, isLive } from './call-machine.ts';
import { iceServersOf } from './ice-policy.ts';

/** A renewal of TURN credentials the relay has not answered by then counts as refused (and is tried again). */
const TURN_RENEW_TIMEOUT_MS = 10_000;

/** What the renegotiations read of the call service, and do through it. */
export interface RenegotiationHost {
  readonly state: () => CallState | null;
  readonly connection: () => CallConnection | null;
  readonly now: () => number;
  readonly send: (peer: string, body: CallBody) => void;
  readonly dispatch: (event: CallEvent) => void;
  /** TURN credentials minted by the relay for our socket, null when it has none. */
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  /** Fresh TURN credentials are in use. */
  readonly onTurnRenewed: () => void;
}

export class CallRenegotiation {
  /** Caller: an ICE-restart offer is being made (a second request waits for its answer instead). */
  private offering = false;
  /** Caller: the pending restart is for fresh TURN credentials of ours. */
  private forTurn = false;
  /** Caller: one more restart once the pending one is answered (see restartIce). */
  private again = false;

  constructor(private readonly host: RenegotiationHost) {}

  /** The call is over: nothing pending carries over to the next. */
  reset(): void {
    this.forTurn = false;
    this.again = false;
  }

  async restartIce(forTurn: boolean): Promise<void> {
    const state = this.host.state();
    const connection = this.host.connection();
    if (!isLive(state) || !connection || !state.commitment || state.role !== 'caller') return;
    // Our failure and the callee's ice-restart request usually come together: one restart offer at a time.
    // Both pages renew their TURN credentials at about the same time, though, and a restart made before the
    // other page's (or our) fresh credentials were applied would allocate with the old ones: when either the
    // pending restart or this one is for credentials, one more follows once the pending one is answered.
    if (this.offering || connection.pc.signalingState !== 'stable') {
      if (forTurn || this.forTurn) this.again = true;
      return;
    }
    this.offering = true;
    this.forTurn = forTurn;
    let described: LocalDescription;
    try {
      described = await connection.makeOffer(true);
    } finally {
      this.offering = false;
    }
    this.host.send(state.peer, {
      type: 'offer',
      callId: fromHex(state.callId),
      media: state.media,
      purpose: 'renegotiate',
      createdAt: this.host.now(),
      sasCommitment: state.commitment,
      fingerprint: described.fingerprint,
      sdp: described.sdp,
    });
  }

  /** Caller: the callee's answer to our restart offer. */
  async answered(connection: CallConnection, body: CallAnswer): Promise<void> {
    // Both pages may ask for the same restart; an answer to an offer already answered changes nothing.
    if (connection.pc.signalingState !== 'have-local-offer') return;
    await connection.applyAnswer(body.sdp, body.fingerprint);
    this.settled(connection);
    if (this.again) {
      this.again = false;
      void this.restartIce(false).catch(() => {});
    }
  }

  /** Callee: the caller's restart offer, answered. */
  async offered(connection: CallConnection, body: CallOffer): Promise<void> {
    const state = this.host.state();
    const described = await connection.answerRenegotiation(body.sdp);
    if (!isLive(state) || !state.localNonce) return;
    this.host.send(state.peer, {
      type: 'answer',
      callId: body.callId,
      purpose: 'renegotiate',
      connectsOnAccept: false,
      sasNonce: state.localNonce,
      fingerprint: described.fingerprint,
      sdp: described.sdp,
    });
    this.settled(connection);
  }

  /**
   * Fresh TURN credentials from the relay, for the candidates of the ICE restart that follows them (see the
   * machine's 'turn-credentials'). A refusal, an error or no answer in time is 'turn-refused': the call goes on
   * with the old credentials, and the machine asks again later.
   */
  async renewTurn(): Promise<void> {
    const state = this.host.state();
    const connection = this.host.connection();
    if (!isLive(state) || !connection) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const turn = this.host.turnAvailable()
      ? await Promise.race([
          this.host.requestTurn().catch(() => null),
          new Promise<null>((resolve) => {
            timer = setTimeout(() => resolve(null), TURN_RENEW_TIMEOUT_MS);
          }),
        ])
      : null;
    clearTimeout(timer);
    // The call ended (or another began) meanwhile: these credentials are nobody's.
    const now = this.host.state();
    if (this.host.connection() !== connection || now?.callId !== state.callId || !isLive(now)) return;
    if (!turn) {
      this.host.dispatch({ type: 'turn-refused' });
      return;
    }
    try {
      connection.setIceServers(iceServersOf(turn));
    } catch {
      this.host.dispatch({ type: 'turn-refused' });
      return;
    }
    this.host.onTurnRenewed();
    this.host.dispatch({ type: 'turn-credentials', expiresAt: turn.expiresAt * 1000, renewed: true });
  }

  /** A restart the browser went along with without ever leaving 'connected' fires no state change. */
  private settled(connection: CallConnection): void {
    if (this.host.state()?.phase === 'reconnecting' && connection.pc.connectionState === 'connected')
      this.host.dispatch({ type: 'connection', state: 'connected' });
  }
}
