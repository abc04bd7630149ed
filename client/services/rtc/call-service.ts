/**
 * The call service: performs the call machine's effects with a real RTCPeerConnection (call-connection.ts),
 * turns signed call bodies from the messenger into machine events, and exposes one CallView for the UI model.
 * No Preact here. One call at a time: a second offer gets 'busy'.
 *
 * Signalling goes out through `sendEnvelope` (the messenger's session: signed by our identity, sealed end to
 * end, through the relay or, once a call is verified, the call's own data channel).
 */
import { fromHex, toHex } from '../../../crypto/bytes.ts';
import {
  type CallAnswer,
  type CallBody,
  type CallMedia,
  type CallOffer,
  candidateFits,
  decodeCallBody,
  encodeCallBody,
  type IceCandidate,
  type IceCandidateBody,
  isCallKind,
  type MediaFlags,
  newCallId,
} from '../../../crypto/call-signaling.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { padBody, unpadBody } from '../../core/body-frame.ts';
import { stopStream } from '../media.ts';
import { CallConnection, type FlowedSoFar, type LocalDescription } from './call-connection.ts';
import { type CallEffect, type CallEvent, type CallState, isLive, sasOf, step } from './call-machine.ts';
import { type CallServiceDeps, type CallView, EMPTY, type GateRecord } from './call-types.ts';
import { CandidateBatch } from './candidate-batch.ts';
import { describeMediaError, listDevices, type MediaDevicesLike, openMedia } from './devices.ts';
import { type FileSource, receiveFile, sendFile, type Transfer, type TransferView } from './file-transfer.ts';
import {
  connectsWhileRinging,
  type IpPolicy,
  iceServersOf,
  ipPolicy,
  rtcConfiguration,
} from './ice-policy.ts';
import { LocalMedia } from './local-media.ts';
import { type CallNotifier, silentNotifier } from './notifier.ts';
import { type QualitySample, qualityBetween, sampleOf, videoStalled } from './quality.ts';
import { type Ringer, silentRinger } from './ringtone.ts';
import { sdpWithoutAddresses } from './sdp-candidates.ts';

export type { CallServiceDeps, CallView, GateRecord } from './call-types.ts';

const TICK_MS = 500;
const QUALITY_MS = 2000;
/** An ended call's screen stays up this long unless dismissed (warnings stay until dismissed). */
const ENDED_LINGER_MS = 4000;
/** Our candidates gathered within this long of the first leave together (host candidates come within ms). */
const CANDIDATE_BATCH_MS = 10;
/** A camera not open by then (a permission prompt, say) is told on the ringing screen. */
const SLOW_MEDIA_MS = 250;
/** A renewal of TURN credentials the relay has not answered by then counts as refused (and is tried again). */
const TURN_RENEW_TIMEOUT_MS = 10_000;
const TURN_LAPSED_NOTICE = 'The relay gave no fresh TURN credentials: this call may drop.';

const ecdsaCertificate = () =>
  RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);

export class CallService {
  private view: CallView = EMPTY;
  private state: CallState | null = null;
  private connection: CallConnection | null = null;
  private readonly media = new LocalMedia(() => this.devices());
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
  /** Caller: an ICE-restart offer is being made (a second request waits for its answer instead). */
  private offeringRestart = false;
  /** Caller: the pending restart is for fresh TURN credentials of ours. */
  private restartForTurn = false;
  /** Caller: one more restart once the pending one is answered (see restartIce). */
  private restartAgain = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastSample: QualitySample | null = null;
  private silentIntervals = 0;
  private sampledAt = 0;
  private readonly transfers = new Map<string, { view: TransferView; control: Transfer }>();
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private gateStarted = 0;
  private dtlsConnectedAt = 0;
  /** Expiry (ms) of the TURN credentials the current peer connection was made with, null without TURN. */
  private turnExpiresAt: number | null = null;
  /** For tests and the benchmark: when the gate verified and opened, and what had flowed by then. */
  gateRecord: GateRecord | null = null;
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
      await this.attachMedia(this.connection, stream);
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
      await this.attachMedia(this.connection, stream);
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
    this.media.setMuted(muted);
    this.mediaChanged();
  }

  async setCameraOff(off: boolean): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    await this.media.setCameraOff(connection.gate, off);
    this.mediaChanged();
  }

  async shareScreen(on: boolean): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    try {
      await this.media.shareScreen(connection.gate, on, () => void this.shareScreen(false));
      this.update({ notice: null });
    } catch (error) {
      const refused = !(error instanceof Error) || error.name === 'NotAllowedError';
      this.update({ notice: refused ? 'Screen sharing was not started.' : error.message });
    }
    this.mediaChanged();
  }

  async selectDevice(kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    try {
      await this.media.selectDevice(connection.gate, kind, id);
      this.update({ notice: null });
      this.mediaChanged();
    } catch (error) {
      this.update({ notice: describeMediaError(error) });
    }
  }

  /** Sends a file over the verified call; progress shows on both sides. */
  sendFile(file: FileSource): void {
    const connection = this.connection;
    if (!connection?.isVerified || this.state?.phase !== 'active') {
      this.update({ notice: 'Files can be sent once the call is connected.' });
      return;
    }
    const id = this.deps.random(16);
    const control = sendFile(connection.openFileChannel(), file, id, (view) =>
      this.transferChanged(view, control),
    );
    this.transferChanged(
      {
        id: toHex(id),
        direction: 'send',
        name: file.name,
        size: file.size,
        type: file.type,
        transferred: 0,
        state: 'waiting',
      },
      control,
    );
  }

  cancelTransfer(id: string): void {
    this.transfers.get(id)?.control.cancel();
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
    this.inbound = this.inbound.then(() => this.handleBody(peer, kind, padded)).catch(() => {});
    return this.inbound;
  }

  async refreshDevices(): Promise<void> {
    try {
      this.update({ devices: await listDevices(this.devices()) });
    } catch {
      this.update({ devices: [] });
    }
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
   * TURN, certificate(s), peer connection with muted senders and no tracks yet, and the offer or the answer to
   * `offer` (made with the caller's candidates held back when `holdRemoteCandidates`).
   */
  private async connect(
    media: CallMedia,
    policy: IpPolicy,
    offer?: CallOffer,
    holdRemoteCandidates = false,
  ): Promise<LocalDescription> {
    this.gateRecord = null;
    this.dtlsConnectedAt = 0;
    const [turn, certificate] = await Promise.all([
      this.deps.turnAvailable() ? this.deps.requestTurn().catch(() => null) : Promise.resolve(null),
      (this.deps.generateCertificate ?? ecdsaCertificate)(),
    ]);
    const effective = policy.mode === 'hidden' && !turn ? ({ mode: 'cannot-hide' } as const) : policy;
    this.turnExpiresAt = turn ? turn.expiresAt * 1000 : null;
    const connection = await CallConnection.create({
      config: rtcConfiguration(turn, effective, certificate),
      media,
      createPeerConnection: this.deps.createPeerConnection ?? ((config) => new RTCPeerConnection(config)),
      // A candidate our format cannot carry (too long, odd characters) is left out here, so that it cannot keep
      // the others from leaving together.
      onCandidate: (candidate) => {
        if (candidateFits(candidate)) this.candidates.add(candidate);
      },
      onGate: (verdict, flowed) => this.gateVerdict(verdict, flowed),
      onDtlsConnected: () => {
        this.dtlsConnectedAt = this.now();
      },
      onConnection: (state) => this.dispatch({ type: 'connection', state }),
      onRemoteStream: (remote) => this.update({ remote }),
      onTurnRefused: () =>
        this.update({ notice: 'The relay’s TURN server refused this call’s credentials.' }),
      onEnvelope: (bytes) => this.deps.receiveEnvelope(bytes),
      onFileChannel: (channel, early) => {
        const control = receiveFile(channel, (view) => this.transferChanged(view, control), early);
      },
    });
    this.connection = connection;
    this.update({ policy: effective });
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
    this.send(state.peer, { type: 'ice', callId: fromCallId(state.callId), candidates });
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
      this.gateStarted = this.now();
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

  private async attachMedia(connection: CallConnection, stream: MediaStream): Promise<void> {
    await this.media.attach(connection.gate, stream);
    this.mediaChanged(false);
  }

  /** The view follows the local media; the peer hears of mute, camera and screen once the call is up. */
  private mediaChanged(tellPeer = true): void {
    const { muted, cameraOff, sharing, preview, inUse } = this.media.state;
    this.update({ muted, cameraOff, sharing, local: preview, devicesInUse: inUse });
    if (tellPeer) this.sendFlags();
  }

  private async handleBody(peer: string, kind: number, padded: Uint8Array): Promise<void> {
    let body: CallBody;
    try {
      body = decodeCallBody(kind, unpadBody(padded));
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.dispatch({ type: 'bad-body', peer, code: error.code });
      return;
    }
    // A data offer starts a file session (file-session-service.ts), never a call: it must not ring or get 'busy'.
    if (body.type === 'offer' && body.media === 'data') return;
    this.dispatch({ type: 'received', peer, body });
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
        void this.restartIce(effect.forTurn === true).catch(() => {});
        return;
      case 'renew-turn':
        void this.renewTurn();
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
    if (body.type === 'answer') {
      const restart = body.purpose === 'renegotiate';
      // Both pages may ask for the same restart; an answer to an offer already answered changes nothing.
      if (restart && connection.pc.signalingState !== 'have-local-offer') return;
      if (!restart) this.gateStarted = this.now();
      await connection.applyAnswer(body.sdp, body.fingerprint);
      if (restart) {
        this.restartSettled(connection);
        if (this.restartAgain) {
          this.restartAgain = false;
          void this.restartIce(false).catch(() => {});
        }
      }
      return;
    }
    // Callee: the caller's ICE restart.
    const state = this.state;
    const described = await connection.answerRenegotiation(body.sdp);
    if (!isLive(state) || !state.localNonce) return;
    this.send(state.peer, {
      type: 'answer',
      callId: body.callId,
      purpose: 'renegotiate',
      connectsOnAccept: false,
      sasNonce: state.localNonce,
      fingerprint: described.fingerprint,
      sdp: described.sdp,
    });
    this.restartSettled(connection);
  }

  /** A restart the browser went along with without ever leaving 'connected' fires no state change. */
  private restartSettled(connection: CallConnection): void {
    if (this.state?.phase === 'reconnecting' && connection.pc.connectionState === 'connected')
      this.dispatch({ type: 'connection', state: 'connected' });
  }

  private async restartIce(forTurn: boolean): Promise<void> {
    const state = this.state;
    const connection = this.connection;
    if (!isLive(state) || !connection || !state.commitment || state.role !== 'caller') return;
    // Our failure and the callee's ice-restart request usually come together: one restart offer at a time.
    // Both pages renew their TURN credentials at about the same time, though, and a restart made before the
    // other page's (or our) fresh credentials were applied would allocate with the old ones: when either the
    // pending restart or this one is for credentials, one more follows once the pending one is answered.
    if (this.offeringRestart || connection.pc.signalingState !== 'stable') {
      if (forTurn || this.restartForTurn) this.restartAgain = true;
      return;
    }
    this.offeringRestart = true;
    this.restartForTurn = forTurn;
    let described: LocalDescription;
    try {
      described = await connection.makeOffer(true);
    } finally {
      this.offeringRestart = false;
    }
    this.send(state.peer, {
      type: 'offer',
      callId: fromCallId(state.callId),
      media: state.media,
      purpose: 'renegotiate',
      createdAt: this.now(),
      sasCommitment: state.commitment,
      fingerprint: described.fingerprint,
      sdp: described.sdp,
    });
  }

  /** Tells the machine the expiry of the TURN credentials the peer connection was made with. */
  private turnInUse(): void {
    if (this.turnExpiresAt !== null)
      this.dispatch({ type: 'turn-credentials', expiresAt: this.turnExpiresAt, renewed: false });
  }

  /**
   * Fresh TURN credentials from the relay, for the candidates of the ICE restart that follows them (see the
   * machine's 'turn-credentials'). A refusal, an error or no answer in time is 'turn-refused': the call goes on
   * with the old credentials, and the machine asks again later.
   */
  private async renewTurn(): Promise<void> {
    const state = this.state;
    const connection = this.connection;
    if (!isLive(state) || !connection) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const turn = this.deps.turnAvailable()
      ? await Promise.race([
          this.deps.requestTurn().catch(() => null),
          new Promise<null>((resolve) => {
            timer = setTimeout(() => resolve(null), TURN_RENEW_TIMEOUT_MS);
          }),
        ])
      : null;
    clearTimeout(timer);
    // The call ended (or another began) meanwhile: these credentials are nobody's.
    if (this.connection !== connection || this.state?.callId !== state.callId || !isLive(this.state)) return;
    if (!turn) {
      this.dispatch({ type: 'turn-refused' });
      return;
    }
    try {
      connection.setIceServers(iceServersOf(turn));
    } catch {
      this.dispatch({ type: 'turn-refused' });
      return;
    }
    if (this.view.notice === TURN_LAPSED_NOTICE) this.update({ notice: null });
    this.dispatch({ type: 'turn-credentials', expiresAt: turn.expiresAt * 1000, renewed: true });
  }

  private gateVerdict(verdict: 'verified' | 'mismatch' | 'dtls-failed', flowed: FlowedSoFar): void {
    if (verdict === 'verified' && this.connection) {
      // From the report the check itself read: no second getStats() between the check and the gate opening.
      const verifiedAt = this.now();
      this.gateRecord = {
        startedAt: this.gateStarted,
        dtlsConnectedAt: this.dtlsConnectedAt,
        verifiedAt,
        openedAt: verifiedAt,
        inboundPacketsAtVerify: flowed.inboundPackets,
        outboundBytesAtVerify: flowed.outboundBytes,
      };
    }
    this.dispatch({ type: 'gate', verdict });
  }

  private async openGate(): Promise<void> {
    const connection = this.connection;
    if (!connection || !isLive(this.state)) return;
    await connection.gate.open();
    if (this.gateRecord) this.gateRecord = { ...this.gateRecord, openedAt: this.now() };
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
    this.send(state.peer, { type: 'control', callId: fromCallId(state.callId), action: 'media', flags });
  }

  private send(peer: string, body: CallBody): void {
    let encoded: ReturnType<typeof encodeCallBody>;
    try {
      encoded = encodeCallBody(body);
    } catch {
      return; // a description our own format cannot carry: not sent
    }
    void this.deps.sendEnvelope(peer, encoded.kind, padBody(encoded.payload)).catch(() => {});
  }

  private transferChanged(view: TransferView, control: Transfer): void {
    if (!view.id) return;
    this.transfers.set(view.id, { view, control });
    this.update({ transfers: [...this.transfers.values()].map((t) => t.view) });
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.dispatch({ type: 'tick' });
      if (this.state?.phase === 'active' && this.now() - this.sampledAt >= QUALITY_MS)
        void this.sampleQuality();
    }, TICK_MS);
  }

  private async sampleQuality(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.sampledAt = this.now();
    const sample = sampleOf(await connection.getStats());
    if (this.connection !== connection) return;
    // A shared screen that does not change may encode nothing for a while; only the camera is judged, and only
    // after two silent intervals in a row (a moment without network pauses the encoder too).
    const stalled = videoStalled(this.lastSample, sample) && !this.view.sharing && !this.view.cameraOff;
    this.silentIntervals = stalled ? this.silentIntervals + 1 : 0;
    this.update({
      quality: qualityBetween(this.lastSample, sample),
      cameraSilent: this.silentIntervals >= 2,
    });
    this.lastSample = sample;
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
    for (const { control } of this.transfers.values()) control.cancel();
    this.connection?.close();
    this.connection = null;
    this.restartForTurn = false;
    this.restartAgain = false;
    this.media.stop();
    this.lastSample = null;
    this.silentIntervals = 0;
    this.candidatesBeforeConnection.length = 0;
    this.candidates.clear();
    this.update({ local: null, remote: null, quality: null, sharing: false, cameraSilent: false });
  }

  private update(next: Partial<CallView>): void {
    this.view = { ...this.view, ...next };
    this.deps.onChange(this.view);
  }
}

const fromCallId = (hex: string): Uint8Array => fromHex(hex);

const MEDIA_ERRORS = ['NotAllowedError', 'NotFoundError', 'OverconstrainedError', 'NotReadableError'];

function describeStartError(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  return MEDIA_ERRORS.includes(name)
    ? describeMediaError(error)
    : 'The call could not be started. Try again.';
}
