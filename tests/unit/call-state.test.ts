/**
 * The call model (client/state/call.ts) over the real CallService, in Node: no RTCPeerConnection is ever made
 * here (nobody accepts), so everything up to ringing, declining and refusing is real; the in-call parts are
 * covered by tests/e2e/call*.e2e.test.ts in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { padBody, unpadBody } from '../../client/core/body-frame.ts';
import type { CallState } from '../../client/services/rtc/call-machine.ts';
import {
  type CallModelDeps,
  createCallModel,
  describeEnd,
  HIDE_IP_STORAGE_KEY,
} from '../../client/state/call.ts';
import { callLineOf } from '../../client/state/call-lines.ts';
import { pageTitle } from '../../client/state/page-title.ts';
import { toHex } from '../../crypto/bytes.ts';
import {
  type CallBody,
  type CallOffer,
  decodeCallBody,
  encodeCallBody,
} from '../../crypto/call-signaling.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import { sasCommitment } from '../../crypto/sas.ts';
import { testRandom } from '../support/identities.ts';

const ME = new Uint8Array(32).fill(1);
const BOB = 'b0'.repeat(32);
const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(2));
const sdp = `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 ${fp.value}\r\n`;

function setup(overrides: Partial<CallModelDeps> = {}) {
  const sent: { peer: string; body: CallBody }[] = [];
  const verified = new Set<string>();
  const store = new Map<string, string>();
  let now = 1_767_225_600_000;
  const model = createCallModel({
    myKey: ME,
    random: testRandom('call-state'),
    now: () => now,
    sendEnvelope: async (peer, kind, body) => {
      sent.push({ peer, body: decodeCallBody(kind, unpadBody(body)) });
    },
    receiveEnvelope: () => {},
    requestTurn: async () => null,
    turnAvailable: () => false,
    contact: (peer) => (peer === BOB ? { name: 'Bob', verified: verified.has(peer) } : undefined),
    markVerified: async (peer) => {
      verified.add(peer);
    },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    ...overrides,
  });
  const offer = (createdAt = now): CallOffer => {
    const callId = new Uint8Array(16).fill(9);
    return {
      type: 'offer',
      callId,
      media: 'video',
      purpose: 'call',
      createdAt,
      sasCommitment: sasCommitment(callId, new Uint8Array(32)),
      fingerprint: fp,
      sdp,
    };
  };
  const deliver = (body: CallBody, tamper?: (padded: Uint8Array) => void) => {
    const { kind, payload } = encodeCallBody(body);
    const padded = padBody(payload);
    tamper?.(padded);
    return model.receive(BOB, kind, padded);
  };
  return { model, sent, verified, store, offer, deliver, advance: (ms: number) => (now += ms) };
}

describe('the call model', () => {
  it('an incoming call rings with the contact’s name and the IP note, and declining sends a reject', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver(offer());
    expect(model.call.value).toMatchObject({ phase: 'incoming', peer: BOB, media: 'video' });
    expect(model.peerName.value).toBe('Bob');
    expect(model.policyFor(BOB)).toEqual({ mode: 'cannot-hide' });
    expect(sent.map((s) => s.body)).toEqual([
      expect.objectContaining({ type: 'control', action: 'ringing' }),
    ]);
    model.decline();
    expect(model.call.value).toMatchObject({ phase: 'ended', endReason: 'declined' });
    expect(sent.at(-1)?.body).toMatchObject({ action: 'reject', callId: new Uint8Array(16).fill(9) });
    expect(describeEnd('declined')).toBe('Call declined');
  });

  it('while a call rings, the tab title names the caller; after, it is what it was', async () => {
    const { model, offer, deliver } = setup();
    const title = () => pageTitle(3, model.ringingFrom.value);
    expect(title()).toBe('(3) Tincan');
    await deliver(offer());
    expect(model.ringingFrom.value).toBe('Bob');
    expect(title()).toBe('📞 Bob is calling — Tincan');
    model.decline();
    expect(title()).toBe('(3) Tincan');
    expect(pageTitle(0, null)).toBe('Tincan');
  });

  it('each call that ends leaves one chat line: declined here, missed when the caller gives up', async () => {
    const ended: CallState[] = [];
    const { model, offer, deliver, advance } = setup({ onEnded: (call) => ended.push(call) });
    await deliver(offer());
    model.decline();
    model.dismiss();
    expect(ended).toHaveLength(1);
    expect(callLineOf(ended[0]!)).toEqual({
      callId: '09'.repeat(16),
      summary: 'Declined video call',
      at: ended[0]!.createdAt,
      durationSeconds: null,
    });

    advance(60_000);
    const second = { ...offer(), callId: new Uint8Array(16).fill(7), media: 'audio' as const };
    await deliver(second);
    expect(model.call.value).toMatchObject({ phase: 'incoming' });
    await deliver({ type: 'control', callId: second.callId, action: 'cancel' });
    expect(ended).toHaveLength(2);
    expect(callLineOf(ended[1]!)).toMatchObject({ summary: 'Missed audio call', durationSeconds: null });
  });

  it('a call that connected is summed up by its length; one cut by the certificate check says so', () => {
    const base: CallState = {
      callId: 'ab'.repeat(16),
      peer: BOB,
      role: 'caller',
      media: 'video',
      phase: 'ended',
      remoteRinging: true,
      answered: true,
      accepted: true,
      connectsOnAccept: false,
      verified: true,
      createdAt: 1_000_000,
      deadline: null,
      restartAt: null,
      acceptAgainAt: null,
      acceptsLeft: 0,
      connectedAt: 1_010_000,
      endReason: 'remote-hung-up',
      endedAt: 1_010_000 + 192_400,
      localFingerprint: null,
      remoteFingerprint: null,
      commitment: null,
      localNonce: null,
      remoteNonce: null,
      remoteMedia: { audioMuted: false, videoOff: false, screenSharing: false },
      offer: null,
      turnExpiresAt: null,
      turnRenewAt: null,
      turnRefusals: 0,
      turnLapsed: false,
    };
    expect(callLineOf(base)).toMatchObject({ summary: 'Video call', durationSeconds: 192, at: 1_000_000 });
    expect(callLineOf({ ...base, endReason: 'security' })?.summary).toBe(
      'Video call stopped: it may have been intercepted',
    );
    const unanswered = { ...base, connectedAt: null, media: 'audio' as const };
    expect(callLineOf({ ...unanswered, endReason: 'no-answer' })?.summary).toBe('Audio call not answered');
    expect(callLineOf({ ...unanswered, endReason: 'rejected' })?.summary).toBe('Audio call declined');
    expect(callLineOf({ ...unanswered, endReason: 'hung-up' })?.summary).toBe('Cancelled audio call');
    expect(callLineOf({ ...base, phase: 'active', endReason: null })).toBeNull();
    expect(callLineOf({ ...unanswered, callId: '', endReason: 'security' })).toBeNull();
  });

  it('a signed offer whose SDP names another certificate is refused with the interception warning', async () => {
    const { model, sent, offer, deliver } = setup();
    const text = new TextDecoder();
    await deliver(offer(), (padded) => {
      // One hex digit of the SDP's fingerprint, after the body was encoded: the committed one no longer matches.
      const at = text.decode(padded).indexOf('a=fingerprint:sha-256 ') + 'a=fingerprint:sha-256 '.length;
      padded[at] = padded[at] === 0x30 ? 0x31 : 0x30;
    });
    expect(model.call.value).toMatchObject({ phase: 'ended', endReason: 'security', callId: '' });
    expect(model.intercepted.value).toBe(true);
    expect(sent).toEqual([]);
    model.dismiss();
    expect(model.call.value).toBeNull();
  });

  it('kinds that are not call bodies are left alone (no warning, nothing sent)', async () => {
    const { model, sent } = setup();
    for (const kind of [MESSAGE_KIND.fileTransfer, MESSAGE_KIND.keyRotation]) {
      await model.receive(BOB, kind, padBody(new Uint8Array(10)));
    }
    expect(model.call.value).toBeNull();
    expect(sent).toEqual([]);
  });

  it('a data offer (a file from the chat) neither rings nor makes a call busy: the file model takes it', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver({ ...offer(), media: 'data', file: { size: 1, name: 'a.txt', type: '' } });
    expect(model.call.value).toBeNull();
    expect(sent).toEqual([]);
    await deliver(offer());
    expect(model.call.value).toMatchObject({ phase: 'incoming' });
    await deliver({
      ...offer(),
      callId: new Uint8Array(16).fill(4),
      media: 'data',
      file: { size: 1, name: 'b', type: '' },
    });
    expect(sent.some(({ body }) => body.type === 'control' && body.action === 'busy')).toBe(false);
  });

  it('a second call while one rings gets busy', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver(offer());
    const other = { ...offer(), callId: new Uint8Array(16).fill(3) };
    await deliver(other);
    expect(model.call.value?.callId).toBe(toHex(new Uint8Array(16).fill(9)));
    expect(sent.at(-1)?.body).toMatchObject({ action: 'busy', callId: other.callId });
  });

  it('the hide-my-IP choice is stored, read back, and checked', () => {
    const first = setup();
    expect(first.model.hideIp.value).toBe('unverified');
    first.model.setHideIp('always');
    expect(first.store.get(HIDE_IP_STORAGE_KEY)).toBe('always');
    const again = setup({ storage: { getItem: () => 'always', setItem: () => {} } });
    expect(again.model.hideIp.value).toBe('always');
    const junk = setup({ storage: { getItem: () => 'sometimes', setItem: () => {} } });
    expect(junk.model.hideIp.value).toBe('unverified');
    expect(() => first.model.setHideIp('sometimes' as never)).toThrow(RangeError);
    expect(
      setup({
        turnAvailable: () => true,
        storage: { getItem: () => 'always', setItem: () => {} },
      }).model.policyFor(BOB),
    ).toEqual({ mode: 'hidden' });
  });

  it('no words, no verification: confirmSas does nothing before the words exist', async () => {
    const { model, verified, offer, deliver } = setup();
    await deliver(offer());
    await model.confirmSas();
    expect(verified.size).toBe(0);
    expect(model.sasConfirmed.value).toBe(false);
  });

  it('a stale offer (held back by the relay) does not ring', async () => {
    const { model, sent, offer, deliver, advance } = setup();
    const old = offer();
    advance(120_000);
    await deliver(old);
    expect(model.call.value).toBeNull();
    expect(sent).toEqual([]);
  });

  it('minimising is per call and undone when the call ends', async () => {
    const { model, offer, deliver } = setup();
    await deliver(offer());
    model.setMinimized(true);
    expect(model.minimized.value).toBe(true);
    model.decline();
    expect(model.minimized.value).toBe(false);
  });
});
