/**
 * Watches a group call page's peer connections from an init script (the production build has no test doors):
 * per connection, whether it ever connected, how many real tracks were put on its senders (the media gate puts
 * one on only once that leg's certificate check passed), and, while connected, video frames decoded and RTP
 * packets received. Stats are read only once a connection is connected: an earlier getStats() would fill
 * Chromium's certificate-stats cache before DTLS (see client/services/rtc/gate.ts). With `lie` set, the page's
 * localDescription names another certificate than its DTLS presents: the page signs a fingerprint that is not
 * its certificate's, which is what a man in the middle's SDP would look like.
 */
import type { Page } from 'playwright-core';

export interface LegRecord {
  everConnected: boolean;
  closed: boolean;
  tracksOn: number;
  framesDecoded: number;
  inboundPackets: number;
  frameWidth: number;
}

export interface GroupProbe {
  lie: boolean;
  legs: LegRecord[];
}

/** Runs in every page before the app. */
export function installGroupProbe(): void {
  const probe: GroupProbe = { lie: false, legs: [] };
  (globalThis as { groupProbe?: GroupProbe }).groupProbe = probe;
  const Native = RTCPeerConnection;
  const proto = Native.prototype;
  const nativeDescription = Object.getOwnPropertyDescriptor(proto, 'localDescription')!;
  Object.defineProperty(proto, 'localDescription', {
    configurable: true,
    get(this: RTCPeerConnection) {
      const description = nativeDescription.get!.call(this) as RTCSessionDescription | null;
      if (!description || !probe.lie) return description;
      const sdp = description.sdp.replace(
        /(a=fingerprint:\S+ )(.)/g,
        (_, head: string, digit: string) => `${head}${digit === '0' ? '1' : '0'}`,
      );
      return { type: description.type, sdp, toJSON: () => ({ type: description.type, sdp }) };
    },
  });
  const records = new WeakMap<RTCPeerConnection, LegRecord>();
  const replaceTrack = RTCRtpSender.prototype.replaceTrack;
  const owners = new WeakMap<RTCRtpSender, LegRecord>();
  RTCRtpSender.prototype.replaceTrack = function (this: RTCRtpSender, track) {
    const record = owners.get(this);
    if (record && track) record.tracksOn += 1;
    return replaceTrack.call(this, track);
  };
  const addTransceiver = proto.addTransceiver;
  proto.addTransceiver = function (
    this: RTCPeerConnection,
    ...args: Parameters<RTCPeerConnection['addTransceiver']>
  ) {
    const transceiver = addTransceiver.apply(this, args);
    const record = records.get(this);
    if (record) owners.set(transceiver.sender, record);
    return transceiver;
  };
  class Watched extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      const record: LegRecord = {
        everConnected: false,
        closed: false,
        tracksOn: 0,
        framesDecoded: 0,
        inboundPackets: 0,
        frameWidth: 0,
      };
      probe.legs.push(record);
      records.set(this, record);
      // The answering side reuses the transceivers the offer made: their senders are known once it is applied.
      const own = () => {
        for (const t of this.getTransceivers()) owners.set(t.sender, record);
      };
      this.addEventListener('signalingstatechange', own);
      const sample = async () => {
        if (this.connectionState !== 'connected') return;
        const stats = await this.getStats();
        let frames = 0;
        let packets = 0;
        stats.forEach((s) => {
          if (s.type !== 'inbound-rtp') return;
          packets += s.packetsReceived ?? 0;
          if (s.kind === 'video') {
            frames += s.framesDecoded ?? 0;
            record.frameWidth = s.frameWidth ?? record.frameWidth;
          }
        });
        record.framesDecoded = Math.max(record.framesDecoded, frames);
        record.inboundPackets = Math.max(record.inboundPackets, packets);
      };
      const timer = setInterval(() => {
        if (this.connectionState === 'closed' || this.signalingState === 'closed') {
          record.closed = true;
          clearInterval(timer);
          return;
        }
        void sample().catch(() => {});
      }, 250);
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') record.everConnected = true;
      });
      const close = this.close.bind(this);
      this.close = () => {
        record.closed = true;
        close();
      };
    }
  }
  Object.defineProperty(Watched, 'generateCertificate', {
    value: (algorithm: AlgorithmIdentifier) => Native.generateCertificate(algorithm),
  });
  (globalThis as { RTCPeerConnection: typeof RTCPeerConnection }).RTCPeerConnection = Watched;
}

export const legsOf = (page: Page): Promise<LegRecord[]> =>
  page.evaluate(() =>
    (globalThis as unknown as { groupProbe: GroupProbe }).groupProbe.legs.map((l) => ({ ...l })),
  );

/** Forgets the legs recorded so far (a new call), and sets whether the page lies about its certificate. */
export const resetProbe = (page: Page, lie = false): Promise<void> =>
  page.evaluate((lying) => {
    const probe = (globalThis as unknown as { groupProbe: GroupProbe }).groupProbe;
    probe.legs = [];
    probe.lie = lying;
  }, lie);

/** The legs that are up now. */
export const liveLegs = async (page: Page): Promise<LegRecord[]> =>
  (await legsOf(page)).filter((leg) => !leg.closed && leg.everConnected);
