/**
 * What a call page's RTCPeerConnection carries, read inside the page: the video coming in and going out, the
 * tracks on the senders, the ICE credentials and the DTLS certificate in use, and a log of the connection
 * states the browser reported. For the call suites that change media or the path during a call.
 */
import type { Page } from 'playwright-core';
import type { Person } from './person.ts';

export interface MediaFlow {
  /** Inbound video: frame width and frames decoded so far. */
  inboundWidth: number;
  framesDecoded: number;
  /** Outbound video: frames encoded so far (stops growing when the sender has no track). */
  framesEncoded: number;
  audioTrack: { label: string; deviceId: string } | null;
  videoTrack: { label: string; deviceId: string } | null;
}

export const mediaFlow = (person: Person): Promise<MediaFlow> =>
  person.page.evaluate(async () => {
    const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls?.service.peerConnection;
    const flow: MediaFlow = {
      inboundWidth: 0,
      framesDecoded: 0,
      framesEncoded: 0,
      audioTrack: null,
      videoTrack: null,
    };
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        flow.inboundWidth = (s.frameWidth as number) ?? 0;
        flow.framesDecoded = (s.framesDecoded as number) ?? 0;
      }
      if (s.type === 'outbound-rtp' && s.kind === 'video')
        flow.framesEncoded = (s.framesEncoded as number) ?? 0;
    });
    for (const sender of pc?.getSenders() ?? []) {
      const track = sender.track;
      if (!track) continue;
      const described = { label: track.label, deviceId: track.getSettings().deviceId ?? '' };
      if (track.kind === 'audio') flow.audioTrack = described;
      else flow.videoTrack = described;
    }
    return flow;
  });

export interface PathFacts {
  localUfrag: string | null;
  remoteUfrag: string | null;
  /** The local description's SDP: unchanged means nothing was renegotiated. */
  localSdp: string;
  signalingState: string | null;
  dtlsState: string | null;
  /** The peer's certificate as getStats() names it (changes only with a new DTLS handshake). */
  remoteCertificate: string | null;
  /** The RTCDtlsTransport object of the senders, tagged once: the same tag means the same transport. */
  dtlsTransportTag: string | null;
}

export const pathFacts = (person: Person): Promise<PathFacts> =>
  person.page.evaluate(async () => {
    const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls?.service.peerConnection;
    const ufrag = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1] ?? null;
    const facts: PathFacts = {
      localUfrag: ufrag(pc?.localDescription?.sdp),
      remoteUfrag: ufrag(pc?.remoteDescription?.sdp),
      localSdp: pc?.localDescription?.sdp ?? '',
      signalingState: pc?.signalingState ?? null,
      dtlsState: null,
      remoteCertificate: null,
      dtlsTransportTag: null,
    };
    const byId = new Map<string, Record<string, unknown>>();
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      byId.set(s.id as string, s);
    });
    for (const s of byId.values()) {
      if (s.type !== 'transport') continue;
      facts.dtlsState = (s.dtlsState as string) ?? null;
      facts.remoteCertificate = (byId.get(s.remoteCertificateId as string)?.fingerprint as string) ?? null;
    }
    const transport = pc?.getSenders().find((s) => s.transport)?.transport as
      | (RTCDtlsTransport & { probeTag?: string })
      | undefined;
    if (transport) {
      transport.probeTag ??= crypto.randomUUID();
      facts.dtlsTransportTag = transport.probeTag;
    }
    return facts;
  });

/** Starts recording the live peer connection's connectionState changes (read with connectionLog()). */
export const logConnectionStates = (page: Page): Promise<void> =>
  page.evaluate(() => {
    const g = globalThis as {
      tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } };
      connectionLog?: string[];
    };
    const pc = g.tincanCalls?.service.peerConnection;
    const log: string[] = [];
    g.connectionLog = log;
    pc?.addEventListener('connectionstatechange', () => log.push(pc.connectionState));
  });

export const connectionLog = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...((globalThis as { connectionLog?: string[] }).connectionLog ?? [])]);

/** When the page's gate verified and opened (set once per call: a renegotiation must not set it again). */
export const gateRecordOf = (person: Person): Promise<unknown> =>
  person.page.evaluate(
    () =>
      (globalThis as { tincanCalls?: { service: { gateRecord: unknown } } }).tincanCalls?.service.gateRecord,
  );
