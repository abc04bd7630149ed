/**
 * The call service: performs the call machine's effects with a real RTCPeerConnection (call-connection.ts),
 * turns signed call bodies from the messenger into machine events, and exposes one CallView for the UI model.
 * No Preact here. One call at a time: a second offer gets 'busy'.
 *
 * Signalling goes out through `sendEnvelope` (the messenger's session: signed by our identity, sealed end to
 * end, through the relay or, once a call is verified, the call's own data channel).
 *
 * Its parts: making the peer connection (call-connect.ts), the user's media controls (call-media-controls.ts),
 * ICE restarts and TURN renewal (call-renegotiation.ts), files (call-transfers.ts), the quality indicator
 * (call-quality-watch.ts), the gate's record (call-gate-record.ts) and the bodies' wire form (call-wire.ts).
 */
import { fromHex, toHex } from '../../../crypto/bytes.ts';
import {
  type CallAnswer,
  type CallBody,
  type CallMedia,
  type CallOffer,
  candidateFits,
  type IceCandidate,
  type IceCandidateBody,
  isCallKind,
  type MediaFlags,
  newCallId,
} from '../../../crypto/call-signaling.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { stopStream } from '../media.ts';
import { makeConnection } from './call-connect.ts';
import type { CallConnection, FlowedSoFar, LocalDescription } from './call-connection.ts';
import { GateTimes } from './call-gate-record.ts';
import { type CallEffect, type CallEvent, type CallState, isLive, sasOf, step } from './call-machine.ts';
import { CallMediaControls } from './call-media-controls.ts';
import { QualityWatch } from './call-quality-watch.ts';
import { CallRenegotiation } from './call-renegotiation.ts';
import { CallTransfers } from './call-transfers.ts';
import { type CallServiceDeps, type CallView, EMPTY, type GateRecord } from './call-types.ts';
import { receivedEvent, sealable } from './call-wire.ts';
import { CandidateBatch } from './candidate-batch.ts';
import { describeStartError, type MediaDevicesLike, openMedia } from './devices.ts';
import type { FileSource } from './file-transfer.ts';
import { connectsWhileRinging, type IpPolicy, ipPolicy } from './ice-policy.ts';
import { type CallNotifier, silentNotifier } from './notifier.ts';
import { type Ringer, silentRinger } from './ringtone.ts';
import { sdpWithoutAddresses } from './sdp-candidates.ts';

export type { CallServiceDeps, CallView, GateRecord } from './call-types.ts';

const TICK_MS = 500;
/** An ended call's screen stays up this long unless dismissed (warnings stay until dismissed). */
const ENDED_LINGER_MS = 4000;
/** Our candidates gathered within this long of the first leave together (host candidates come within ms). */
const CANDIDATE_BATCH_MS = 10;
/** A camera not open by then (a permission prompt, say) is told on the ringing screen. */
const SLOW_MEDIA_MS = 250;
const TURN_LAPSED_NOTICE = 'The relay gave no fresh TURN credentials: this call may drop.';

export class CallService {
  private view: CallView = EMPTY;
  private state: CallState | null = null;
  private connection: CallConnection | null = null;
  private readonly controls = new CallMediaControls({
    connection: () => this.connection,
    devices: () => this.devices(),
    update: (next) => this.update(next),
    sendFlags: () => this.sendFlags(),
  });
  private readonly renegotiation = new CallRenegotiation({
    state: () => this.state,
    connection: () => this.connection,
    now: () => this.now(),
    send: (peer, body) => this.send(peer, body),
    dispatch: (event) => this.dispatch(event),
    requestTurn: () => this.deps.requestTurn(),
    turnAvailable: () => this.deps.turnAvailable(),
    onTurnRenewed: () => {
      if (this.view.notice === TURN_LAPSED_NOTICE) this.update({ notice: null });
    },
  });
  private readonly transfers = new CallTransfers((transfers) => this.update({ transfers }));
  private readonly quality = new QualityWatch();
  private readonly gate = new GateTimes();
  /** Remote bodies are handled one at a time, in arrival order. */
  private inbound: Promise<void> = Promise.resolve();
  private readonly candidatesBeforeConnection: IceCandidate[] = [];
  /** Our own candidates: held while the offer or answer they belong to is not sent yet, then batched. */
  private readonly candidates = new CandidateBatch({
    send: (candidates) => this.sendCandidates(candidates),
    windowMs: CANDIDATE_BATCH_MS,
  });
  private dialing: string | null = null;
  /** An answer being made while the phone rings; accept() waits for it. */
  private answering: Promise<void> = Promise.resolve();
  private accepting = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Expiry (ms) of the TURN credentials the current peer connection was made with, null without TURN. */
  private turnExpiresAt: number | null = null;
  private readonly now: () => number;
  private readonly ringer: Ringer;
  private readonly notifier: CallNotifier;

  constructor(private readonly deps: CallServiceDeps) {
    this.now = deps.now ?? (() => Date.now());
    this.ringer = deps.ringer ?? silentRinger;
    this.notifier = deps.notifier ?? silentNotifier;
  }

  get current(): CallView {
    return this.view;
  }

  /** The live peer connection, if any (diagnostics and tests). */
  get peerConnection(): RTCPeerConnection | null {
    return this.connection?.pc ?? null;
  }

  /** For tests and the benchmark: when the gate verified and opened, and what had flowed by then. */
  get gateRecord(): GateRecord | null {
    return this.gate.record;
  }

  // ------------------------------------------------------------------------------------------ user actions

  async start(peer: string, media: CallMedia): Promise<void> {
    if (isLive(this.state) || this.view.preparing) return;
    this.clearEnded();
    const policy = this.policyFor(peer);
    this.update({ ...EMPTY, preparing: { peer, media }, policy });
    const callId = newCallId(this.deps.random);
    const hex = toHex(callId);
    this.dialing = hex;
    this.candidates.hold();
    try {
      // The peer connection and the camera start together; the offer leaves once both are ready, so that a
      // refused camera never rings anyone.
      const [description, stream] = await Promise.all([
        this.connect(media, policy),
        openMedia(this.devices(), { audio: true, video: media === 'video' }),
      ]);
      if (this.dialing !== hex || !this.connection) {
        // Cancelled while preparing: release what was made for it.
        stopStream(stream);
        if (!isLive(this.state)) this.teardown();
        return;
      }
      await this.controls.attach(this.connection, stream);
      const nonce = this.deps.random(SAS_NONCE_BYTES);
      const offer: CallOffer = {
        type: 'offer',
        callId,
        media,
        purpose: 'call',
        createdAt: this.now(),
        sasCommitment: sasCommitment(callId, nonce),
        fingerprint: description.fingerprint,
        sdp: description.sdp,
      };
      this.update({ preparing: null });
      this.dispatch({ type: 'dialed', peer, offer, nonce });
      this.turnInUse();
      this.dialing = null;
      this.candidates.release();
      this.ringer.start('outgoing');
    } catch (error) {
      this.dialing = null;
      this.teardown();
      this.update({ ...EMPTY, notice: describeStartError(error) });
    }
  }

  async accept(): Promise<void> {
    const state = this.state;
    if (!isLive(state) || state.phase !== 'incoming' || !state.offer || this.accepting) return;
    const stillRinging = () => this.state?.callId === state.callId && this.state.phase === 'incoming';
    this.accepting = true;
    this.ringer.stop();
    this.notifier.clear();
    // The camera opens at once, with only ICE beside it, and the rest of accepting (the call screen, the
    // accept, our candidates) waits for it: on a busy machine all of that at once made the camera open several
    // times slower, and the camera is what the first frame waits for. A camera that takes longer (the browser
    // asking for permission) gets a word on the screen, and our candidates leave anyway.
    const opening = openMedia(this.devices(), { audio: true, video: state.media === 'video' });
    const slow = setTimeout(() => {
      this.update({ opening: true });
      if (this.state?.answered) this.candidates.release();
    }, SLOW_MEDIA_MS);
    try {
      await this.answering;
      if (stillRinging()) {
        // Sends the answer if it has not left yet, and lets ICE start.
        this.answering = this.answerEarly(state, true);
        await this.answering;
      }
      const stream = await opening;
      if (!stillRinging() || !this.connection || !this.state?.answered) {
        stopStream(stream);
        if (stillRinging()) this.dispatch({ type: 'local-failure', reason: 'failed' });
        return;
      }
      await this.controls.attach(this.connection, stream);
      this.dispatch({ type: 'accepted' });
      this.candidates.release();
    } catch (error) {
      void opening.then(stopStream).catch(() => {});
      this.update({ notice: describeStartError(error) });
      this.dispatch({ type: 'local-failure', reason: 'media-error' });
    } finally {
      clearTimeout(slow);
      this.accepting = false;
      if (this.view.opening) this.update({ opening: false });
    }
  }

  decline(): void {
    this.dispatch({ type: 'decline' });
  }

  hangup(): void {
    if (this.view.preparing) {
      this.dialing = null;
      this.teardown();
      this.update({ ...EMPTY });
      return;
    }
    this.dispatch({ type: 'hangup' });
  }

  /** The two people read different words: end the call as possibly intercepted. */
  sasMismatch(): void {
    this.dispatch({ type: 'sas-mismatch' });
  }

  /** Hides the screen of a call that has ended. */
  dismiss(): void {
    if (isLive(this.state)) return;
    this.clearEnded();
  }

  setMuted(muted: boolean): void {
    this.controls.setMuted(muted);
  }

  setCameraOff(off: boolean): Promise<void> {
    return this.controls.setCameraOff(off);
  }

  shareScreen(on: boolean): Promise<void> {
    return this.controls.shareScreen(on);
  }

  selectDevice(kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    return this.controls.selectDevice(kind, id);
  }

  refreshDevices(): Promise<void> {
    return this.controls.refreshDevices();
  }

  /** Sends a file over the verified call; progress shows on both sides. */
  sendFile(file: FileSource): void {
    const connection = this.connection;
    if (!connection?.isVerified || this.state?.phase !== 'active') {
      this.update({ notice: 'Files can be sent once the call is connected.' });
      return;
    }
    this.transfers.send(connection, file, this.deps.random(16));
  }

  cancelTransfer(id: string): void {
    this.transfers.cancel(id);
  }

  /**
   * Sends an envelope on the call's data channel if a verified call with `peer` is connected; null otherwise
   * (the caller then uses the relay).
   */
  sendDirect(peer: string, envelope: Uint8Array): Promise<'sent'> | null {
    const connection = this.connection;
    if (!connection || this.state?.peer !== peer || !connection.envelopeChannelUsable) return null;
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
        if (event) this.dispatch(event);
      })
      .catch(() => {});
    return this.inbound;
  }

  dispose(): void {
    if (isLive(this.state)) this.dispatch({ type: 'hangup' });
    this.teardown();
    this.clearEnded();
  }

  // ------------------------------------------------------------------------------------------ internals

  private devices(): MediaDevicesLike {
    const devices = this.deps.devices ?? globalThis.navigator?.mediaDevices;
    if (!devices)
      throw new Error('This browser gives no access to a camera or microphone here (it needs https).');
    return devices;
  }

  private policyFor(peer: string): IpPolicy {
    return ipPolicy(this.deps.hideIp(), this.deps.isVerified(peer), this.deps.turnAvailable());
  }

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
    this.gate.reset();
    const made = await makeConnection(this.deps, media, policy, {
      // A candidate our format cannot carry (too long, odd characters) is left out here, so that it cannot keep
      // the others from leaving together.
      onCandidate: (candidate) => {
        if (candidateFits(candidate)) this.candidates.add(candidate);
      },
      onGate: (verdict, flowed) => this.gateVerdict(verdict, flowed),
      onDtlsConnected: () => this.gate.dtlsConnected(this.now()),
      onConnection: (state) => this.dispatch({ type: 'connection', state }),
      onRemoteStream: (remote) => this.update({ remote }),
      onTurnRefused: () =>
        this.update({ notice: 'The relay’s TURN server refused this call’s credentials.' }),
      onEnvelope: (bytes) => this.deps.receiveEnvelope(bytes),
      onFileChannel: (channel, early) => this.transfers.receive(channel, early),
    });
    const connection = made.connection;
    this.turnExpiresAt = made.turnExpiresAt;
    this.connection = connection;
    this.update({ policy: made.policy });
    void this.refreshDevices();
    this.startTimer();
    if (!offer) return connection.makeOffer();
    const description = await connection.acceptOffer(offer.sdp, offer.fingerprint, holdRemoteCandidates);
    for (const candidate of this.candidatesBeforeConnection.splice(0))
      await connection.addCandidate(candidate);
    return description;
  }

  private sendCandidates(candidates: IceCandidate[]): void {
    const state = this.state;
    if (!isLive(state)) return;
    this.send(state.peer, { type: 'ice', callId: fromHex(state.callId), candidates });
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
    const policy = this.policyFor(state.peer);
    const whileRinging = connectsWhileRinging(policy, this.deps.isVerified(state.peer));
    const connectNow = accepted || whileRinging;
    const stillRinging = () => this.state?.callId === state.callId && this.state.phase === 'incoming';
    try {
      if (!this.state?.answered) {
        this.update({ policy });
        this.candidates.hold();
        const description = await this.connect(offer.media, policy, offer, !connectNow);
        if (!stillRinging()) {
          // The call ended while its connection was being made: nothing may outlive it.
          if (!isLive(this.state)) this.teardown();
          return;
        }
        this.turnInUse();
        const sent = connectNow ? description : { ...description, sdp: sdpWithoutAddresses(description.sdp) };
        this.dispatch({ type: 'answered', answer: this.answerTo(offer, sent, accepted || !whileRinging) });
      }
      if (!connectNow || !this.connection) return;
      await this.connection.releaseRemoteCandidates();
      this.gate.started(this.now());
      // On the accept, ours leave once the camera is open (accept()).
      if (!accepted) this.candidates.release();
    } catch (error) {
      if (accepted) throw error;
      // Accepting will try again from the start (once an answer has left, it stands).
      if (!this.state?.answered) this.discardUnanswered();
    }
  }

  private discardUnanswered(): void {
    this.candidates.clear();
    this.connection?.close();
    this.connection = null;
  }

  private dispatch(event: CallEvent): void {
    const before = this.state;
    const { state, effects } = step(before, event, {
      now: this.now(),
      ...(this.deps.timeouts ? { timeouts: this.deps.timeouts } : {}),
    });
    this.state = state;
    if (state !== before) {
      if (state && state.callId !== before?.callId) this.clearEnded(false);
      this.update({ call: state, sas: state ? (sasOf(state, this.deps.myKey)?.words ?? null) : null });
    }
    for (const effect of effects) this.perform(effect);
    if (state?.phase === 'ended' && before?.phase !== 'ended') this.ended(state);
    if (before?.phase === 'outgoing' && state?.phase !== 'outgoing') this.ringer.stop();
    if (state?.phase === 'incoming' && state.callId !== before?.callId)
      this.answering = this.answerEarly(state);
  }

  private perform(effect: CallEffect): void {
    switch (effect.type) {
      case 'send':
        this.send(effect.peer, effect.body);
        return;
      case 'ring':
        if (effect.on) this.ringer.start('incoming');
        else {
          this.ringer.stop();
          this.notifier.clear();
        }
        return;
      case 'notify-incoming': {
        const state = this.state;
        if (state && state.media !== 'data')
          this.notifier.incoming(this.deps.nameOf?.(state.peer) ?? 'A contact', state.media);
        this.startTimer();
        return;
      }
      case 'apply':
        void this.apply(effect.body).catch(() => this.dispatch({ type: 'local-failure', reason: 'failed' }));
        return;
      case 'restart-ice':
        void this.renegotiation.restartIce(effect.forTurn === true).catch(() => {});
        return;
      case 'renew-turn':
        void this.renegotiation.renewTurn();
        return;
      case 'turn-lapsed':
        this.update({ notice: TURN_LAPSED_NOTICE });
        return;
      case 'open-gate':
        void this.openGate();
        return;
      case 'teardown':
        this.teardown();
    }
  }

  private async apply(body: CallAnswer | CallOffer | IceCandidateBody): Promise<void> {
    const connection = this.connection;
    if (body.type === 'ice') {
      if (connection)
        await Promise.all(body.candidates.map((candidate) => connection.addCandidate(candidate)));
      else this.candidatesBeforeConnection.push(...body.candidates);
      return;
    }
    if (!connection) return;
    if (body.type === 'offer') return this.renegotiation.offered(connection, body); // callee: a restart
    if (body.purpose === 'renegotiate') return this.renegotiation.answered(connection, body);
    this.gate.started(this.now());
    await connection.applyAnswer(body.sdp, body.fingerprint);
  }

  /** Tells the machine the expiry of the TURN credentials the peer connection was made with. */
  private turnInUse(): void {
    if (this.turnExpiresAt !== null)
      this.dispatch({ type: 'turn-credentials', expiresAt: this.turnExpiresAt, renewed: false });
  }

  private gateVerdict(verdict: 'verified' | 'mismatch' | 'dtls-failed', flowed: FlowedSoFar): void {
    if (verdict === 'verified' && this.connection) this.gate.verified(this.now(), flowed);
    this.dispatch({ type: 'gate', verdict });
  }

  private async openGate(): Promise<void> {
    const connection = this.connection;
    if (!connection || !isLive(this.state)) return;
    await connection.gate.open();
    this.gate.opened(this.now());
    this.sendFlags();
  }

  private sendFlags(): void {
    const state = this.state;
    if (!isLive(state) || state.phase === 'incoming' || state.phase === 'outgoing') return;
    const flags: MediaFlags = {
      audioMuted: this.view.muted,
      videoOff: this.view.cameraOff,
      screenSharing: this.view.sharing,
    };
    this.send(state.peer, { type: 'control', callId: fromHex(state.callId), action: 'media', flags });
  }

  private send(peer: string, body: CallBody): void {
    const sealed = sealable(body);
    if (sealed) void this.deps.sendEnvelope(peer, sealed.kind, sealed.padded).catch(() => {});
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.dispatch({ type: 'tick' });
      if (this.state?.phase === 'active' && this.quality.due(this.now())) void this.sampleQuality();
    }, TICK_MS);
  }

  private async sampleQuality(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    const judged = await this.quality.sample(
      connection,
      this.now(),
      () => this.connection,
      () => !this.view.sharing && !this.view.cameraOff,
    );
    if (judged) this.update(judged);
  }

  private ended(state: CallState): void {
    // Security warnings and failures stay until dismissed; ordinary endings clear themselves.
    const stays =
      state.endReason === 'security' ||
      state.endReason === 'remote-security' ||
      state.endReason === 'media-error';
    if (stays) return;
    const callId = state.callId;
    this.lingerTimer = setTimeout(() => {
      if (this.state?.callId === callId && this.state.phase === 'ended') this.clearEnded();
    }, ENDED_LINGER_MS);
  }

  private clearEnded(notify = true): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (isLive(this.state)) return;
    this.state = null;
    if (notify) this.update({ ...EMPTY, devices: this.view.devices });
  }

  private teardown(): void {
    this.ringer.stop();
    this.notifier.clear();
    if (this.timer !== undefined && !isLive(this.state)) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    this.transfers.cancelAll();
    this.connection?.close();
    this.connection = null;
    this.renegotiation.reset();
    this.controls.stop();
    this.quality.reset();
    this.candidatesBeforeConnection.length = 0;
    this.candidates.clear();
    this.update({ local: null, remote: null, quality: null, sharing: false, cameraSilent: false });
  }

  private update(next: Partial<CallView>): void {
    this.view = { ...this.view, ...next };
    this.deps.onChange(this.view);
  }
}
