/**
 * Just enough of RTCPeerConnection for CallConnection and the call service in Node, scripted by the test: the
 * DTLS transport and the stats report are what the test sets, and every description is SDP.
 */
export const FINGERPRINT = Array.from({ length: 32 }, (_, i) =>
  i.toString(16).padStart(2, '0').toUpperCase(),
).join(':');
/** A description of one audio m-line with `fingerprint`, as the browser would make or the peer would send. */
export const sdpWith = (fingerprint: string): string =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
    'a=candidate:2 1 udp 2122260223 127.0.0.1 50002 typ host generation 0',
    'a=mid:0',
    '',
  ].join('\r\n');
export const SDP = sdpWith(FINGERPRINT);

/** Just enough of RTCPeerConnection; addIceCandidate() settles only while the connection is open. */
export class ScriptedPeerConnection {
  signalingState = 'stable';
  connectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  readonly added: string[] = [];
  /** Called on the first addIceCandidate(), before it (never) settles. */
  onFirstAdd: () => void = () => {};
  /** The DTLS transport every sender reports once a description is set. */
  transport: {
    state: string;
    iceTransport: { state: string };
    getRemoteCertificates(): ArrayBuffer[];
  } | null = null;
  report: Record<string, unknown>[] = [];
  onconnectionstatechange: (() => void) | null = null;
  private readonly transceivers: {
    sender: { track: null; replaceTrack(): Promise<void>; readonly transport: unknown };
    receiver: { track: { kind: string } };
    direction: string;
  }[] = [];
  sctp = null;

  createDataChannel() {
    return { binaryType: '', readyState: 'connecting', onmessage: null, send() {}, close() {} };
  }
  addTransceiver(kind: string) {
    const pc = this;
    const t = {
      sender: {
        track: null,
        replaceTrack: async () => {},
        get transport() {
          return pc.transport;
        },
      },
      receiver: { track: { kind } },
      direction: 'sendrecv',
    };
    this.transceivers.push(t);
    return t;
  }
  getTransceivers() {
    return this.transceivers;
  }
  getSenders() {
    return this.transceivers.map((t) => t.sender);
  }
  getReceivers() {
    return this.transceivers.map((t) => t.receiver);
  }
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
    if (this.getTransceivers().length === 0) this.addTransceiver('audio');
  }
  async createAnswer() {
    return { type: 'answer', sdp: SDP };
  }
  /** The options of every createOffer() (an ICE restart asks with iceRestart). */
  readonly offers: RTCOfferOptions[] = [];
  async createOffer(options: RTCOfferOptions = {}) {
    this.offers.push(options);
    return { type: 'offer', sdp: SDP };
  }
  /** Every configuration given after the constructor's. */
  readonly configurations: RTCConfiguration[] = [];
  setConfiguration(configuration: RTCConfiguration) {
    this.configurations.push(configuration);
  }
  async setLocalDescription(description: { type: string; sdp: string }) {
    this.localDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
  }
  statsCalls = 0;
  async getStats() {
    this.statsCalls += 1;
    return this.report;
  }
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    this.added.push(candidate.candidate ?? '');
    if (this.added.length === 1) this.onFirstAdd();
    // As Chromium does once closed: a promise that never settles.
    return this.signalingState === 'closed' ? new Promise(() => {}) : Promise.resolve();
  }
  close() {
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }
}
