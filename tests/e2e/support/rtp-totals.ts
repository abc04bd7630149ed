/**
 * A page's RTP totals from its live peer connection's getStats(). No test runner in here: the calls bench
 * (tests/bench/calls.ts) reads them too.
 */
import type { Page } from 'playwright-core';

export interface RtpTotals {
  /** inbound-rtp entries that have received at least one packet. */
  inboundWithPackets: number;
  inboundPackets: number;
  framesDecoded: number;
  totalAudioEnergy: number;
  outboundBytes: number;
  dtlsState: string | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** Remote candidates ICE knows (peer-reflexive ones too: a connectivity check received). */
  remoteCandidates: number;
  candidatePairs: number;
}

/** Sums over the live peer connection's getStats() (zeros when there is none). */
export async function rtpTotals(page: Page): Promise<RtpTotals> {
  return page.evaluate(async () => {
    const totals = {
      inboundWithPackets: 0,
      inboundPackets: 0,
      framesDecoded: 0,
      totalAudioEnergy: 0,
      outboundBytes: 0,
      dtlsState: null as string | null,
      localCandidateType: null as string | null,
      remoteCandidateType: null as string | null,
      remoteCandidates: 0,
      candidatePairs: 0,
    };
    const calls = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls;
    const pc = calls?.service.peerConnection;
    if (!pc) return totals;
    const report = await pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => {
      byId.set(s.id as string, s);
    });
    for (const s of byId.values()) {
      if (s.type === 'inbound-rtp') {
        const packets = (s.packetsReceived as number) ?? 0;
        totals.inboundPackets += packets;
        if (packets > 0) totals.inboundWithPackets++;
        totals.framesDecoded += (s.framesDecoded as number) ?? 0;
        totals.totalAudioEnergy += (s.totalAudioEnergy as number) ?? 0;
      }
      if (s.type === 'outbound-rtp') totals.outboundBytes += (s.bytesSent as number) ?? 0;
      if (s.type === 'remote-candidate') totals.remoteCandidates++;
      if (s.type === 'candidate-pair') totals.candidatePairs++;
      if (s.type === 'transport') {
        totals.dtlsState = s.dtlsState as string;
        const pair = byId.get(s.selectedCandidatePairId as string);
        totals.localCandidateType =
          (byId.get(pair?.localCandidateId as string)?.candidateType as string) ?? null;
        totals.remoteCandidateType =
          (byId.get(pair?.remoteCandidateId as string)?.candidateType as string) ?? null;
      }
    }
    return totals;
  });
}
