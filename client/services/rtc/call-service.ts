/**
 * The call service: performs the call machine's effects with a real RTCPeerConnection (call-connection.ts),
 * turns signed call bodies from the messenger into machine events, and exposes one CallView for the UI model.
 * No Preact here. One call at a time: a second offer gets 'busy'.
 *
 * Signalling goes out through `sendEnvelope` (the messenger's session: signed by our identity, sealed end to
 * end, through the relay or, once a call is verified, the call's own data channel).
 *
 * This file takes the user's actions and makes each call's peer connection, offer and answer; the state, the
 * view and the machine's effects are call-core.ts's. Their parts: making the peer connection (call-connect.ts),
 * the user's media controls (call-media-controls.ts), ICE restarts and TURN renewal (call-renegotiation.ts),
 * files (call-transfers.ts), the quality indicator (call-quality-watch.ts), the gate's record
 * (call-gate-record.ts) and the bodies' wire form (call-wire.ts).
 */

import { toHex } from '../../../crypto/bytes.ts';
import {
  type CallAnswer,
  type CallMedia,
  type CallOffer,
  candidateFits,
  isCallKind,
  newCallId,
} from '../../../crypto/call-signaling.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { stopStream } from '../media.ts';
import { makeConnection } from './call-connect.ts';
import type { LocalDescription } from './call-connection.ts';
import { CallCore } from './call-core.ts';
import { type CallState, isLive } from './call-machine.ts';
import { type CallServiceDeps, type CallView, EMPTY, type GateRecord } from './call-types.ts';
import { receivedEvent } from './call-wire.ts';
import { describeStartError, openMedia } from './devices.ts';
import type { FileSource } from './file-transfer.ts';
import { connectsWhileRinging, type IpPolicy, TurnUnavailableError } from './ice-policy.ts';
import { sdpWithoutAddresses } from './sdp-candidates.ts';

export type { CallServiceDeps, CallView, GateRecord } from './call-types.ts';

/** A camera not open by then (a permission prompt, say) is told on the ringing screen. */
const SLOW_MEDIA_MS = 250;

export class CallService {
  private readonly core: CallCore;
  /** Remote bodies are handled one at a time, in arrival order. */
  private inbound: Promise<void> = Promise.resolve();
  private dialing: string | null = null;
  /** An answer being made while the phone rings; accept() waits for it. */
  private answering: Promise<void> = Promise.resolve();
  private accepting = false;

  constructor(private readonly deps: CallServiceDeps) {
    this.core = new CallCore(deps, (state) => {
      this.answering = this.answerEarly(state);
    });
  }

  get current(): CallView {
    return this.core.view;
  }

  /** The live peer connection, if any (diagnostics and tests). */
  get peerConnection(): RTCPeerConnection | null {
    return this.core.connection?.pc ?? null;
  }

  /** For tests and the benchmark: when the gate verified and opened, and what had flowed by then. */
  get gateRecord(): GateRecord | null {
    return this.core.gate.record;
  }

  // ------------------------------------------------------------------------------------------ user actions

  async start(peer: string, media: CallMedia): Promise<void> {
    if (isLive(this.core.state) || this.core.view.preparing) return;
    this.core.clearEnded();
    const policy = this.core.policyFor(peer);
    this.core.update({ ...EMPTY, preparing: { peer, media }, policy });
    const callId = newCallId(this.deps.random);
    const hex = toHex(callId);
    this.dialing = hex;
    this.core.candidates.hold();
    try {
      // The peer connection and the camera start together; the offer leaves once both are ready, so that a
      // refused camera never rings anyone.
      const [description, stream] = await Promise.all([
        this.connect(media, policy),
        openMedia(this.core.devices(), { audio: true, video: media === 'video' }),
      ]);
      if (this.dialing !== hex || !this.core.connection) {
        // Cancelled while preparing: release what was made for it.
        stopStream(stream);
        if (!isLive(this.core.state)) this.core.teardown();
        return;
      }
      await this.core.controls.attach(this.core.connection, stream);
      const nonce = this.deps.random(SAS_NONCE_BYTES);
      const offer: CallOffer = {
        type: 'offer',
        callId,
        media,
        purpose: 'call',
        createdAt: this.core.now(),
        sasCommitment: sasCommitment(callId, nonce),
        fingerprint: description.fingerprint,
        sdp: description.sdp,
      };
      this.core.update({ preparing: null });
      this.core.dispatch({ type: 'dialed', peer, offer, nonce });
      this.core.turnInUse();
      this.dialing = null;
      this.core.candidates.release();
      this.core.ringer.start('outgoing');
    } catch (error) {
      this.dialing = null;
      this.core.teardown();
      this.core.update({ ...EMPTY, notice: describeStartError(error) });
    }
  }

  async accept(): Promise<void> {
    const state = this.core.state;
    if (!isLive(state) || state.phase !== 'incoming' || !state.offer || this.accepting) return;
    const stillRinging = () =>
      this.core.state?.callId === state.callId && this.core.state.phase === 'incoming';
    this.accepting = true;
    this.core.ringer.stop();
    this.core.notifier.clear();
    // The camera opens at once, with only ICE beside it, and the rest of accepting (the call screen, the
    // accept, our candidates) waits for it: on a busy machine all of that at once made the camera open several
    // times slower, and the camera is what the first frame waits for. A camera that takes longer (the browser
    // asking for permission) gets a word on the screen, and our candidates leave anyway.
    const opening = openMedia(this.core.devices(), { audio: true, video: state.media === 'video' });
    const slow = setTimeout(() => {
      this.core.update({ opening: true });
      if (this.core.state?.answered) this.core.candidates.release();
    }, SLOW_MEDIA_MS);
    try {
      await this.answering;
      if (stillRinging()) {
        // Sends the answer if it has not left yet, and lets ICE start.
        this.answering = this.answerEarly(state, true);
        await this.answering;
      }
      const stream = await opening;
      if (!stillRinging() || !this.core.connection || !this.core.state?.answered) {
        stopStream(stream);
        if (stillRinging()) this.core.dispatch({ type: 'local-failure', reason: 'failed' });
        return;
      }
      await this.core.controls.attach(this.core.connection, stream);
      this.core.dispatch({ type: 'accepted' });
      this.core.candidates.release();
    } catch (error) {
      void opening.then(stopStream).catch(() => {});
      this.core.update({ notice: describeStartError(error) });
      const reason = error instanceof TurnUnavailableError ? 'failed' : 'media-error';
      this.core.dispatch({ type: 'local-failure', reason });
    } finally {
      clearTimeout(slow);
      this.accepting = false;
      if (this.core.view.opening) this.core.update({ opening: false });
    }
  }

  decline(): void {
    this.core.dispatch({ type: 'decline' });
  }

  hangup(): void {
    if (this.core.view.preparing) {
      this.dialing = null;
      this.core.teardown();
      this.core.update({ ...EMPTY });
      return;
    }
    this.core.dispatch({ type: 'hangup' });
  }

  /** The two people read different words: end the call as possibly intercepted. */
  sasMismatch(): void {
    this.core.dispatch({ type: 'sas-mismatch' });
  }

  /** Hides the screen of a call that has ended. */
  dismiss(): void {
    if (isLive(this.core.state)) return;
    this.core.clearEnded();
  }

  setMuted(muted: boolean): void {
    this.core.controls.setMuted(muted);
  }

  setCameraOff(off: boolean): Promise<void> {
    return this.core.controls.setCameraOff(off);
  }

  shareScreen(on: boolean): Promise<void> {
    return this.core.controls.shareScreen(on);
  }

  selectDevice(kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    return this.core.controls.selectDevice(kind, id);
  }

  refreshDevices(): Promise<void> {
    return this.core.controls.refreshDevices();
  }

  /** Sends a file over the verified call; progress shows on both sides. */
  sendFile(file: FileSource): void {
    const connection = this.core.connection;
    if (!connection?.isVerified || this.core.state?.phase !== 'active') {
      this.core.update({ notice: 'Files can be sent once the call is connected.' });
      return;
    }
    this.core.transfers.send(connection, file, this.deps.random(16));
  }

  cancelTransfer(id: string): void {
    this.core.transfers.cancel(id);
  }

  /**
   * Sends an envelope on the call's data channel if a verified call with `peer` is connected; null otherwise
   * (the caller then uses the relay).
   */
  sendDirect(peer: string, envelope: Uint8Array): Promise<'sent'> | null {
    const connection = this.core.connection;
    if (!connection || this.core.state?.peer !== peer || !connection.envelopeChannelUsable) return null;
    try {
      connection.sendEnvelope(envelope.slice());
      return Promise.resolve('sent');
    } catch {
      return null;
    }
  }

  /** A call-kind envelope body from the messenger (the peer is a contact; the envelope verified). */
  receive(peer: string, kind: number, padded: Uint8Array): Promise<void> {
    // Other kinds the messenger passes on (file offers, key rotation) belong to other services.
    if (!isCallKind(kind)) return Promise.resolve();
    this.inbound = this.inbound
      .then(() => {
        const event = receivedEvent(peer, kind, padded);
        if (event) this.core.dispatch(event);
      })
      .catch(() => {});
    return this.inbound;
  }

  dispose(): void {
    if (isLive(this.core.state)) this.core.dispatch({ type: 'hangup' });
    this.core.teardown();
    this.core.clearEnded();
  }

  // ------------------------------------------------------------------------------------------ making the call

  /**
   * TURN, certificate, peer connection with muted senders and no tracks yet, and the offer or the answer to
   * `offer` (made with the caller's candidates held back when `holdRemoteCandidates`).
   */
  private async connect(
    media: CallMedia,
    policy: IpPolicy,
    offer?: CallOffer,
    holdRemoteCandidates = false,
  ): Promise<LocalDescription> {
    this.core.gate.reset();
    const made = await makeConnection(this.deps, media, policy, {
      // A candidate our format cannot carry (too long, odd characters) is left out here, so that it cannot keep
      // the others from leaving together.
      onCandidate: (candidate) => {
        if (candidateFits(candidate)) this.core.candidates.add(candidate);
      },
      onGate: (verdict, flowed) => this.core.gateVerdict(verdict, flowed),
      onDtlsConnected: () => this.core.gate.dtlsConnected(this.core.now()),
      onConnection: (state) => this.core.dispatch({ type: 'connection', state }),
      onRemoteStream: (remote) => this.core.update({ remote }),
      onTurnRefused: () =>
        this.core.update({ notice: 'The relay’s TURN server refused this call’s credentials.' }),
      onEnvelope: (bytes) => this.deps.receiveEnvelope(bytes),
      onFileChannel: (channel, early) => this.core.transfers.receive(channel, early),
    });
    const connection = made.connection;
    this.core.turnExpiresAt = made.turnExpiresAt;
    this.core.connection = connection;
    this.core.update({ policy: made.policy });
    void this.refreshDevices();
    this.core.startTimer();
    if (!offer) return connection.makeOffer();
    const description = await connection.acceptOffer(offer.sdp, offer.fingerprint, holdRemoteCandidates);
    for (const candidate of this.core.candidatesBeforeConnection.splice(0))
      await connection.addCandidate(candidate);
    return description;
  }

  private answerTo(offer: CallOffer, description: LocalDescription, connectsOnAccept: boolean): CallAnswer {
    return {
      type: 'answer',
      callId: offer.callId,
      purpose: 'call',
      connectsOnAccept,
      sasNonce: this.deps.random(SAS_NONCE_BYTES),
      fingerprint: description.fingerprint,
      sdp: description.sdp,
    };
  }

  /**
   * Callee: the peer connection and the answer, without camera or microphone (the senders get their tracks on
   * accept, and the gate opens only then). The answer leaves while it rings. ICE, DTLS and the certificate
   * check run then too only when that shows the caller nothing new about us: relay-only ICE, or a verified
   * contact. Otherwise the answer goes without any address (sdpWithoutAddresses), and the caller's candidates
   * and ours are held back, so that our ICE agent sends nothing until the accept (`accepted`). The caller has
   * our ICE credentials by then: it answers our first checks at once, without waiting for our candidates. Such
   * an answer (and one made on the accept) says it connects only once accepted, so the caller takes our verified
   * handshake as the accept and opens its gate without waiting for the accept control.
   */
  private async answerEarly(state: CallState, accepted = false): Promise<void> {
    const offer = state.offer;
    if (!offer) return;
    const policy = this.core.policyFor(state.peer);
    const whileRinging = connectsWhileRinging(policy, this.deps.isVerified(state.peer));
    const connectNow = accepted || whileRinging;
    const stillRinging = () =>
      this.core.state?.callId === state.callId && this.core.state.phase === 'incoming';
    try {
      if (!this.core.state?.answered) {
        this.core.update({ policy });
        this.core.candidates.hold();
        const description = await this.connect(offer.media, policy, offer, !connectNow);
        if (!stillRinging()) {
          // The call ended while its connection was being made: nothing may outlive it.
          if (!isLive(this.core.state)) this.core.teardown();
          return;
        }
        this.core.turnInUse();
        const sent = connectNow ? description : { ...description, sdp: sdpWithoutAddresses(description.sdp) };
        this.core.dispatch({
          type: 'answered',
          answer: this.answerTo(offer, sent, accepted || !whileRinging),
        });
      }
      if (!connectNow || !this.core.connection) return;
      await this.core.connection.releaseRemoteCandidates();
      this.core.gate.started(this.core.now());
      // On the accept, ours leave once the camera is open (accept()).
      if (!accepted) this.core.candidates.release();
    } catch (error) {
      if (accepted) throw error;
      // Accepting will try again from the start (once an answer has left, it stands).
      if (!this.core.state?.answered) this.discardUnanswered();
    }
  }

  private discardUnanswered(): void {
    this.core.candidates.clear();
    this.core.connection?.close();
    this.core.connection = null;
  }
}
