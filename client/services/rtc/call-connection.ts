/**
 * One call's RTCPeerConnection: muted senders behind the media gate, the envelope data channel, trickle ICE,
 * the certificate check, and file channels. It decides nothing about the call itself (the call machine does);
 * it reports what the browser says (candidates, connection state, the gate's verdict) through callbacks.
 *
 * Order of work on each side (no renegotiation is ever needed to start sending):
 *   caller  a sendrecv transceiver per kind, sender muted, data channel, createOffer, setLocalDescription
 *   callee  setRemoteDescription(offer), the offer's transceivers made sendrecv, senders muted, createAnswer...
 *   (the tracks come later through the MediaGate, so the connection can be made before the camera is open)
 *   both    after DTLS connects: getStats() -> remote certificate == signed fingerprint ? gate.open() : hang up
 */
import type { CallMedia, IceCandidate } from '../../../crypto/call-signaling.ts';
import { type DtlsFingerprint, parseSdpFingerprint } from '../../../crypto/dtls-fingerprint.ts';
import { type ChannelLike, FILE_CHANNEL_LABEL } from './file-transfer.ts';
import { gateVerdict, MediaGate, type TrackKind } from './gate.ts';
import { takeSdpCandidates } from './sdp-candidates.ts';

export const ENVELOPE_CHANNEL = { label: 'tincan-envelopes', id: 0 } as const;
/** How often the gate looks at getStats() while DTLS is connecting (state events also trigger a look). */
const GATE_POLL_MS = 100;
/** The peer sends on the channel only once its own check passed: a handful of envelopes at most wait for ours. */
const MAX_EARLY_ENVELOPES = 64;
/**
 * A file channel the peer opens once its check has passed may come before ours has: its messages wait (a few
 * hundred milliseconds of them at most; beyond this many bytes the channel is refused).
 */
const MAX_EARLY_FILE_BYTES = 8 * 1024 * 1024;
const MAX_EARLY_FILE_CHANNELS = 4;

/** A file channel the peer opened before our check passed, and what came on it meanwhile. */
interface EarlyFileChannel {
  readonly channel: RTCDataChannel;
  readonly messages: ArrayBuffer[];
  bytes: number;
}

export interface CallConnectionOptions {
  readonly config: RTCConfiguration;
  readonly media: CallMedia;
  readonly createPeerConnection: (config: RTCConfiguration) => RTCPeerConnection;
  readonly onCandidate: (candidate: IceCandidate) => void;
  /** The verdict, and what had flowed either way by the report the check read (for the gate record). */
  readonly onGate: (verdict: 'verified' | 'mismatch' | 'dtls-failed', flowed: FlowedSoFar) => void;
  /** DTLS has connected (the certificate check starts now). */
  readonly onDtlsConnected?: () => void;
  readonly onConnection: (state: 'connected' | 'disconnected' | 'failed') => void;
  readonly onRemoteStream: (stream: MediaStream) => void;
  readonly onEnvelope: (bytes: Uint8Array) => void;
  /** A file channel the peer opened, and the messages that came on it before our certificate check passed. */
  readonly onFileChannel: (channel: RTCDataChannel, early: readonly ArrayBuffer[]) => void;
  /** The TURN server refused our credentials (401/403): relay-only calls cannot connect. */
  readonly onTurnRefused?: () => void;
}

export interface FlowedSoFar {
  readonly inboundPackets: number;
  readonly outboundBytes: number;
}

export interface LocalDescription {
  /** What we send: the SDP, and the fingerprint we commit to (equal to the SDP's). */
  readonly sdp: string;
  readonly fingerprint: DtlsFingerprint;
}

export class CallConnection {
  readonly pc: RTCPeerConnection;
  readonly gate = new MediaGate();
  private readonly envelopes: RTCDataChannel;
  private readonly remote = new MediaStream();
  private remoteSigned: DtlsFingerprint | null = null;
  private verdict: 'waiting' | 'verified' | 'failed' = 'waiting';
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** The callee answered while it rings but may not be reached yet: the caller's candidates wait. */
  private remoteCandidatesHeld = false;
  /** Envelopes that came on the channel before our certificate check passed. */
  private readonly earlyEnvelopes: Uint8Array[] = [];
  private readonly earlyFileChannels: EarlyFileChannel[] = [];
  private poll: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** Settles on close(): Chromium never settles addIceCandidate() on a peer connection closed meanwhile. */
  private readonly closing: Promise<void>;
  private markClosed: () => void = () => {};
  private dtlsSeen = false;
  private watchedTransport: RTCDtlsTransport | null = null;
  /** The DTLS transport said 'failed' while its ICE transport was connected (seen at the state change). */
  private dtlsFailedOnLiveIce = false;
  /** Gate checks run one at a time; at most one more waits behind the running one. */
  private gateQueued: Promise<void> | null = null;
  private gateRunning: Promise<void> = Promise.resolve();

  private constructor(private readonly options: CallConnectionOptions) {
    this.closing = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    const pc = options.createPeerConnection(options.config);
    this.pc = pc;
    this.envelopes = pc.createDataChannel(ENVELOPE_CHANNEL.label, {
      negotiated: true,
      id: ENVELOPE_CHANNEL.id,
    });
    this.envelopes.binaryType = 'arraybuffer';
    this.envelopes.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      // Nothing from the channel counts before our own certificate check has passed. The peer's check may pass
      // first and its next envelope (the callee's accept, say) come at once, so those wait here, not dropped.
      if (this.verdict === 'verified') options.onEnvelope(new Uint8Array(event.data));
      else if (this.verdict === 'waiting' && this.earlyEnvelopes.length < MAX_EARLY_ENVELOPES)
        this.earlyEnvelopes.push(new Uint8Array(event.data));
    };
    pc.onicecandidate = (event) => {
      const c = event.candidate;
      if (!c?.candidate) return;
      options.onCandidate({
        candidate: c.candidate,
        sdpMid: c.sdpMid,
        sdpMLineIndex: c.sdpMLineIndex,
        usernameFragment: c.usernameFragment,
      });
    };
    pc.ontrack = (event) => {
      this.remote.addTrack(event.track);
      options.onRemoteStream(this.remote);
    };
    pc.ondatachannel = (event) => this.fileChannelOpened(event.channel);
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      if (state === 'connected' || state === 'failed' || state === 'disconnected') {
        void this.checkGate().then(() => {
          if (!this.closed && this.verdict !== 'failed') options.onConnection(state);
        });
      }
    };
    pc.onicecandidateerror = (event) => {
      if (event.errorCode === 401 || event.errorCode === 403) options.onTurnRefused?.();
    };
    // The peer connection does not negotiate by itself: the caller drives every offer explicitly.
    pc.onnegotiationneeded = null;
  }

  static async create(options: CallConnectionOptions): Promise<CallConnection> {
    return new CallConnection(options);
  }

  /** Caller: muted senders, then the offer (an ICE-restart offer when `restart`). */
  async makeOffer(restart = false): Promise<LocalDescription> {
    if (!restart) await this.attachTracks();
    const offer = await this.pc.createOffer(restart ? { iceRestart: true } : {});
    await this.pc.setLocalDescription(offer);
    return this.described();
  }

  /**
   * Callee: the caller's signed offer, then muted senders, then the answer. With `holdRemoteCandidates` the
   * caller's candidates are kept back until releaseRemoteCandidates(): without them our ICE agent sends no
   * connectivity check, so the caller learns nothing of our addresses while the answer is made ahead of time.
   */
  async acceptOffer(
    remoteSdp: string,
    fingerprint: DtlsFingerprint,
    holdRemoteCandidates = false,
  ): Promise<LocalDescription> {
    this.remoteSigned = fingerprint;
    this.remoteCandidatesHeld = holdRemoteCandidates;
    let sdp = remoteSdp;
    if (holdRemoteCandidates) {
      const taken = takeSdpCandidates(remoteSdp);
      sdp = taken.sdp;
      this.pendingCandidates.push(...taken.candidates);
    }
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.attachTracks();
    if (!holdRemoteCandidates) await this.flushCandidates();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.watchGate();
    return this.described();
  }

  /** Caller: the callee's signed answer (to the first offer or to a renegotiation). */
  async applyAnswer(remoteSdp: string, fingerprint: DtlsFingerprint): Promise<void> {
    this.remoteSigned = fingerprint;
    let sdp = remoteSdp;
    if (this.remoteCandidatesHeld) {
      const taken = takeSdpCandidates(remoteSdp);
      sdp = taken.sdp;
      this.pendingCandidates.push(...taken.candidates);
    }
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    if (!this.remoteCandidatesHeld) await this.flushCandidates();
    this.watchGate();
  }

  /**
   * Caller of a leg made while its person's phone rings (a group call): the answerer's candidates are kept
   * out of ICE until releaseRemoteCandidates(), so that our ICE agent sends no check before the person joins.
   */
  holdRemoteCandidates(): void {
    this.remoteCandidatesHeld = true;
  }

  /** Callee: the caller's ICE-restart offer. */
  async answerRenegotiation(remoteSdp: string): Promise<LocalDescription> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: remoteSdp });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    return this.described();
  }

  async addCandidate(candidate: IceCandidate): Promise<void> {
    const init: RTCIceCandidateInit = {
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid,
      sdpMLineIndex: candidate.sdpMLineIndex,
      usernameFragment: candidate.usernameFragment,
    };
    if (!this.pc.remoteDescription || this.remoteCandidatesHeld) {
      this.pendingCandidates.push(init);
      return;
    }
    await this.addToIce(init);
  }

  /** Callee, on accept: the caller's candidates go to ICE, and connectivity checks start. */
  async releaseRemoteCandidates(): Promise<void> {
    this.remoteCandidatesHeld = false;
    await this.flushCandidates();
  }

  get isVerified(): boolean {
    return this.verdict === 'verified';
  }

  /** The envelope channel may carry chat only while the certificate is verified and the path is up. */
  get envelopeChannelUsable(): boolean {
    return (
      !this.closed &&
      this.verdict === 'verified' &&
      this.pc.connectionState === 'connected' &&
      this.envelopes.readyState === 'open'
    );
  }

  sendEnvelope(bytes: Uint8Array<ArrayBuffer>): void {
    this.envelopes.send(bytes);
  }

  openFileChannel(): ChannelLike {
    if (this.verdict !== 'verified') throw new Error('the peer is not verified yet');
    return this.pc.createDataChannel(FILE_CHANNEL_LABEL, { ordered: true });
  }

  /**
   * Fresh TURN servers for the candidates gathered from now on (an ICE restart gathers them). Everything else
   * stays as the connection was made: the same certificate (Chromium refuses a changed list), the same policy.
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.closed) return;
    this.pc.setConfiguration({ ...this.options.config, iceServers });
  }

  getStats(): Promise<RTCStatsReport> {
    return this.pc.getStats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.markClosed();
    this.earlyEnvelopes.length = 0;
    for (const { channel } of this.earlyFileChannels.splice(0)) channel.close();
    if (this.poll !== undefined) clearInterval(this.poll);
    void this.gate.close();
    this.pc.close();
  }

  /**
   * Only file channels, and only once our own check has passed. The peer opens one once its check has passed,
   * which may be a moment before ours: such a channel and its messages wait here (bounded), unread, until our
   * verdict hands them on (verified) or closes them (anything else).
   */
  private fileChannelOpened(channel: RTCDataChannel): void {
    if (channel.label !== FILE_CHANNEL_LABEL || this.verdict === 'failed' || this.closed) {
      channel.close();
      return;
    }
    if (this.verdict === 'verified') {
      this.options.onFileChannel(channel, []);
      return;
    }
    if (this.earlyFileChannels.length >= MAX_EARLY_FILE_CHANNELS) {
      channel.close();
      return;
    }
    const early: EarlyFileChannel = { channel, messages: [], bytes: 0 };
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      early.bytes += event.data.byteLength;
      if (early.bytes > MAX_EARLY_FILE_BYTES) {
        channel.onmessage = null;
        channel.close();
        return;
      }
      early.messages.push(event.data);
    };
    this.earlyFileChannels.push(early);
  }

  /** One muted sender per kind of the call, without a track: the call service attaches the tracks later. */
  private async attachTracks(): Promise<void> {
    // A file session (media 'data') has no sender at all: its only m-line is the data channel's.
    const kinds: TrackKind[] =
      this.options.media === 'video' ? ['audio', 'video'] : this.options.media === 'audio' ? ['audio'] : [];
    for (const kind of kinds) await this.gate.attach(kind, this.senderWithoutTrack(kind), null);
  }

  private senderWithoutTrack(kind: TrackKind): RTCRtpSender {
    // The callee reuses the transceiver the offer created; the caller makes one.
    const offered = this.pc
      .getTransceivers()
      .find((t) => t.receiver.track.kind === kind && t.sender.track === null);
    if (!offered) return this.pc.addTransceiver(kind, { direction: 'sendrecv' }).sender;
    offered.direction = 'sendrecv';
    return offered.sender;
  }

  private described(): LocalDescription {
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local description');
    return { sdp, fingerprint: parseSdpFingerprint(sdp) };
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    // All at once: the browser applies them in order (its operations chain), and the accept waits on this.
    await Promise.all(pending.map((candidate) => this.addToIce(candidate)));
  }

  /**
   * Settles even if the call ends meanwhile (an accept waiting on it would otherwise wait forever). A candidate
   * of an ICE generation that has moved on is refused by the browser: nothing to do about it.
   */
  private addToIce(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.closed) return Promise.resolve();
    return Promise.race([this.pc.addIceCandidate(candidate).catch(() => {}), this.closing]);
  }

  private watchGate(): void {
    // A renegotiation after the check keeps the same DTLS transport and certificate: nothing to watch again.
    if (this.poll !== undefined || this.closed || this.verdict !== 'waiting') return;
    this.watchTransport();
    this.poll = setInterval(() => {
      this.watchTransport();
      void this.checkGate();
    }, GATE_POLL_MS);
  }

  /**
   * Reads each DTLS state change as it happens. A failure while ICE is up is noted at once: a check queued
   * behind a running one may only run after Chromium has closed the ICE transport too, and would then take a
   * refused certificate for a lost path.
   */
  private watchTransport(): void {
    const transport = this.dtlsTransport();
    if (!transport || transport === this.watchedTransport) return;
    this.watchedTransport = transport;
    transport.onstatechange = () => {
      const ice = transport.iceTransport.state;
      if (transport.state === 'failed' && (ice === 'connected' || ice === 'completed'))
        this.dtlsFailedOnLiveIce = true;
      void this.checkGate();
    };
  }

  /** With max-bundle there is one DTLS transport; the SCTP one is the same, and exists for audio-only calls too. */
  private dtlsTransport(): RTCDtlsTransport | null {
    return (
      this.pc.getSenders().find((s) => s.transport)?.transport ??
      this.pc.getReceivers().find((r) => r.transport)?.transport ??
      this.pc.sctp?.transport ??
      null
    );
  }

  private checkGate(): Promise<void> {
    if (this.gateQueued) return this.gateQueued;
    const next = this.gateRunning.then(() => {
      this.gateQueued = null;
      return this.checkGateOnce();
    });
    this.gateQueued = next;
    this.gateRunning = next.catch(() => {});
    return next;
  }

  private async checkGateOnce(): Promise<void> {
    if (this.verdict !== 'waiting' || this.closed || this.remoteSigned === null) return;
    const signed = this.remoteSigned;
    const transport = this.dtlsTransport();
    if (!transport) return;
    const dtlsState = dtlsStateOf(transport, this.pc);
    if (dtlsState === 'connected' && !this.dtlsSeen) {
      this.dtlsSeen = true;
      this.options.onDtlsConnected?.();
    }
    // No getStats() before DTLS has connected: see gate.ts on Chromium's certificate-stats cache.
    const report = dtlsState === 'connected' ? await this.pc.getStats() : null;
    const remoteCertificates =
      dtlsState === 'connected' && typeof transport.getRemoteCertificates === 'function'
        ? transport.getRemoteCertificates().map((der) => new Uint8Array(der))
        : null;
    if (this.verdict !== 'waiting' || this.closed) return;
    const result = gateVerdict(
      {
        dtlsState,
        iceState: this.dtlsFailedOnLiveIce ? 'connected' : transport.iceTransport.state,
        report,
        remoteCertificates,
      },
      signed,
    );
    if (result.state === 'waiting') return;
    if (this.poll !== undefined) clearInterval(this.poll);
    this.poll = undefined;
    this.verdict = result.state === 'verified' ? 'verified' : 'failed';
    const early = this.earlyEnvelopes.splice(0);
    const earlyFiles = this.earlyFileChannels.splice(0);
    this.options.onGate(result.state, flowedIn(report));
    if (this.verdict === 'verified') for (const bytes of early) this.options.onEnvelope(bytes);
    for (const { channel, messages } of earlyFiles) {
      channel.onmessage = null;
      if (this.verdict === 'verified' && !this.closed && channel.readyState === 'open')
        this.options.onFileChannel(channel, messages);
      else channel.close();
    }
  }
}

/**
 * Chromium has been seen (about once in a few hundred calls on a loaded machine) to leave RTCDtlsTransport.state
 * at 'connecting' for good while the connection was up: pc.connectionState said 'connected', which needs every
 * DTLS transport connected, media arrived, and the page's own check never ran. Either saying connected is enough.
 */
function dtlsStateOf(
  transport: Pick<RTCDtlsTransport, 'state'>,
  pc: Pick<RTCPeerConnection, 'connectionState'>,
): RTCDtlsTransportState {
  return pc.connectionState === 'connected' ? 'connected' : transport.state;
}

/** RTP counters in a stats report: the gate record proves nothing had flowed when the check passed. */
function flowedIn(report: RTCStatsReport | null): FlowedSoFar {
  let inboundPackets = 0;
  let outboundBytes = 0;
  report?.forEach((s: { type: string; packetsReceived?: number; bytesSent?: number }) => {
    if (s.type === 'inbound-rtp') inboundPackets += s.packetsReceived ?? 0;
    if (s.type === 'outbound-rtp') outboundBytes += s.bytesSent ?? 0;
  });
  return { inboundPackets, outboundBytes };
}
