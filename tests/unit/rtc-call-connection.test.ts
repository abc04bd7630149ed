/**
 * CallConnection against a scripted peer connection, for what Chromium does that a test cannot provoke on
 * demand: an addIceCandidate() that never settles because the peer connection was closed meanwhile (the call
 * ended while the callee's accept was handing ICE the caller's candidates), and an RTCDtlsTransport whose state
 * stays 'connecting' while the connection is up.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CallConnection } from '../../client/services/rtc/call-connection.ts';
import { FINGERPRINT, ScriptedPeerConnection, SDP } from './rtc-scripted-peer-connection.ts';

let savedMediaStream: unknown;
beforeAll(() => {
  savedMediaStream = (globalThis as { MediaStream?: unknown }).MediaStream;
  (globalThis as { MediaStream?: unknown }).MediaStream = class {
    addTrack() {}
  };
});
afterAll(() => {
  (globalThis as { MediaStream?: unknown }).MediaStream = savedMediaStream;
});

const noop = () => {};

describe('CallConnection', () => {
  test('releasing held candidates settles even when the call ends half-way (Chromium would never settle)', async () => {
    const pc = new ScriptedPeerConnection();
    const connection = await CallConnection.create({
      config: {},
      media: 'audio',
      createPeerConnection: () => pc as unknown as RTCPeerConnection,
      onCandidate: noop,
      onGate: noop,
      onConnection: noop,
      onRemoteStream: noop,
      onEnvelope: noop,
      onFileChannel: noop,
    });
    const answer = await connection.acceptOffer(SDP, { algorithm: 'sha-256', value: FINGERPRINT }, true);
    expect(answer.fingerprint.value).toBe(FINGERPRINT);
    // Held while ringing: nothing reached ICE.
    expect(pc.added).toEqual([]);
    // The call ends (the caller's security hang-up, say) while the first candidate is being added.
    pc.onFirstAdd = () => connection.close();
    const released = connection.releaseRemoteCandidates().then(() => 'settled');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1_000));
    expect(await Promise.race([released, timeout])).toBe('settled');
    // Nothing more went to a closed peer connection.
    expect(pc.added).toHaveLength(1);
  });

  test('a DTLS transport that still says connecting while the connection is up does not keep the gate shut', async () => {
    const pc = new ScriptedPeerConnection();
    const verdicts: string[] = [];
    const connection = await CallConnection.create({
      config: {},
      media: 'audio',
      createPeerConnection: () => pc as unknown as RTCPeerConnection,
      onCandidate: noop,
      onGate: (verdict) => verdicts.push(verdict),
      onConnection: noop,
      onRemoteStream: noop,
      onEnvelope: noop,
      onFileChannel: noop,
    });
    pc.transport = {
      state: 'connecting',
      iceTransport: { state: 'connected' },
      getRemoteCertificates: () => [],
    };
    pc.report = [
      { id: 'T', type: 'transport', remoteCertificateId: 'C' },
      { id: 'C', type: 'certificate', fingerprint: FINGERPRINT, fingerprintAlgorithm: 'sha-256' },
    ];
    await connection.acceptOffer(SDP, { algorithm: 'sha-256', value: FINGERPRINT }, false);
    // While the connection is not up either, the transport's word stands: no getStats(), no verdict.
    pc.onconnectionstatechange?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(verdicts).toEqual([]);
    expect(pc.statsCalls).toBe(0);
    // As seen in Chromium: connected, every DTLS transport with it, yet RTCDtlsTransport.state never moved.
    pc.connectionState = 'connected';
    pc.onconnectionstatechange?.();
    await expect.poll(() => verdicts, { timeout: 1_000 }).toEqual(['verified']);
    expect(pc.statsCalls).toBeGreaterThan(0);
    connection.close();
  });

  test('a file channel the peer opens before our check has passed waits unread: handed on if verified, closed if not', async () => {
    const other = FINGERPRINT.replace(/^00/, 'FF');
    for (const [presented, outcome] of [
      [FINGERPRINT, 'handed on'],
      [other, 'closed'],
    ] as const) {
      const pc = new ScriptedPeerConnection();
      const handed: { channel: unknown; early: readonly ArrayBuffer[] }[] = [];
      const verdicts: string[] = [];
      const connection = await CallConnection.create({
        config: {},
        media: 'data',
        createPeerConnection: () => pc as unknown as RTCPeerConnection,
        onCandidate: noop,
        onGate: (verdict) => verdicts.push(verdict),
        onConnection: noop,
        onRemoteStream: noop,
        onEnvelope: noop,
        onFileChannel: (channel, early) => handed.push({ channel, early }),
      });
      pc.transport = {
        state: 'connecting',
        iceTransport: { state: 'connected' },
        getRemoteCertificates: () => [],
      };
      pc.report = [
        { id: 'T', type: 'transport', remoteCertificateId: 'C' },
        { id: 'C', type: 'certificate', fingerprint: presented, fingerprintAlgorithm: 'sha-256' },
      ];
      await connection.acceptOffer(SDP, { algorithm: 'sha-256', value: FINGERPRINT }, false);
      const channel = {
        label: 'tincan-file',
        readyState: 'open',
        binaryType: 'blob',
        closed: false,
        onmessage: null as ((event: { data: unknown }) => void) | null,
        close() {
          this.closed = true;
        },
      };
      const ondatachannel = (pc as unknown as { ondatachannel: (event: { channel: unknown }) => void })
        .ondatachannel;
      ondatachannel({ channel });
      const header = new Uint8Array([1, 2, 3]).buffer;
      const chunk = new Uint8Array([2, 9]).buffer;
      channel.onmessage?.({ data: header });
      channel.onmessage?.({ data: chunk });
      expect(handed).toEqual([]);
      expect(channel.closed).toBe(false);
      pc.connectionState = 'connected';
      pc.onconnectionstatechange?.();
      await expect.poll(() => verdicts.length, { timeout: 1_000 }).toBe(1);
      if (outcome === 'handed on') {
        expect(verdicts).toEqual(['verified']);
        expect(handed).toEqual([{ channel, early: [header, chunk] }]);
        expect(channel.onmessage).toBeNull();
      } else {
        expect(verdicts).toEqual(['mismatch']);
        expect(handed).toEqual([]);
        expect(channel.closed).toBe(true);
      }
      // A channel of another label is never taken, before or after the verdict.
      const stranger = { ...channel, label: 'other', closed: false };
      ondatachannel({ channel: stranger });
      expect(stranger.closed).toBe(true);
      connection.close();
    }
  });

  test('DTLS failing while ICE is up is read as a refused certificate, even if ICE has closed by the time the check runs', async () => {
    const pc = new ScriptedPeerConnection();
    const verdicts: string[] = [];
    const connection = await CallConnection.create({
      config: {},
      media: 'data',
      createPeerConnection: () => pc as unknown as RTCPeerConnection,
      onCandidate: noop,
      onGate: (verdict) => verdicts.push(verdict),
      onConnection: noop,
      onRemoteStream: noop,
      onEnvelope: noop,
      onFileChannel: noop,
    });
    const transport = {
      state: 'connecting',
      iceTransport: { state: 'connected' },
      getRemoteCertificates: () => [],
      onstatechange: null as (() => void) | null,
    };
    pc.transport = transport;
    await connection.acceptOffer(SDP, { algorithm: 'sha-256', value: FINGERPRINT }, false);
    // Chromium refuses the certificate: DTLS fails, and the ICE transport closes right after, before any check.
    transport.state = 'failed';
    transport.onstatechange?.();
    transport.iceTransport.state = 'closed';
    await expect.poll(() => verdicts, { timeout: 1_000 }).toEqual(['dtls-failed']);
    connection.close();
  });
});
