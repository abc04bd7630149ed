import { describe, expect, it } from 'vitest';
import { levelOf, qualityBetween, sampleOf, videoStalled } from '../../client/services/rtc/quality.ts';

function stats(
  at: number,
  received: number,
  lost: number,
  bytes: number,
  rtt: number | null,
  local = 'host',
  remote = 'host',
) {
  return new Map<string, Record<string, unknown>>([
    ['T', { id: 'T', type: 'transport', timestamp: at, selectedCandidatePairId: 'P' }],
    [
      'P',
      {
        id: 'P',
        type: 'candidate-pair',
        timestamp: at,
        localCandidateId: 'L',
        remoteCandidateId: 'R',
        ...(rtt === null ? {} : { currentRoundTripTime: rtt }),
      },
    ],
    ['L', { id: 'L', type: 'local-candidate', timestamp: at, candidateType: local }],
    ['R', { id: 'R', type: 'remote-candidate', timestamp: at, candidateType: remote }],
    [
      'IA',
      {
        id: 'IA',
        type: 'inbound-rtp',
        timestamp: at,
        kind: 'audio',
        packetsReceived: received / 2,
        packetsLost: lost,
        bytesReceived: bytes / 2,
      },
    ],
    [
      'IV',
      {
        id: 'IV',
        type: 'inbound-rtp',
        timestamp: at,
        kind: 'video',
        packetsReceived: received / 2,
        packetsLost: 0,
        bytesReceived: bytes / 2,
      },
    ],
  ]);
}

describe('connection quality', () => {
  it('reads RTT, sums inbound streams, names the path', () => {
    const sample = sampleOf(stats(1000, 100, 2, 50_000, 0.042));
    expect(sample).toEqual({
      at: 1000,
      rttMs: 42,
      packetsReceived: 100,
      packetsLost: 2,
      bytesReceived: 50_000,
      localCandidate: 'host',
      remoteCandidate: 'host',
      videoSource: null,
      videoFramesEncoded: 0,
    });
    expect(qualityBetween(null, sampleOf(stats(1000, 0, 0, 0, 0.01, 'relay', 'host'))).path).toBe('relayed');
    expect(qualityBetween(null, sample).path).toBe('direct');
  });

  it('loss and bitrate over the interval between two samples', () => {
    const q = qualityBetween(
      sampleOf(stats(1000, 100, 0, 0, 0.02)),
      sampleOf(stats(3000, 290, 10, 500_000, 0.02)),
    );
    expect(q.lossPercent).toBe(5); // 10 lost of 200
    expect(q.kbps).toBe(2000); // 500 kB in 2 s
    expect(q.level).toBe('fair');
  });

  it('levels: good, fair, poor, unknown', () => {
    expect(levelOf(null, null)).toBe('unknown');
    expect(levelOf(40, 0)).toBe('good');
    expect(levelOf(300, 2)).toBe('good');
    expect(levelOf(301, 0)).toBe('fair');
    expect(levelOf(100, 8)).toBe('fair');
    expect(levelOf(601, 0)).toBe('poor');
    expect(levelOf(50, 9)).toBe('poor');
  });

  it('an empty or unrelated report gives nothing to show, not an error', () => {
    expect(qualityBetween(null, sampleOf([]))).toEqual({
      level: 'unknown',
      rttMs: null,
      lossPercent: null,
      kbps: null,
      path: null,
    });
    expect(sampleOf([null, 3, 'x', { type: 'inbound-rtp' }]).packetsReceived).toBe(0);
  });

  describe('a camera that encodes nothing', () => {
    /** Our video sender: a track (or none) and how many frames it has encoded so far. */
    const sending = (at: number, track: string | null, framesEncoded: number) =>
      sampleOf([
        {
          id: 'OV',
          type: 'outbound-rtp',
          kind: 'video',
          timestamp: at,
          framesEncoded,
          ...(track ? { mediaSourceId: 'S' } : {}),
        },
        { id: 'OA', type: 'outbound-rtp', kind: 'audio', timestamp: at, mediaSourceId: 'SA' },
        { id: 'SA', type: 'media-source', kind: 'audio', timestamp: at, trackIdentifier: 'mic' },
        ...(track
          ? [{ id: 'S', type: 'media-source', kind: 'video', timestamp: at, trackIdentifier: track }]
          : []),
      ]);

    it('is stalled when the same track encoded no frame over an interval', () => {
      expect(sending(1000, 'depth', 0).videoSource).toBe('depth');
      expect(videoStalled(sending(1000, 'depth', 0), sending(3000, 'depth', 0))).toBe(true);
      expect(videoStalled(sending(1000, 'cam', 40), sending(3000, 'cam', 40))).toBe(true);
    });

    it('is not stalled while frames are encoded, on a new track, with no track, or without two samples', () => {
      expect(videoStalled(sending(1000, 'cam', 10), sending(3000, 'cam', 70))).toBe(false);
      // Another camera was chosen between the samples: it has not had a whole interval yet.
      expect(videoStalled(sending(1000, 'depth', 0), sending(3000, 'cam', 0))).toBe(false);
      // Camera off: the sender has no track.
      expect(videoStalled(sending(1000, null, 50), sending(3000, null, 50))).toBe(false);
      expect(videoStalled(null, sending(3000, 'depth', 0))).toBe(false);
      expect(videoStalled(sending(3000, 'depth', 0), sending(3000, 'depth', 0))).toBe(false);
    });
  });
});
