import { describe, expect, it } from 'vitest';
import { levelOf, qualityBetween, sampleOf } from '../../client/services/rtc/quality.ts';

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
});
