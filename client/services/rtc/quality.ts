/**
 * The connection-quality indicator, from two getStats() samples: round-trip time of the selected candidate
 * pair, packet loss and received bitrate over the interval between them; and whether the camera on our video
 * sender encodes anything at all. Pure: samples in, numbers out.
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
  /** The track on our video sender (its media-source's trackIdentifier), null when it sends no track. */
  readonly videoSource: string | null;
  readonly videoFramesEncoded: number;
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
  let videoSource: string | null = null;
  let videoFramesEncoded = 0;
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
    if (stats.type === 'outbound-rtp' && stats.kind === 'video') {
      videoFramesEncoded += num(stats.framesEncoded);
      const source = typeof stats.mediaSourceId === 'string' ? byId.get(stats.mediaSourceId) : undefined;
      if (typeof source?.trackIdentifier === 'string') videoSource = source.trackIdentifier;
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
    videoSource,
    videoFramesEncoded,
  };
}

/**
 * The same track was on our video sender for a whole interval and not one frame of it was encoded. Some cameras
 * are listed like any other and give frames no encoder takes (a depth camera's 16-bit frames): the person on
 * the other end then sees nothing, and only this tells us.
 */
export function videoStalled(previous: QualitySample | null, current: QualitySample): boolean {
  return (
    previous !== null &&
    current.videoSource !== null &&
    current.videoSource === previous.videoSource &&
    current.at > previous.at &&
    current.videoFramesEncoded === previous.videoFramesEncoded
  );
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
