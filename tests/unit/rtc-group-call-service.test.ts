/**
 * The group call service in Node over scripted peer connections (no ICE, no DTLS: the test says which
 * certificate each leg's DTLS presents): each pair is its own leg with its own gate, a leg body is the group
 * call's and never a one-to-one call's, and a leg whose certificate is not the signed one gets no track and
 * drops that participant while the others go on.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { padBody, unpadBody } from '../../client/core/body-frame.ts';
import { legIdOf } from '../../client/core/group-call-mesh.ts';
import { GroupCallService, type GroupCallView } from '../../client/services/rtc/group-call-service.ts';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { type CallBody, decodeCallBody, encodeCallBody } from '../../crypto/call-signaling.ts';
import { parseFingerprint } from '../../crypto/dtls-fingerprint.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import {
  decodeGroupCallBody,
  encodeGroupCallBody,
  type GroupCallBody,
} from '../../crypto/group-call-body.ts';
import { sasCommitment } from '../../crypto/sas.ts';
import { testRandom } from '../support/identities.ts';
import { FINGERPRINT, ScriptedPeerConnection, sdpWith } from './rtc-scripted-peer-connection.ts';

const T0 = 1_767_225_600_000;
const ME = 'a0'.repeat(32);
const BOB = 'b0'.repeat(32);
const CAROL = 'c0'.repeat(32);
const GROUP = '11'.repeat(16);
const MEMBERS = [ME, BOB, CAROL];
/** Each peer's certificate; Carol's DTLS presents another one than she signs. */
const SIGNED = { [BOB]: FINGERPRINT.replace(/^00/, 'BB'), [CAROL]: FINGERPRINT.replace(/^00/, 'CC') };
const PRESENTED = { [BOB]: SIGNED[BOB], [CAROL]: FINGERPRINT.replace(/^00/, 'DD') };

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

const microphone = { kind: 'audio', enabled: true, stop() {}, getSettings: () => ({ deviceId: 'mic' }) };
const devices = {
  getUserMedia: async () =>
    ({
      getAudioTracks: () => [microphone],
      getVideoTracks: () => [],
      getTracks: () => [microphone],
    }) as unknown as MediaStream,
  enumerateDevices: async () => [],
};

/** A scripted peer connection that records every track put on its senders. */
class RecordingPeerConnection extends ScriptedPeerConnection {
  readonly tracks: (unknown | null)[] = [];
  override addTransceiver(kind: string) {
    const t = super.addTransceiver(kind);
    const sender = t.sender as { replaceTrack: (track: unknown) => Promise<void> };
    sender.replaceTrack = async (track) => {
      this.tracks.push(track);
    };
    return t;
  }
}

interface PageOptions {
  readonly me?: string;
  readonly verified?: readonly string[];
  readonly turn?: boolean;
  /** The relay has TURN but gives no credentials. */
  readonly withheld?: boolean;
  /** The lifetime of the TURN credentials the relay gives (the relay's TURN_TTL). */
  readonly ttlSeconds?: number;
  /** While `refusing`, the relay answers TURN requests with TURN_UNAVAILABLE. */
  readonly relay?: { refusing: boolean };
}

function page(options: PageOptions = {}) {
  const me = options.me ?? ME;
  const pcs: RecordingPeerConnection[] = [];
  const configs: RTCConfiguration[] = [];
  const sent: { peer: string; kind: number; body: CallBody | GroupCallBody }[] = [];
  /** When (ms after T0) the relay was asked for TURN credentials; the n-th answer's credential is `c<n>`. */
  const asked: number[] = [];
  let view: GroupCallView | null = null;
  const service = new GroupCallService({
    myKey: fromHex(me),
    random: testRandom('group-call-service'),
    sendEnvelope: async (peer, kind, padded) => {
      const payload = unpadBody(padded);
      sent.push({
        peer,
        kind,
        body:
          kind === MESSAGE_KIND.groupCall
            ? decodeGroupCallBody(kind, payload)
            : decodeCallBody(kind, payload),
      });
    },
    membersOf: (id) => (id === GROUP ? MEMBERS : null),
    requestTurn: async () => {
      asked.push(Date.now() - T0);
      return options.turn && !options.withheld && !options.relay?.refusing
        ? {
            expiresAt: Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 600),
            username: 'u',
            credential: `c${asked.length}`,
            urls: ['turn:127.0.0.1:3478'],
          }
        : null;
    },
    turnAvailable: () => options.turn === true,
    isVerified: (peer) => options.verified?.includes(peer) ?? false,
    hideIp: () => 'unverified',
    devices,
    createPeerConnection: (config) => {
      configs.push(config);
      const pc = new RecordingPeerConnection();
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    generateCertificate: async () => ({ expires: T0 + 86_400_000 }) as unknown as RTCCertificate,
    onChange: (next) => {
      view = next;
    },
  });
  const deliver = (peer: string, kind: number, payload: Uint8Array) => {
    const padded = padBody(payload);
    return { claimed: service.claims(peer, kind, padded), done: service.receive(peer, kind, padded) };
  };
  return { service, pcs, configs, sent, asked, deliver, view: () => view! };
}

/** `peer`'s DTLS is up and presents `fingerprint`: the leg's check runs at its next look. */
function dtlsUp(pc: ScriptedPeerConnection, fingerprint: string) {
  pc.transport = {
    state: 'connected',
    iceTransport: { state: 'connected' },
    getRemoteCertificates: () => [],
  };
  pc.report = [
    { id: 'T', type: 'transport', remoteCertificateId: 'C' },
    { id: 'C', type: 'certificate', fingerprint, fingerprintAlgorithm: 'sha-256' },
  ];
  pc.connectionState = 'connected';
  pc.onconnectionstatechange?.();
}

describe('group call service', () => {
  test('answers each member’s leg offer on a connection of its own; a mismatching certificate gets no track and is dropped, the other leg goes on', async () => {
    const me = page();
    await me.service.start(GROUP, 'audio');
    const invite = me.sent.find((s) => s.kind === MESSAGE_KIND.groupCall)!.body as GroupCallBody;
    const callId = toHex(invite.callId);
    expect(me.sent.filter((s) => s.kind === MESSAGE_KIND.groupCall).map((s) => s.peer)).toEqual([BOB, CAROL]);

    for (const peer of [BOB, CAROL]) {
      const join = encodeGroupCallBody({ ...invite, action: 'join', participants: [fromHex(ME)] });
      await me.deliver(peer, join.kind, join.payload).done;
      const legId = fromHex(legIdOf(callId, peer, ME));
      const nonce = new Uint8Array(32).fill(7);
      const offer = encodeCallBody({
        type: 'offer',
        callId: legId,
        media: 'audio',
        purpose: 'call',
        createdAt: T0,
        sasCommitment: sasCommitment(legId, nonce),
        fingerprint: parseFingerprint('sha-256', SIGNED[peer]!),
        sdp: sdpWith(SIGNED[peer]!),
      });
      const delivered = me.deliver(peer, offer.kind, offer.payload);
      // The leg's offer is the group call's: the one-to-one call service never sees it (it would ring).
      expect(delivered.claimed).toBe(true);
      await delivered.done;
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(me.pcs).toHaveLength(2);
    const answers = me.sent.filter((s) => (s.body as CallBody).type === 'answer');
    expect(answers.map((s) => s.peer)).toEqual([BOB, CAROL]);
    // Before any check: every sender is muted.
    for (const pc of me.pcs) expect(pc.tracks.every((t) => t === null)).toBe(true);

    dtlsUp(me.pcs[0]!, PRESENTED[BOB]!);
    dtlsUp(me.pcs[1]!, PRESENTED[CAROL]!);
    await vi.advanceTimersByTimeAsync(500);

    expect(me.pcs[0]!.tracks).toContain(microphone);
    expect(me.pcs[1]!.tracks.every((t) => t === null)).toBe(true);
    const mesh = me.view().mesh!;
    expect(mesh.phase).toBe('joined');
    expect(mesh.dropped).toEqual({ [CAROL]: 'security' });
    expect(Object.keys(mesh.legs)).toEqual([BOB]);
    expect(mesh.legs[BOB]!.status).toBe('connected');
    expect(me.view().participants.map((p) => [p.key, p.phase])).toEqual([
      [BOB, 'connected'],
      [CAROL, 'dropped'],
    ]);
    expect(me.sent).toContainEqual(
      expect.objectContaining({
        peer: CAROL,
        body: expect.objectContaining({ action: 'hangup', reason: 'security' }),
      }),
    );
    me.service.dispose();
  });

  test('a call offer that is not a leg of our group call is left to the one-to-one call service', async () => {
    const me = page();
    await me.service.start(GROUP, 'audio');
    const callId = new Uint8Array(16).fill(9);
    const offer = encodeCallBody({
      type: 'offer',
      callId,
      media: 'audio',
      purpose: 'call',
      createdAt: T0,
      sasCommitment: sasCommitment(callId, new Uint8Array(32)),
      fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
      sdp: sdpWith(SIGNED[BOB]!),
    });
    expect(me.service.claims(BOB, offer.kind, padBody(offer.payload))).toBe(false);
    // A leg's body that comes after the call ended and was cleared is still the group call's (never a ringing).
    const invite = me.sent[0]!.body as GroupCallBody;
    const late = encodeCallBody({
      type: 'control',
      callId: fromHex(legIdOf(toHex(invite.callId), BOB, ME)),
      action: 'hangup',
      reason: 'normal',
    });
    me.service.leave();
    me.service.clear();
    expect(me.view().mesh).toBeNull();
    expect(me.service.claims(BOB, late.kind, padBody(late.payload))).toBe(true);
    me.service.dispose();
  });

  test('refuses a leg offer from someone who is not a member', async () => {
    const me = page();
    await me.service.start(GROUP, 'audio');
    const invite = me.sent[0]!.body as GroupCallBody;
    const stranger = 'ee'.repeat(32);
    const legId = fromHex(legIdOf(toHex(invite.callId), stranger, ME));
    const offer = encodeCallBody({
      type: 'offer',
      callId: legId,
      media: 'audio',
      purpose: 'call',
      createdAt: T0,
      sasCommitment: sasCommitment(legId, new Uint8Array(32)),
      fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
      sdp: sdpWith(SIGNED[BOB]!),
    });
    await me.deliver(stranger, offer.kind, offer.payload).done;
    expect(me.pcs).toHaveLength(0);
    expect(me.sent.at(-1)).toEqual(
      expect.objectContaining({ peer: stranger, body: expect.objectContaining({ action: 'busy' }) }),
    );
    me.service.dispose();
  });
  test('“hide my IP address” applies per pair: relay only with the member we have not verified, direct with the one we have', async () => {
    const me = page({ verified: [BOB], turn: true });
    await me.service.start(GROUP, 'audio');
    const invite = me.sent[0]!.body as GroupCallBody;
    for (const peer of [BOB, CAROL]) {
      const join = encodeGroupCallBody({ ...invite, action: 'join', participants: [fromHex(ME)] });
      await me.deliver(peer, join.kind, join.payload).done;
      const legId = fromHex(legIdOf(toHex(invite.callId), peer, ME));
      const offer = encodeCallBody({
        type: 'offer',
        callId: legId,
        media: 'audio',
        purpose: 'call',
        createdAt: T0,
        sasCommitment: sasCommitment(legId, new Uint8Array(32)),
        fingerprint: parseFingerprint('sha-256', SIGNED[peer]!),
        sdp: sdpWith(SIGNED[peer]!),
      });
      await me.deliver(peer, offer.kind, offer.payload).done;
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(me.configs.map((c) => c.iceTransportPolicy)).toEqual(['all', 'relay']);
    expect(me.view().participants.map((p) => p.policy?.mode)).toEqual(['direct', 'hidden']);
    me.service.dispose();
  });

  test('while it rings, a leg is prepared: its offer carries no address of ours, and the answerer’s candidates reach ICE only at the join', async () => {
    const carol = page({ me: CAROL });
    const callId = new Uint8Array(16).fill(5);
    const invite = encodeGroupCallBody({
      action: 'invite',
      groupId: fromHex(GROUP),
      callId,
      media: 'audio',
      reason: 'left',
      sentAt: T0,
      participants: [],
    });
    await carol.deliver(ME, invite.kind, invite.payload).done;
    await vi.advanceTimersByTimeAsync(50);
    expect(carol.view().mesh?.phase).toBe('ringing');
    const offer = carol.sent.find((s) => (s.body as CallBody).type === 'offer')!;
    expect(offer.peer).toBe(ME);
    const sdp = (offer.body as { sdp: string }).sdp;
    expect(sdp).not.toMatch(/a=candidate|127\.0\.0\.1 \d/);
    // The one in the call answers, with its candidates in the answer and in a body of their own.
    const legId = (offer.body as CallBody).callId;
    const answer = encodeCallBody({
      type: 'answer',
      callId: legId,
      purpose: 'call',
      connectsOnAccept: true,
      sasNonce: new Uint8Array(32).fill(4),
      fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
      sdp: sdpWith(SIGNED[BOB]!),
    });
    await carol.deliver(ME, answer.kind, answer.payload).done;
    const ice = encodeCallBody({
      type: 'ice',
      callId: legId,
      candidates: [
        {
          candidate: 'candidate:3 1 udp 2122260223 127.0.0.1 50004 typ host generation 0',
          sdpMid: '0',
          sdpMLineIndex: 0,
          usernameFragment: null,
        },
      ],
    });
    await carol.deliver(ME, ice.kind, ice.payload).done;
    await vi.advanceTimersByTimeAsync(1_000);
    const pc = carol.pcs[0]!;
    expect(pc.remoteDescription?.sdp).not.toContain('a=candidate');
    expect(pc.added).toEqual([]);
    expect(carol.sent.filter((s) => (s.body as CallBody).type === 'ice')).toEqual([]);
    await carol.service.join();
    await vi.advanceTimersByTimeAsync(50);
    expect(pc.added).toHaveLength(3);
    carol.service.dispose();
  });
  test('a leg a ringing member prepared opens its gate on the verified handshake (its ICE ran only after the join), not before', async () => {
    const me = page();
    await me.service.start(GROUP, 'audio');
    const invite = me.sent[0]!.body as GroupCallBody;
    const legId = fromHex(legIdOf(toHex(invite.callId), BOB, ME));
    const offer = encodeCallBody({
      type: 'offer',
      callId: legId,
      media: 'audio',
      purpose: 'call',
      createdAt: T0,
      sasCommitment: sasCommitment(legId, new Uint8Array(32)),
      fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
      sdp: sdpWith(SIGNED[BOB]!),
    });
    // Bob's offer comes while his phone rings: no join from him yet.
    await me.deliver(BOB, offer.kind, offer.payload).done;
    await vi.advanceTimersByTimeAsync(500);
    const pc = me.pcs[0]!;
    expect(me.sent.filter((s) => (s.body as CallBody).type === 'answer')).toHaveLength(1);
    expect(pc.tracks.every((t) => t === null)).toBe(true);
    expect(me.view().participants).toEqual([]);
    dtlsUp(pc, PRESENTED[BOB]!);
    await vi.advanceTimersByTimeAsync(300);
    expect(pc.tracks).toContain(microphone);
    me.service.dispose();
  });
  test('hiding wanted and the relay withholds TURN credentials: the leg is not made, and the call says why', async () => {
    const me = page({ turn: true, withheld: true });
    await me.service.start(GROUP, 'audio');
    const invite = me.sent[0]!.body as GroupCallBody;
    const join = encodeGroupCallBody({ ...invite, action: 'join', participants: [fromHex(ME)] });
    await me.deliver(CAROL, join.kind, join.payload).done;
    const legId = fromHex(legIdOf(toHex(invite.callId), CAROL, ME));
    const offer = encodeCallBody({
      type: 'offer',
      callId: legId,
      media: 'audio',
      purpose: 'call',
      createdAt: T0,
      sasCommitment: sasCommitment(legId, new Uint8Array(32)),
      fingerprint: parseFingerprint('sha-256', SIGNED[CAROL]!),
      sdp: sdpWith(SIGNED[CAROL]!),
    });
    await me.deliver(CAROL, offer.kind, offer.payload).done;
    await vi.advanceTimersByTimeAsync(100);
    expect(me.pcs).toHaveLength(0);
    expect(me.sent.filter((s) => (s.body as CallBody).type === 'answer')).toEqual([]);
    expect(me.view().notice).toMatch(/could not be hidden/);
    me.service.dispose();
  });
});

/**
 * Our call with Bob's leg up and verified: `offering` false, Bob joined naming us and offers (we answer);
 * true, his join names nobody, so we offer and he answers.
 */
async function activeLeg(options: PageOptions, offering: boolean) {
  const me = page(options);
  await me.service.start(GROUP, 'audio');
  const invite = me.sent[0]!.body as GroupCallBody;
  const join = encodeGroupCallBody({
    ...invite,
    action: 'join',
    participants: offering ? [] : [fromHex(ME)],
  });
  await me.deliver(BOB, join.kind, join.payload).done;
  const legId = fromHex(
    offering ? legIdOf(toHex(invite.callId), ME, BOB) : legIdOf(toHex(invite.callId), BOB, ME),
  );
  const body: CallBody = offering
    ? {
        type: 'answer',
        callId: legId,
        purpose: 'call',
        connectsOnAccept: true,
        sasNonce: new Uint8Array(32).fill(4),
        fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
        sdp: sdpWith(SIGNED[BOB]!),
      }
    : {
        type: 'offer',
        callId: legId,
        media: 'audio',
        purpose: 'call',
        createdAt: T0,
        sasCommitment: sasCommitment(legId, new Uint8Array(32).fill(7)),
        fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
        sdp: sdpWith(SIGNED[BOB]!),
      };
  // Our offer leaves first when the leg is ours to offer.
  if (offering) await vi.advanceTimersByTimeAsync(50);
  const encoded = encodeCallBody(body);
  await me.deliver(BOB, encoded.kind, encoded.payload).done;
  await vi.advanceTimersByTimeAsync(50);
  expect(me.pcs).toHaveLength(1);
  dtlsUp(me.pcs[0]!, PRESENTED[BOB]!);
  await vi.advanceTimersByTimeAsync(400);
  expect(me.view().mesh?.legs[BOB]?.status).toBe('connected');
  expect(me.pcs[0]!.tracks).toContain(microphone);
  return { ...me, legId: toHex(legId) };
}

const toBob = (sent: ReturnType<typeof page>['sent']) =>
  sent.filter((s) => s.peer === BOB && s.kind !== MESSAGE_KIND.groupCall).map((s) => s.body as CallBody);

describe('group call legs renew their TURN credentials', () => {
  test('the leg we answered: at half the lifetime, fresh credentials on the same configuration, and the offerer asked to restart ICE', async () => {
    const me = await activeLeg({ turn: true, ttlSeconds: 60 }, false);
    const pc = me.pcs[0]!;
    expect(me.configs[0]).toMatchObject({ iceTransportPolicy: 'relay', iceServers: [{ credential: 'c1' }] });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(me.asked).toEqual([0]);
    expect(pc.configurations).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(me.asked).toEqual([0, 30_000]);
    expect(pc.configurations).toEqual([
      { ...me.configs[0], iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'c2' }] },
    ]);
    const asks = toBob(me.sent).filter((b) => b.type === 'control' && b.action === 'ice-restart');
    expect(asks.map((b) => toHex(b.callId))).toEqual([me.legId]);
    // The restart is the offerer's: we never offer on this leg.
    expect(pc.offers).toEqual([]);
    // The next renewal: half the fresh credentials' lifetime later.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(me.asked).toEqual([0, 30_000, 60_000]);
    expect(me.view().mesh?.legs[BOB]?.status).toBe('connected');
    me.service.dispose();
  });

  test('the leg we offered: at half the lifetime, fresh credentials, then an ICE restart offer of ours', async () => {
    const me = await activeLeg({ turn: true, ttlSeconds: 60 }, true);
    const pc = me.pcs[0]!;
    const restarts = () => toBob(me.sent).filter((b) => b.type === 'offer' && b.purpose === 'renegotiate');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(me.asked).toEqual([0]);
    expect(restarts()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(me.asked).toEqual([0, 30_000]);
    expect(pc.configurations).toHaveLength(1);
    expect(pc.configurations[0]).toMatchObject({
      iceTransportPolicy: 'relay',
      certificates: me.configs[0]!.certificates,
      iceServers: [{ credential: 'c2' }],
    });
    expect(pc.offers.at(-1)).toEqual({ iceRestart: true });
    expect(restarts().map((b) => toHex(b.callId))).toEqual([me.legId]);
    // Bob answers the restart: the leg goes on, and renews again half the fresh lifetime later.
    const answer = encodeCallBody({
      type: 'answer',
      callId: fromHex(me.legId),
      purpose: 'renegotiate',
      connectsOnAccept: false,
      sasNonce: new Uint8Array(32).fill(4),
      fingerprint: parseFingerprint('sha-256', SIGNED[BOB]!),
      sdp: sdpWith(SIGNED[BOB]!),
    });
    await me.deliver(BOB, answer.kind, answer.payload).done;
    expect(pc.signalingState).toBe('stable');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(me.asked).toEqual([0, 30_000, 60_000]);
    expect(restarts()).toHaveLength(2);
    expect(me.view().mesh?.legs[BOB]?.status).toBe('connected');
    me.service.dispose();
  });

  test('refused renewals keep the leg up; once the credentials expire the call says so, until fresh ones come', async () => {
    const relay = { refusing: false };
    const me = await activeLeg({ turn: true, ttlSeconds: 60, relay }, false);
    relay.refusing = true;
    await vi.advanceTimersByTimeAsync(80_000);
    // 30 s, then 5, 10, 20 s later, as a one-to-one call asks.
    expect(me.asked).toEqual([0, 30_000, 35_000, 45_000, 65_000]);
    expect(me.pcs[0]!.configurations).toEqual([]);
    expect(me.view().mesh?.legs[BOB]?.status).toBe('connected');
    expect(me.view().notice).toBe('The relay gave no fresh TURN credentials: a participant may drop.');
    relay.refusing = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(me.pcs[0]!.configurations).toHaveLength(1);
    expect(me.view().notice).toBeNull();
    expect(me.view().mesh?.legs[BOB]?.status).toBe('connected');
    me.service.dispose();
  });

  test('a leg on a relay without TURN asks the relay for nothing', async () => {
    const without = await activeLeg({ turn: false }, false);
    await vi.advanceTimersByTimeAsync(700_000);
    expect(without.asked).toEqual([]);
    expect(without.pcs[0]!.configurations).toEqual([]);
    without.service.dispose();
  });

  test('a leg the relay gave no TURN credentials (a verified member, direct ICE) renews nothing', async () => {
    const withheld = await activeLeg({ turn: true, withheld: true, verified: [BOB] }, false);
    expect(withheld.configs[0]!.iceTransportPolicy).toBe('all');
    await vi.advanceTimersByTimeAsync(700_000);
    expect(withheld.asked).toEqual([0]);
    expect(withheld.pcs[0]!.configurations).toEqual([]);
    expect(toBob(withheld.sent).filter((b) => b.type === 'control' && b.action === 'ice-restart')).toEqual(
      [],
    );
    withheld.service.dispose();
  });
});
