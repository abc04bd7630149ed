/**
 * The call service renews a call's TURN credentials before they expire (they last only the relay's TURN_TTL,
 * and coturn checks them on every refresh), in Node: a scripted peer connection (no ICE, no DTLS; the test
 * says when the certificate checks out), a relay that answers TURN requests as the test says, and Vitest's
 * clock behind the service's timers. The same in Chromium through a real coturn: tests/e2e/call-turn-renewal.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { padBody, unpadBody } from '../../client/core/body-frame.ts';
import { CallService } from '../../client/services/rtc/call-service.ts';
import type { CallServiceDeps } from '../../client/services/rtc/call-types.ts';
import { toHex } from '../../crypto/bytes.ts';
import {
  type CallBody,
  type CallOffer,
  decodeCallBody,
  encodeCallBody,
} from '../../crypto/call-signaling.ts';
import { parseFingerprint } from '../../crypto/dtls-fingerprint.ts';
import type { TurnCredentialsBody } from '../../crypto/relay-turn-credentials.ts';
import { sasCommitment } from '../../crypto/sas.ts';
import { testRandom } from '../support/identities.ts';
import { FINGERPRINT, ScriptedPeerConnection, sdpWith } from './rtc-scripted-peer-connection.ts';

const ME = new Uint8Array(32).fill(1);
const PEER = 'b0'.repeat(32);
const T0 = 1_767_225_600_000;
const TTL_SECONDS = 60;
/** The peer's certificate: not ours (an answer reflecting ours is refused). */
const THEIRS = FINGERPRINT.replace(/^00/, 'FF');
const theirFingerprint = parseFingerprint('sha-256', THEIRS);
const LAPSED = 'The relay gave no fresh TURN credentials: this call may drop.';

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
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const credentials = (n: number): TurnCredentialsBody => ({
  expiresAt: Math.floor(Date.now() / 1000) + TTL_SECONDS,
  username: `${Math.floor(Date.now() / 1000) + TTL_SECONDS}:label${n}`,
  credential: `secret${n}`,
  urls: ['turn:127.0.0.1:3478?transport=udp'],
});

const microphone = {
  kind: 'audio',
  enabled: true,
  stop() {},
  getSettings: () => ({ deviceId: 'mic' }),
};
const devices = {
  getUserMedia: async () =>
    ({
      getAudioTracks: () => [microphone],
      getVideoTracks: () => [],
      getTracks: () => [microphone],
    }) as unknown as MediaStream,
  enumerateDevices: async () => [],
};

/**
 * One page's call service. `turn` answers each TURN request (the first is the call's own); what it was asked
 * when is kept in `asked`.
 */
function page(turn: (n: number) => Promise<TurnCredentialsBody | null>) {
  const pc = new ScriptedPeerConnection();
  const made: RTCConfiguration[] = [];
  const certificate = { expires: T0 + 86_400_000 } as unknown as RTCCertificate;
  const sent: CallBody[] = [];
  const asked: number[] = [];
  const deps: CallServiceDeps = {
    myKey: ME,
    random: testRandom('turn-renewal'),
    sendEnvelope: async (_peer, kind, body) => {
      sent.push(decodeCallBody(kind, unpadBody(body)));
    },
    receiveEnvelope: () => {},
    requestTurn: () => {
      asked.push(Date.now() - T0);
      return turn(asked.length);
    },
    turnAvailable: () => true,
    isVerified: () => false,
    hideIp: () => 'unverified',
    devices,
    createPeerConnection: (config) => {
      made.push(config);
      return pc as unknown as RTCPeerConnection;
    },
    generateCertificate: async () => certificate,
    onChange: () => {},
  };
  const service = new CallService(deps);
  const deliver = (body: CallBody) => {
    const { kind, payload } = encodeCallBody(body);
    return service.receive(PEER, kind, padBody(payload));
  };
  /** DTLS up with the peer's signed certificate: the page's check passes at its next look. */
  const certificateChecksOut = () => {
    pc.transport = {
      state: 'connected',
      iceTransport: { state: 'connected' },
      getRemoteCertificates: () => [],
    };
    pc.report = [
      { id: 'T', type: 'transport', remoteCertificateId: 'C' },
      { id: 'C', type: 'certificate', fingerprint: THEIRS, fingerprintAlgorithm: 'sha-256' },
    ];
    pc.connectionState = 'connected';
    pc.onconnectionstatechange?.();
  };
  return { service, pc, made, certificate, sent, asked, deliver, certificateChecksOut };
}

/** A caller's audio call, answered and accepted by the (scripted) peer, up and verified. */
async function activeCall(turn: (n: number) => Promise<TurnCredentialsBody | null>) {
  const side = page(turn);
  await side.service.start(PEER, 'audio');
  const offer = side.sent.find((b): b is CallOffer => b.type === 'offer')!;
  await side.deliver({
    type: 'answer',
    callId: offer.callId,
    purpose: 'call',
    connectsOnAccept: false,
    sasNonce: new Uint8Array(32).fill(3),
    fingerprint: theirFingerprint,
    sdp: sdpWith(THEIRS),
  });
  await side.deliver({ type: 'control', callId: offer.callId, action: 'accept' });
  side.certificateChecksOut();
  await vi.advanceTimersByTimeAsync(200);
  expect(side.service.current.call?.phase).toBe('active');
  return side;
}

const restartOffers = (sent: CallBody[]) =>
  sent.filter((b) => b.type === 'offer' && b.purpose === 'renegotiate').length;

/** The peer's answer to the last restart offer. */
function restartAnswer(sent: CallBody[]): CallBody {
  const offer = sent.filter((b) => b.type === 'offer' && b.purpose === 'renegotiate').at(-1)!;
  return {
    type: 'answer',
    callId: offer.callId,
    purpose: 'renegotiate',
    connectsOnAccept: false,
    sasNonce: new Uint8Array(32).fill(3),
    fingerprint: theirFingerprint,
    sdp: sdpWith(THEIRS),
  };
}

describe('TURN credentials renewed during a call', () => {
  test('caller: at half their lifetime, fresh credentials with the same certificate and policy, then an ICE restart', async () => {
    const caller = await activeCall(async (n) => credentials(n));
    expect(caller.made).toHaveLength(1);
    expect(caller.made[0]).toMatchObject({
      iceTransportPolicy: 'relay',
      certificates: [caller.certificate],
      iceServers: [{ username: expect.stringMatching(/:label1$/), credential: 'secret1' }],
    });
    await vi.advanceTimersByTimeAsync(29_500 - 200);
    expect(caller.asked).toEqual([0]);
    expect(caller.pc.configurations).toEqual([]);
    expect(restartOffers(caller.sent)).toBe(0);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(caller.asked).toEqual([0, 30_000]);
    expect(caller.pc.configurations).toEqual([
      {
        ...caller.made[0],
        iceServers: [
          {
            urls: ['turn:127.0.0.1:3478?transport=udp'],
            username: `${T0 / 1000 + 30 + TTL_SECONDS}:label2`,
            credential: 'secret2',
          },
        ],
      },
    ]);
    expect(caller.pc.configurations[0]!.certificates![0]).toBe(caller.certificate);
    expect(caller.pc.offers.at(-1)).toEqual({ iceRestart: true });
    expect(restartOffers(caller.sent)).toBe(1);
    expect(caller.service.current.call?.phase).toBe('active');
    await caller.deliver(restartAnswer(caller.sent));

    // The next renewal: half the fresh credentials' lifetime later.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(caller.asked).toEqual([0, 30_000, 60_000]);
    expect(restartOffers(caller.sent)).toBe(2);
    caller.service.dispose();
  });

  test('callee: fresh credentials applied, and the caller asked for the ICE restart', async () => {
    const callee = page(async (n) => credentials(n));
    const callId = new Uint8Array(16).fill(9);
    await callee.deliver({
      type: 'offer',
      callId,
      media: 'audio',
      purpose: 'call',
      createdAt: T0,
      sasCommitment: sasCommitment(callId, new Uint8Array(32).fill(4)),
      fingerprint: theirFingerprint,
      sdp: sdpWith(THEIRS),
    });
    // Relay-only ICE: connected and checked while it rings.
    await vi.advanceTimersByTimeAsync(0);
    callee.certificateChecksOut();
    await vi.advanceTimersByTimeAsync(200);
    await callee.service.accept();
    expect(callee.service.current.call?.phase).toBe('active');
    const asksForRestart = () =>
      callee.sent.filter((b) => b.type === 'control' && b.action === 'ice-restart').length;

    await vi.advanceTimersByTimeAsync(29_000);
    expect(callee.asked).toEqual([0]);
    expect(asksForRestart()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(callee.asked).toEqual([0, 30_000]);
    expect(callee.pc.configurations).toHaveLength(1);
    expect(callee.pc.configurations[0]).toMatchObject({
      iceTransportPolicy: 'relay',
      certificates: [callee.made[0]!.certificates![0]],
      iceServers: [{ credential: 'secret2' }],
    });
    expect(asksForRestart()).toBe(1);
    expect(toHex(callee.sent.at(-1)!.callId)).toBe(toHex(callId));
    // The callee never offers: the restart is the caller's.
    expect(callee.pc.offers).toEqual([]);
    callee.service.dispose();
  });

  test('caller: the callee’s request crossing our renewal restart gets one more restart once ours is answered', async () => {
    const caller = await activeCall(async (n) => credentials(n));
    const callId = caller.sent.find((b) => b.type === 'offer')!.callId;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(restartOffers(caller.sent)).toBe(1);
    // The callee renewed at about the same time: its request comes while our offer awaits its answer.
    await caller.deliver({ type: 'control', callId, action: 'ice-restart' });
    expect(restartOffers(caller.sent)).toBe(1);
    await caller.deliver(restartAnswer(caller.sent));
    await vi.advanceTimersByTimeAsync(0);
    expect(restartOffers(caller.sent)).toBe(2);
    expect(caller.pc.offers.filter((o) => o.iceRestart)).toHaveLength(2);
    // Answered, that one is the last: nothing more is queued.
    await caller.deliver(restartAnswer(caller.sent));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(restartOffers(caller.sent)).toBe(2);
    caller.service.dispose();
  });

  test('refused renewals are asked again with a growing wait; the call stays up, the user is told once they run out', async () => {
    let refusing = true;
    const caller = await activeCall(async (n) => (n === 1 || !refusing ? credentials(n) : null));
    await vi.advanceTimersByTimeAsync(80_000);
    // 30 s, then 5, 10, 20 s later (and the next after 40 s more).
    expect(caller.asked).toEqual([0, 30_000, 35_000, 45_000, 65_000]);
    expect(caller.pc.configurations).toEqual([]);
    expect(restartOffers(caller.sent)).toBe(0);
    expect(caller.service.current.call?.phase).toBe('active');
    expect(caller.sent.some((b) => b.type === 'control' && b.action === 'hangup')).toBe(false);
    // The credentials expired at 60 s.
    expect(caller.service.current.notice).toBe(LAPSED);

    refusing = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(caller.asked).toEqual([0, 30_000, 35_000, 45_000, 65_000, 105_000]);
    expect(caller.pc.configurations).toHaveLength(1);
    expect(restartOffers(caller.sent)).toBe(1);
    expect(caller.service.current.notice).toBeNull();
    expect(caller.service.current.call?.phase).toBe('active');
    caller.service.dispose();
  });

  test('a relay that never answers counts as a refusal', async () => {
    const caller = await activeCall((n) =>
      n === 1 ? Promise.resolve(credentials(n)) : new Promise(() => {}),
    );
    await vi.advanceTimersByTimeAsync(30_000 + 10_000 + 5_000);
    expect(caller.asked).toEqual([0, 30_000, 45_000]);
    expect(caller.service.current.call?.phase).toBe('active');
    caller.service.dispose();
  });

  test('a call ended before the renewal leaves no timer; credentials that come after the end are not applied', async () => {
    const caller = await activeCall(async (n) => credentials(n));
    await vi.advanceTimersByTimeAsync(10_000);
    caller.service.hangup();
    expect(caller.service.current.call?.phase).toBe('ended');
    // Only the ended screen's own short timer is left, and it goes too.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(caller.asked).toEqual([0]);

    let answer: (body: TurnCredentialsBody) => void = () => {};
    const late = await activeCall((n) =>
      n === 1 ? Promise.resolve(credentials(n)) : new Promise((resolve) => (answer = resolve)),
    );
    await vi.advanceTimersByTimeAsync(30_000);
    expect(late.asked).toHaveLength(2);
    late.service.hangup();
    answer(credentials(2));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(late.pc.configurations).toEqual([]);
    expect(restartOffers(late.sent)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
