/**
 * The call service: performs the call machine's effects with a real RTCPeerConnection (call-connection.ts),
 * turns signed call bodies from the messenger into machine events, and exposes one CallView for the UI model.
 * No Preact here. One call at a time: a second offer gets 'busy'.
 *
 * Signalling goes out through `sendEnvelope` (the messenger's session: signed by our identity, sealed end to
 * end, through the relay or, once a call is verified, the call's own data channel).
 */
import { fromHex, type RandomSource, toHex } from '../../../crypto/bytes.ts';
import {
  type CallAnswer,
  type CallBody,
  type CallMedia,
  type CallOffer,
  decodeCallBody,
  encodeCallBody,
  type IceCandidateBody,
  type MediaFlags,
  newCallId,
} from '../../../crypto/call-signaling.ts';
import { fingerprintFromDigest } from '../../../crypto/dtls-fingerprint.ts';
import type { MessageKind } from '../../../crypto/envelope.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import type { TurnCredentialsBody } from '../../../crypto/relay-turn-credentials.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { padBody, unpadBody } from '../messenger/body-frame.ts';
import { CallConnection, type LocalDescription } from './call-connection.ts';
import {
  type CallEffect,
  type CallEvent,
  type CallState,
  isLive,
  sasOf,
  step,
  type Timeouts,
} from './call-machine.ts';
import {
  type DeviceInfo,
  describeMediaError,
  listDevices,
  type MediaDevicesLike,
  openMedia,
  openScreen,
} from './devices.ts';
import { type FileSource, receiveFile, sendFile, type Transfer, type TransferView } from './file-transfer.ts';
import { type HideIpSetting, type IpPolicy, ipPolicy, rtcConfiguration } from './ice-policy.ts';
import { type CallNotifier, silentNotifier } from './notifier.ts';
import { type Quality, type QualitySample, qualityBetween, sampleOf } from './quality.ts';
import { type Ringer, silentRinger } from './ringtone.ts';

/** Only honoured when the app was built with test hooks (see client/state/call.ts). */
export interface CallTestHooks {
  /** Sign (and announce in the SDP) the fingerprint of one certificate, present another in DTLS. */
  readonly presentOtherCertificate?: boolean;
  /** Change the SDP's fingerprint after the body was encoded: the receiver must refuse the signed body. */
  readonly tamperSdp?: boolean;
  /** Keep the gate shut this long after verification, so a test can look at the stats before media flows. */
  readonly gateDelayMs?: number;
  readonly timeouts?: Partial<Timeouts>;
}

export interface GateRecord {
  /** now() when the answer was made (callee) or applied (caller): the certificate check starts. */
  readonly startedAt: number;
  /** now() when getStats() showed the signed certificate, and when the real tracks went on. */
  readonly verifiedAt: number;
  readonly openedAt: number;
  /** inbound-rtp packets and outbound-rtp bytes summed over the report taken when the gate was verified. */
  readonly inboundPacketsAtVerify: number;
  readonly outboundBytesAtVerify: number;
}

export interface CallView {
  readonly call: CallState | null;
  /** Between the user's click and the offer leaving (media, TURN, certificate). */
  readonly preparing: { readonly peer: string; readonly media: CallMedia } | null;
  readonly policy: IpPolicy | null;
  readonly sas: readonly string[] | null;
  readonly quality: Quality | null;
  readonly local: MediaStream | null;
  readonly remote: MediaStream | null;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  readonly devices: readonly DeviceInfo[];
  readonly transfers: readonly TransferView[];
  /** A plain-language problem to show (camera refused, screen sharing failed...). */
  readonly notice: string | null;
}

export interface CallServiceDeps {
  readonly myKey: Uint8Array;
  readonly random: RandomSource;
  readonly now?: () => number;
  /** Signs and seals `body` for `peer` in its session and sends it. */
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  /** Envelopes that arrived on a verified call's data channel, for the messenger. */
  readonly receiveEnvelope: (bytes: Uint8Array) => void;
  /** TURN credentials minted by the relay for our socket, null when it has none. */
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  readonly isVerified: (peer: string) => boolean;
  readonly hideIp: () => HideIpSetting;
  readonly devices?: MediaDevicesLike;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  readonly generateCertificate?: () => Promise<RTCCertificate>;
  readonly ringer?: Ringer;
  readonly notifier?: CallNotifier;
  readonly nameOf?: (peer: string) => string;
  readonly hooks?: CallTestHooks;
  readonly onChange: (view: CallView) => void;
}

const TICK_MS = 500;
const QUALITY_MS = 2000;
/** An ended call's screen stays up this long unless dismissed (warnings stay until dismissed). */
const ENDED_LINGER_MS = 4000;

const EMPTY: CallView = {
  call: null,
  preparing: null,
  policy: null,
  sas: null,
  quality: null,
  local: null,
  remote: null,
  muted: false,
  cameraOff: false,
  sharing: false,
  devices: [],
  transfers: [],
  notice: null,
};

const ecdsaCertificate = () =>
  RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);

export class CallService {
  private view: CallView = EMPTY;
  private state: CallState | null = null;
  private connection: CallConnection | null = null;
  private stream: MediaStream | null = null;
  private camera: MediaStreamTrack | null = null;
  private screen: MediaStreamTrack | null = null;
  /** Remote bodies are handled one at a time, in arrival order. */
  private inbound: Promise<void> = Promise.resolve();
  private readonly candidatesBeforeConnection: IceCandidateBody[] = [];
  private readonly localCandidatesBeforeDial: Omit<IceCandidateBody, 'type' | 'callId'>[] = [];
  private dialing: string | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastSample: QualitySample | null = null;
  private sampledAt = 0;
  private readonly transfers = new Map<string, { view: TransferView; control: Transfer }>();
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private gateStarted = 0;
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
    try {
      const description = await this.connect(media, policy);
      if (this.dialing !== hex) return; // cancelled while preparing
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
      this.dialing = null;
      for (const candidate of this.localCandidatesBeforeDial.splice(0)) this.sendCandidate(candidate);
      this.ringer.start('outgoing');
    } catch (error) {
      this.dialing = null;
      this.teardown();
      this.update({ ...EMPTY, notice: describeStartError(error) });
    }
  }

  async accept(): Promise<void> {
    const state = this.state;
    if (!isLive(state) || state.phase !== 'incoming' || !state.offer || this.connection) return;
    const { offer } = state;
    this.ringer.stop();
    this.notifier.clear();
    try {
      const policy = this.policyFor(state.peer);
      this.update({ policy });
      const description = await this.connect(offer.media, policy, offer);
      if (this.state?.callId !== state.callId || this.state.phase !== 'incoming') return;
      const answer: CallAnswer = {
        type: 'answer',
        callId: offer.callId,
        purpose: 'call',
        sasNonce: this.deps.random(SAS_NONCE_BYTES),
        fingerprint: description.fingerprint,
        sdp: description.sdp,
      };
      this.gateStarted = this.now();
      this.dispatch({ type: 'accepted', answer });
    } catch (error) {
      this.update({ notice: describeStartError(error) });
      this.dispatch({ type: 'local-failure', reason: 'media-error' });
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
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
    this.update({ muted });
    this.sendFlags();
  }

  async setCameraOff(off: boolean): Promise<void> {
    const connection = this.connection;
    this.update({ cameraOff: off });
    if (this.camera) this.camera.enabled = !off;
    if (connection && !this.screen) await connection.gate.setTrack('video', off ? null : this.camera);
    this.sendFlags();
  }

  async shareScreen(on: boolean): Promise<void> {
    const connection = this.connection;
    if (!connection?.gate.hasSender('video')) return;
    if (!on) {
      this.screen?.stop();
      this.screen = null;
      await connection.gate.setTrack('video', this.view.cameraOff ? null : this.camera);
      this.update({ sharing: false, local: this.localPreview() });
      this.sendFlags();
      return;
    }
    try {
      const track = await openScreen(this.devices());
      this.screen = track;
      track.onended = () => void this.shareScreen(false);
      await connection.gate.setTrack('video', track);
      this.update({ sharing: true, notice: null, local: this.localPreview() });
      this.sendFlags();
    } catch (error) {
      this.update({
        notice:
          error instanceof Error && error.name !== 'NotAllowedError'
            ? error.message
            : 'Screen sharing was not started.',
      });
    }
  }

  async selectDevice(kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    const connection = this.connection;
    const stream = this.stream;
    if (!connection || !stream) return;
    const audio = kind === 'audioinput';
    try {
      const fresh = await openMedia(
        this.devices(),
        audio ? { audio: true, video: false, audioId: id } : { audio: false, video: true, videoId: id },
      );
      const track = (audio ? fresh.getAudioTracks() : fresh.getVideoTracks())[0];
      if (!track) return;
      const old = audio ? stream.getAudioTracks()[0] : this.camera;
      if (old) {
        stream.removeTrack(old);
        old.stop();
      }
      stream.addTrack(track);
      if (audio) {
        track.enabled = !this.view.muted;
        await connection.gate.setTrack('audio', track);
      } else {
        this.camera = track;
        track.enabled = !this.view.cameraOff;
        if (!this.screen && !this.view.cameraOff) await connection.gate.setTrack('video', track);
      }
      this.update({ local: this.localPreview(), notice: null });
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

  /** Media, TURN, certificate(s), peer connection, and the local description (offer, or answer to `offer`). */
  private async connect(media: CallMedia, policy: IpPolicy, offer?: CallOffer): Promise<LocalDescription> {
    const generate = this.deps.generateCertificate ?? ecdsaCertificate;
    const hooks = this.deps.hooks ?? {};
    const [stream, turn, certificate, claimed] = await Promise.all([
      openMedia(this.devices(), { audio: true, video: media === 'video' }),
      this.deps.turnAvailable() ? this.deps.requestTurn().catch(() => null) : Promise.resolve(null),
      generate(),
      hooks.presentOtherCertificate ? generate() : Promise.resolve(undefined),
    ]);
    this.stream = stream;
    this.camera = stream.getVideoTracks()[0] ?? null;
    const effective = policy.mode === 'hidden' && !turn ? ({ mode: 'cannot-hide' } as const) : policy;
    const claimedFingerprint = claimed
      ? fingerprintFromDigest('sha-256', hexDigest(claimed.getFingerprints()[0]?.value ?? ''))
      : undefined;
    const connection = await CallConnection.create({
      config: rtcConfiguration(turn, effective, certificate),
      media,
      stream,
      createPeerConnection: this.deps.createPeerConnection ?? ((config) => new RTCPeerConnection(config)),
      ...(claimedFingerprint ? { claimedFingerprint } : {}),
      onCandidate: (candidate) => this.localCandidate(candidate),
      onGate: (verdict) => void this.gateVerdict(verdict),
      onConnection: (state) => this.dispatch({ type: 'connection', state }),
      onRemoteStream: (remote) => this.update({ remote }),
      onEnvelope: (bytes) => this.deps.receiveEnvelope(bytes),
      onFileChannel: (channel) => {
        const control = receiveFile(channel, (view) => this.transferChanged(view, control));
      },
    });
    this.connection = connection;
    this.update({
      policy: effective,
      local: this.localPreview(),
      cameraOff: false,
      muted: false,
      sharing: false,
    });
    void this.refreshDevices();
    this.startTimer();
    if (!offer) return connection.makeOffer();
    const description = await connection.acceptOffer(offer.sdp, offer.fingerprint);
    for (const candidate of this.candidatesBeforeConnection.splice(0))
      await connection.addCandidate(candidate);
    return description;
  }

  private localPreview(): MediaStream | null {
    const video = this.screen ?? this.camera;
    return video ? new MediaStream([video]) : null;
  }

  private localCandidate(candidate: Omit<IceCandidateBody, 'type' | 'callId'>): void {
    if (this.dialing !== null) this.localCandidatesBeforeDial.push(candidate);
    else this.sendCandidate(candidate);
  }

  private sendCandidate(candidate: Omit<IceCandidateBody, 'type' | 'callId'>): void {
    const state = this.state;
    if (!isLive(state)) return;
    this.send(state.peer, { type: 'ice', callId: fromCallId(state.callId), ...candidate });
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
    this.dispatch({ type: 'received', peer, body });
  }

  private dispatch(event: CallEvent): void {
    const before = this.state;
    const { state, effects } = step(before, event, {
      now: this.now(),
      ...(this.deps.hooks?.timeouts ? { timeouts: this.deps.hooks.timeouts } : {}),
    });
    this.state = state;
    if (state !== before) {
      if (state && state.callId !== before?.callId) this.clearEnded(false);
      this.update({ call: state, sas: state ? (sasOf(state, this.deps.myKey)?.words ?? null) : null });
    }
    for (const effect of effects) this.perform(effect);
    if (state?.phase === 'ended' && before?.phase !== 'ended') this.ended(state);
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
        if (state) this.notifier.incoming(this.deps.nameOf?.(state.peer) ?? 'A contact', state.media);
        this.startTimer();
        return;
      }
      case 'apply':
        void this.apply(effect.body).catch(() => this.dispatch({ type: 'local-failure', reason: 'failed' }));
        return;
      case 'restart-ice':
        void this.restartIce().catch(() => {});
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
      if (connection) await connection.addCandidate(body);
      else this.candidatesBeforeConnection.push(body);
      return;
    }
    if (!connection) return;
    if (body.type === 'answer') {
      this.ringer.stop();
      this.gateStarted = this.now();
      await connection.applyAnswer(body.sdp, body.fingerprint);
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
      sasNonce: state.localNonce,
      fingerprint: described.fingerprint,
      sdp: described.sdp,
    });
  }

  private async restartIce(): Promise<void> {
    const state = this.state;
    const connection = this.connection;
    if (!isLive(state) || !connection || !state.commitment || state.role !== 'caller') return;
    const described = await connection.makeOffer(true);
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

  private async gateVerdict(verdict: 'verified' | 'mismatch' | 'dtls-failed'): Promise<void> {
    if (verdict === 'verified' && this.connection) {
      const report = await this.connection.getStats();
      let inbound = 0;
      let outbound = 0;
      report.forEach((s: { type: string; packetsReceived?: number; bytesSent?: number }) => {
        if (s.type === 'inbound-rtp') inbound += s.packetsReceived ?? 0;
        if (s.type === 'outbound-rtp') outbound += s.bytesSent ?? 0;
      });
      const verifiedAt = this.now();
      this.gateRecord = {
        startedAt: this.gateStarted,
        verifiedAt,
        openedAt: verifiedAt,
        inboundPacketsAtVerify: inbound,
        outboundBytesAtVerify: outbound,
      };
    }
    this.dispatch({ type: 'gate', verdict });
  }

  private async openGate(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    const delay = this.deps.hooks?.gateDelayMs ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.connection !== connection || !isLive(this.state)) return;
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
      return; // a candidate or description our own format cannot carry: not sent
    }
    const { kind, payload } = encoded;
    let padded = padBody(payload);
    if (this.deps.hooks?.tamperSdp && (body.type === 'offer' || body.type === 'answer'))
      padded = tamperFingerprint(padded);
    void this.deps.sendEnvelope(peer, kind, padded).catch(() => {});
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
    this.update({ quality: qualityBetween(this.lastSample, sample) });
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
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.screen?.stop();
    this.stream = null;
    this.camera = null;
    this.screen = null;
    this.lastSample = null;
    this.candidatesBeforeConnection.length = 0;
    this.localCandidatesBeforeDial.length = 0;
    this.update({ local: null, remote: null, quality: null, sharing: false });
  }

  private update(next: Partial<CallView>): void {
    this.view = { ...this.view, ...next };
    this.deps.onChange(this.view);
  }
}

const fromCallId = (hex: string): Uint8Array => fromHex(hex);

const hexDigest = (value: string): Uint8Array => fromHex(value.replace(/:/g, ''));

/**
 * Test hook: flips one hex digit of every a=fingerprint line in an encoded, padded offer or answer, leaving
 * the committed fingerprint and every length as they were. The peer must refuse the (validly signed) body.
 */
function tamperFingerprint(padded: Uint8Array): Uint8Array {
  const text = Array.from(padded, (b) => String.fromCharCode(b)).join('');
  const out = padded.slice();
  const marker = /a=fingerprint:\S+ /g;
  for (let match = marker.exec(text); match; match = marker.exec(text)) {
    const at = match.index + match[0].length;
    out[at] = out[at] === 0x30 ? 0x31 : 0x30; // '0' <-> '1' (any other digit becomes '0')
  }
  return out;
}

const MEDIA_ERRORS = ['NotAllowedError', 'NotFoundError', 'OverconstrainedError', 'NotReadableError'];

function describeStartError(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  return MEDIA_ERRORS.includes(name)
    ? describeMediaError(error)
    : 'The call could not be started. Try again.';
}
