/**
 * The connection-quality indicator, from two getStats() samples: round-trip time of the selected candidate
 * pair, packet loss and received bitrate over the interval between them. Pure: samples in, numbers out.
 */

export interface QualitySample {
  /** ms, from the stats timestamp. */
  readonly at: number;
  readonly rttMs: number | null;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly bytesReceived: number;
  /** Local and remote candidate types of the selected pair (host, srflx, prflx, relay). */
  readonly localCandidate: string | null;
  readonly remoteCandidate: string | null;
}

export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

export interface Quality {
  readonly level: QualityLevel;
  readonly rttMs: number | null;
  /** Percent of packets lost over the interval. */
  readonly lossPercent: number | null;
  readonly kbps: number | null;
  readonly path: 'direct' | 'relayed' | null;
}

type Stats = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function sampleOf(report: Iterable<unknown>): QualitySample {
  const byId = new Map<string, Stats>();
  for (const item of report) {
    const stats = (Array.isArray(item) ? item[1] : item) as Stats | null;
    if (stats && typeof stats.id === 'string') byId.set(stats.id, stats);
  }
  let pair: Stats | undefined;
  let at = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let bytesReceived = 0;
  for (const stats of byId.values()) {
    at = Math.max(at, num(stats.timestamp));
    if (stats.type === 'transport' && typeof stats.selectedCandidatePairId === 'string') {
      pair = byId.get(stats.selectedCandidatePairId);
    }
    if (stats.type === 'inbound-rtp') {
      packetsReceived += num(stats.packetsReceived);
      packetsLost += num(stats.packetsLost);
      bytesReceived += num(stats.bytesReceived);
    }
  }
  const candidateType = (id: unknown): string | null => {
    const type = typeof id === 'string' ? byId.get(id)?.candidateType : undefined;
    return typeof type === 'string' ? type : null;
  };
  const rtt = pair?.currentRoundTripTime;
  return {
    at,
    rttMs: typeof rtt === 'number' ? Math.round(rtt * 1000) : null,
    packetsReceived,
    packetsLost,
    bytesReceived,
    localCandidate: candidateType(pair?.localCandidateId),
    remoteCandidate: candidateType(pair?.remoteCandidateId),
  };
}

export function qualityBetween(previous: QualitySample | null, current: QualitySample): Quality {
  const path =
    current.localCandidate === null
      ? null
      : current.localCandidate === 'relay' || current.remoteCandidate === 'relay'
        ? 'relayed'
        : 'direct';
  let lossPercent: number | null = null;
  let kbps: number | null = null;
  if (previous && current.at > previous.at) {
    const received = current.packetsReceived - previous.packetsReceived;
    const lost = Math.max(0, current.packetsLost - previous.packetsLost);
    if (received + lost > 0) lossPercent = Math.round((1000 * lost) / (received + lost)) / 10;
    kbps = Math.round(((current.bytesReceived - previous.bytesReceived) * 8) / (current.at - previous.at));
  }
  return { level: levelOf(current.rttMs, lossPercent), rttMs: current.rttMs, lossPercent, kbps, path };
}

/** Thresholds after ITU-T G.114 (one-way delay under 150 ms is good) and typical codec loss tolerance. */
export function levelOf(rttMs: number | null, lossPercent: number | null): QualityLevel {
  if (rttMs === null && lossPercent === null) return 'unknown';
  const rtt = rttMs ?? 0;
  const loss = lossPercent ?? 0;
  if (rtt <= 300 && loss <= 2) return 'good';
  if (rtt <= 600 && loss <= 8) return 'fair';
  return 'poor';
}
