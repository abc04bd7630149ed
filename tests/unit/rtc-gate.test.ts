import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  certificateFingerprint,
  gateVerdict,
  MediaGate,
  type SenderLike,
  type TransportObservation,
} from '../../client/services/rtc/gate.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';

const der = new Uint8Array(300).fill(7);
const otherDer = new Uint8Array(300).fill(8);
const signed = fingerprintFromDigest('sha-256', sha256(der));

/** A getStats() report whose transport names a remote certificate with this DER's fingerprint. */
function report(certificate: Uint8Array | null, extra: Record<string, unknown> = {}) {
  const stats: Record<string, unknown>[] = [
    { id: 'T01', type: 'transport', dtlsState: 'connected', ...extra },
  ];
  if (certificate) {
    const fp = fingerprintFromDigest('sha-256', sha256(certificate)).value;
    stats[0]!.remoteCertificateId = `CF${fp}`;
    stats.push({ id: `CF${fp}`, type: 'certificate', fingerprint: fp, fingerprintAlgorithm: 'sha-256' });
  }
  return stats;
}

const seen = (partial: Partial<TransportObservation>): TransportObservation => ({
  dtlsState: 'connected',
  iceState: 'connected',
  report: null,
  remoteCertificates: null,
  ...partial,
});

describe('gateVerdict', () => {
  it('verified when every source names the signed certificate', () => {
    expect(gateVerdict(seen({ report: report(der) }), signed).state).toBe('verified');
    expect(gateVerdict(seen({ remoteCertificates: [der] }), signed).state).toBe('verified');
    expect(
      gateVerdict(seen({ report: report(der), remoteCertificates: [der, otherDer] }), signed).state,
    ).toBe('verified');
  });

  it('mismatch when any source names another certificate', () => {
    expect(gateVerdict(seen({ report: report(otherDer) }), signed).state).toBe('mismatch');
    expect(gateVerdict(seen({ remoteCertificates: [otherDer] }), signed).state).toBe('mismatch');
    expect(gateVerdict(seen({ report: report(der), remoteCertificates: [otherDer] }), signed).state).toBe(
      'mismatch',
    );
    expect(gateVerdict(seen({ report: report(otherDer), remoteCertificates: [der] }), signed).state).toBe(
      'mismatch',
    );
  });

  it('two transports naming different certificates: mismatch', () => {
    const two = [
      ...report(der),
      ...report(otherDer).map((s) => ({ ...s, id: s.type === 'transport' ? 'T02' : s.id })),
    ];
    expect(gateVerdict(seen({ report: two }), signed).state).toBe('mismatch');
  });

  it('waiting while DTLS is not connected, or when no source names a certificate (a stale stats cache)', () => {
    for (const dtlsState of ['new', 'connecting', 'closed'] as const) {
      expect(gateVerdict(seen({ dtlsState, report: report(otherDer) }), signed).state).toBe('waiting');
    }
    expect(gateVerdict(seen({ report: report(null) }), signed).state).toBe('waiting');
    expect(gateVerdict(seen({ report: report(null), remoteCertificates: [] }), signed).state).toBe('waiting');
  });

  it('DTLS failing while ICE is up is the certificate; while ICE is down it is the network', () => {
    expect(gateVerdict(seen({ dtlsState: 'failed', iceState: 'connected' }), signed).state).toBe(
      'dtls-failed',
    );
    expect(gateVerdict(seen({ dtlsState: 'failed', iceState: 'completed' }), signed).state).toBe(
      'dtls-failed',
    );
    expect(gateVerdict(seen({ dtlsState: 'failed', iceState: 'failed' }), signed).state).toBe('waiting');
    expect(gateVerdict(seen({ dtlsState: 'failed', iceState: 'disconnected' }), signed).state).toBe(
      'waiting',
    );
  });

  it('certificateFingerprint hashes the DER with the signed fingerprint’s hash', () => {
    expect(certificateFingerprint(der, 'sha-256').fingerprint).toBe(signed.value);
    const signed384 = fingerprintFromDigest('sha-384', sha384(der));
    expect(certificateFingerprint(der, 'sha-384').fingerprint).toBe(signed384.value);
    expect(gateVerdict(seen({ remoteCertificates: [der] }), signed384).state).toBe('verified');
  });
});

/** A sender that records what it was given. */
function recordingSender(): SenderLike & { log: (string | null)[] } {
  const log: (string | null)[] = [];
  const sender = {
    log,
    track: null as MediaStreamTrack | null,
    async replaceTrack(track: MediaStreamTrack | null) {
      log.push(track ? track.id : null);
      sender.track = track;
    },
  };
  return sender;
}

const track = (id: string) => ({ id }) as MediaStreamTrack;

describe('MediaGate', () => {
  it('mutes at attach and never hands a real track to a sender before open()', async () => {
    const gate = new MediaGate();
    const audio = recordingSender();
    const video = recordingSender();
    await gate.attach('audio', audio, track('mic'));
    await gate.attach('video', video, track('cam'));
    await gate.setTrack('video', track('screen'));
    await gate.setTrack('video', null);
    await gate.setTrack('video', track('cam2'));
    expect([...audio.log, ...video.log].filter((t) => t !== null)).toEqual([]);
    expect(gate.isOpen).toBe(false);
    await gate.open();
    expect(audio.log.at(-1)).toBe('mic');
    expect(video.log.at(-1)).toBe('cam2');
    await gate.setTrack('video', track('cam3'));
    expect(video.log.at(-1)).toBe('cam3');
  });

  it('open() with no track wanted costs no round trip; tracks set afterwards go on at once', async () => {
    const gate = new MediaGate();
    const audio = recordingSender();
    const video = recordingSender();
    await gate.attach('audio', audio, null);
    await gate.attach('video', video, null);
    await gate.open();
    // Nothing to put on, so no replaceTrack(null) beyond the one attach() made.
    expect([audio.log, video.log]).toEqual([[null], [null]]);
    await Promise.all([gate.setTrack('audio', track('mic')), gate.setTrack('video', track('cam'))]);
    expect([audio.log.at(-1), video.log.at(-1)]).toEqual(['mic', 'cam']);
  });

  it('close() mutes every sender for good; open() after close sends nothing', async () => {
    const gate = new MediaGate();
    const audio = recordingSender();
    await gate.attach('audio', audio, track('mic'));
    await gate.close();
    await gate.open();
    await gate.setTrack('audio', track('mic2'));
    expect(audio.log.filter((t) => t !== null)).toEqual([]);
    expect(gate.isOpen).toBe(false);
  });
});
