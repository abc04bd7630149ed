/**
 * The call machine on its own: two machines exchange every body they send through the real encoder and
 * decoder, the clock is a number, and the browser's reports are events.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPT_REPEATS,
  type CallEffect,
  type CallEvent,
  type CallState,
  DEFAULT_TIMEOUTS,
  sasOf,
  step,
  TURN_RENEW_MIN_MS,
} from '../../client/services/rtc/call-machine.ts';
import { toHex } from '../../crypto/bytes.ts';
import {
  type CallAnswer,
  type CallBody,
  type CallOffer,
  decodeCallBody,
  encodeCallBody,
  OFFER_MAX_AGE_MS,
} from '../../crypto/call-signaling.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { sasCommitment } from '../../crypto/sas.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const [alice, bob, carol] = await Promise.all(
  ['alice', 'bob', 'carol'].map((n) => testIdentity(`machine-${n}`)),
);
const ALICE = toHex(alice!.publicKey);
const BOB = toHex(bob!.publicKey);
const CAROL = toHex(carol!.publicKey);
const T0 = 1_767_225_600_000;

const fp = (n: number) => fingerprintFromDigest('sha-256', new Uint8Array(32).fill(n));
const sdp = (n: number) =>
  `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 ${fp(n).value}\r\n`;

/** One side: its machine state and everything it was told to do. */
class Side {
  state: CallState | null = null;
  effects: CallEffect[] = [];
  now = T0;
  constructor(
    readonly key: string,
    readonly identity: Uint8Array,
  ) {}

  on(event: CallEvent): CallEffect[] {
    const result = step(this.state, event, { now: this.now });
    this.state = result.state;
    this.effects.push(...result.effects);
    return result.effects;
  }

  /** Bodies this side sent (to anyone) since the last call, through the real codec. */
  sent(): { peer: string; body: CallBody }[] {
    const out = this.effects
      .filter((e): e is Extract<CallEffect, { type: 'send' }> => e.type === 'send')
      .map((e) => {
        const { kind, payload } = encodeCallBody(e.body);
        return { peer: e.peer, body: decodeCallBody(kind, payload) };
      });
    this.effects = this.effects.filter((e) => e.type !== 'send');
    return out;
  }

  has(type: CallEffect['type']): boolean {
    return this.effects.some((e) => e.type === type);
  }
}

/** Delivers everything `from` sent to `to` (and nothing meant for someone else). */
function deliver(from: Side, to: Side): CallBody[] {
  const bodies = from.sent().filter((s) => s.peer === to.key);
  for (const { body } of bodies) to.on({ type: 'received', peer: from.key, body });
  return bodies.map((b) => b.body);
}

function offer(callId: number, nonce: Uint8Array, media: 'audio' | 'video' = 'video', at = T0): CallOffer {
  const id = new Uint8Array(16).fill(callId);
  return {
    type: 'offer',
    callId: id,
    media,
    purpose: 'call',
    createdAt: at,
    sasCommitment: sasCommitment(id, nonce),
    fingerprint: fp(1),
    sdp: sdp(1),
  };
}

const answerTo = (o: CallOffer, nonce: Uint8Array, connectsOnAccept = false): CallAnswer => ({
  type: 'answer',
  callId: o.callId,
  purpose: 'call',
  connectsOnAccept,
  sasNonce: nonce,
  fingerprint: fp(2),
  sdp: sdp(2),
});

const fromId = (callId: number) => new Uint8Array(16).fill(callId);

/** The callee answers and accepts at once (the answer made on accept). */
function accept(side: Side, o: CallOffer, random: (n: number) => Uint8Array): void {
  side.on({ type: 'answered', answer: answerTo(o, random(32)) });
  side.on({ type: 'accepted' });
}

function ringing(callId = 7) {
  const random = testRandom(`machine-${callId}`);
  const a = new Side(ALICE, alice!.publicKey);
  const b = new Side(BOB, bob!.publicKey);
  const callerNonce = random(32);
  const o = offer(callId, callerNonce);
  a.on({ type: 'dialed', peer: BOB, offer: o, nonce: callerNonce });
  deliver(a, b);
  return { a, b, o, random };
}

function connected(callId = 7) {
  const setup = ringing(callId);
  const { a, b, o, random } = setup;
  deliver(b, a); // ringing
  accept(b, o, random);
  deliver(b, a); // answer
  deliver(a, b); // sas-reveal
  a.on({ type: 'gate', verdict: 'verified' });
  b.on({ type: 'gate', verdict: 'verified' });
  return setup;
}

describe('a call from dial to hang-up', () => {
  it('rings, connects only when the gate verifies, shows equal words on both sides, ends on hang-up', () => {
    const { a, b, o, random } = ringing();
    expect(a.state?.phase).toBe('outgoing');
    expect(b.state).toMatchObject({ phase: 'incoming', role: 'callee', media: 'video', peer: ALICE });
    expect(b.has('ring') && b.has('notify-incoming')).toBe(true);
    expect(deliver(b, a)).toEqual([expect.objectContaining({ action: 'ringing' })]);
    expect(a.state?.remoteRinging).toBe(true);

    accept(b, o, random);
    expect(b.state?.phase).toBe('connecting');
    deliver(b, a);
    expect(a.state?.phase).toBe('connecting');
    expect(a.effects).toContainEqual({ type: 'apply', body: expect.objectContaining({ type: 'answer' }) });
    // The caller reveals its nonce only now, after the callee's answer fixed the callee's nonce.
    expect(deliver(a, b)).toEqual([expect.objectContaining({ action: 'sas-reveal' })]);

    expect(a.has('open-gate')).toBe(false);
    a.on({ type: 'gate', verdict: 'verified' });
    b.on({ type: 'gate', verdict: 'verified' });
    expect(a.state?.phase).toBe('active');
    expect(a.has('open-gate') && b.has('open-gate')).toBe(true);

    const wordsA = sasOf(a.state!, a.identity)!.words;
    const wordsB = sasOf(b.state!, b.identity)!.words;
    expect(wordsA).toHaveLength(4);
    expect(wordsB).toEqual(wordsA);

    a.on({ type: 'hangup' });
    expect(a.state).toMatchObject({ phase: 'ended', endReason: 'hung-up' });
    expect(a.has('teardown')).toBe(true);
    deliver(a, b);
    expect(b.state).toMatchObject({ phase: 'ended', endReason: 'remote-hung-up' });
  });

  it('the callee has no words until the reveal; a third identity in the middle gets other words', () => {
    const { a, b, o, random } = ringing();
    accept(b, o, random);
    deliver(b, a);
    expect(sasOf(b.state!, b.identity)).toBeNull();
    deliver(a, b);
    const words = sasOf(b.state!, b.identity)!.words;
    // The same call seen by a page holding Carol's key as the caller's: other words.
    expect(sasOf({ ...b.state!, peer: CAROL }, b.identity)!.words).not.toEqual(words);
  });

  it('a reveal that does not open the commitment ends the call as a security failure', () => {
    const { a, b, o, random } = ringing();
    accept(b, o, random);
    a.sent();
    b.on({
      type: 'received',
      peer: ALICE,
      body: { type: 'control', callId: o.callId, action: 'sas-reveal', nonce: random(32) },
    });
    expect(b.state).toMatchObject({ phase: 'ended', endReason: 'security' });
    expect(b.sent()).toContainEqual({
      peer: ALICE,
      body: expect.objectContaining({ action: 'hangup', reason: 'security' }),
    });
  });
});

describe('connected while it rings (the answer before the accept)', () => {
  it('DTLS and the certificate check while ringing; the gates open only with the accept, on both sides', () => {
    const { a, b, o, random } = ringing();
    b.on({ type: 'answered', answer: answerTo(o, random(32)) });
    expect(b.state).toMatchObject({ phase: 'incoming', answered: true, accepted: false });
    deliver(b, a); // ringing, answer
    expect(a.state).toMatchObject({ phase: 'outgoing', answered: true, accepted: false });
    deliver(a, b); // sas-reveal
    a.on({ type: 'gate', verdict: 'verified' });
    b.on({ type: 'gate', verdict: 'verified' });
    expect(a.has('open-gate') || b.has('open-gate')).toBe(false);
    expect([a.state?.phase, b.state?.phase]).toEqual(['outgoing', 'incoming']);
    expect(a.state?.verified && b.state?.verified).toBe(true);

    b.on({ type: 'accepted' });
    expect(b.state).toMatchObject({ phase: 'active', accepted: true });
    expect(b.has('open-gate')).toBe(true);
    expect(deliver(b, a)).toEqual([expect.objectContaining({ action: 'accept' })]);
    expect(a.state).toMatchObject({ phase: 'active', accepted: true });
    expect(a.has('open-gate')).toBe(true);
    expect(sasOf(a.state!, a.identity)!.words).toEqual(sasOf(b.state!, b.identity)!.words);
  });

  it('a certificate mismatch found while ringing ends the call before anyone accepts', () => {
    const { a, b, o, random } = ringing();
    b.on({ type: 'answered', answer: answerTo(o, random(32)) });
    deliver(b, a);
    b.on({ type: 'gate', verdict: 'dtls-failed' });
    expect(b.state).toMatchObject({ phase: 'ended', endReason: 'security' });
    expect(b.effects).toContainEqual({ type: 'ring', on: false });
    deliver(b, a);
    expect(a.state).toMatchObject({ phase: 'ended', endReason: 'remote-security' });
    expect(a.has('open-gate') || b.has('open-gate')).toBe(false);
  });

  it("the caller's check fails while the callee still rings (or is accepting): the callee is warned", () => {
    const { a, b, o, random } = ringing(15);
    b.on({ type: 'answered', answer: answerTo(o, random(32)) });
    deliver(b, a);
    a.on({ type: 'gate', verdict: 'dtls-failed' });
    expect(a.state).toMatchObject({ phase: 'ended', endReason: 'security' });
    deliver(a, b);
    expect(b.state).toMatchObject({ phase: 'ended', endReason: 'remote-security' });
    expect(b.effects).toContainEqual({ type: 'ring', on: false });
    // An ordinary hang-up before any answer is still a missed call.
    const other = ringing(16);
    other.a.on({ type: 'hangup' });
    deliver(other.a, other.b);
    expect(other.b.state?.endReason).toBe('missed');
  });

  it('an accept without an answer, or a second answer, changes nothing; the ring timeout still runs', () => {
    const { a, b, o, random } = ringing();
    b.on({ type: 'accepted' });
    expect(b.state?.phase).toBe('incoming');
    a.on({ type: 'received', peer: BOB, body: { type: 'control', callId: o.callId, action: 'accept' } });
    expect(a.state?.phase).toBe('outgoing');
    b.on({ type: 'answered', answer: answerTo(o, random(32)) });
    deliver(b, a);
    const answered = a.state;
    a.on({ type: 'received', peer: BOB, body: answerTo(o, random(32)) });
    expect(a.state).toBe(answered);
    a.now = T0 + DEFAULT_TIMEOUTS.ringMs;
    a.on({ type: 'tick' });
    expect(a.state?.endReason).toBe('no-answer');
  });
});

describe('an answer that connects only once the person accepts (address-free while it rings)', () => {
  /** The callee answers while it rings, saying its page connects only on accept. */
  function answeredOnAccept(callId = 21) {
    const setup = ringing(callId);
    const { a, b, o, random } = setup;
    b.on({ type: 'answered', answer: answerTo(o, random(32), true) });
    deliver(b, a); // ringing, answer
    deliver(a, b); // sas-reveal
    return setup;
  }

  it("the caller takes the callee's verified handshake as the accept: its gate opens without the control", () => {
    const { a, b } = answeredOnAccept();
    expect(a.state).toMatchObject({ phase: 'outgoing', connectsOnAccept: true, accepted: false });
    // The callee clicked: its ICE starts; DTLS connects and both certificates check out before its camera is open.
    a.on({ type: 'gate', verdict: 'verified' });
    expect(a.state).toMatchObject({ phase: 'active', accepted: true, verified: true, deadline: null });
    expect(a.has('open-gate')).toBe(true);
    b.on({ type: 'gate', verdict: 'verified' });
    expect(b.state?.phase).toBe('incoming');
    expect(b.has('open-gate')).toBe(false);
    // Camera open: the callee's own gate opens on its accept, which is sent once and not repeated.
    b.on({ type: 'accepted' });
    expect(b.state).toMatchObject({ phase: 'active', acceptAgainAt: null, acceptsLeft: 0 });
    expect(b.has('open-gate')).toBe(true);
    const active = a.state;
    expect(deliver(b, a)).toEqual([expect.objectContaining({ action: 'accept' })]);
    expect(a.state).toBe(active);
    b.now += 10 * DEFAULT_TIMEOUTS.acceptAgainMs;
    b.on({ type: 'tick' });
    expect(b.sent()).toEqual([]);
    expect(sasOf(a.state!, a.identity)!.words).toEqual(sasOf(b.state!, b.identity)!.words);
  });

  it('an answer that may connect while it rings still needs the accept control', () => {
    const { a, b, o, random } = ringing(22);
    b.on({ type: 'answered', answer: answerTo(o, random(32), false) });
    deliver(b, a);
    a.on({ type: 'gate', verdict: 'verified' });
    expect(a.state).toMatchObject({ phase: 'outgoing', accepted: false, verified: true });
    expect(a.has('open-gate')).toBe(false);
  });

  it("the callee's own gate never opens before its person accepts, whatever its answer said", () => {
    const { b } = answeredOnAccept(23);
    b.on({ type: 'gate', verdict: 'verified' });
    expect(b.state).toMatchObject({ phase: 'incoming', verified: true, accepted: false });
    expect(b.has('open-gate')).toBe(false);
  });

  it('a callee that gives up after the click (no camera) ends the caller that was in the call already', () => {
    const { a, b } = answeredOnAccept(24);
    a.on({ type: 'gate', verdict: 'verified' });
    expect(a.state?.phase).toBe('active');
    b.on({ type: 'local-failure', reason: 'media-error' });
    expect(deliver(b, a)).toEqual([expect.objectContaining({ action: 'reject' })]);
    expect(a.state).toMatchObject({ phase: 'ended', endReason: 'rejected' });
    expect(a.has('teardown')).toBe(true);
    // Under an answer that may connect while ringing, a reject mid-call is not how calls end: ignored.
    const { a: caller } = connected(25);
    const live = caller.state!;
    caller.on({
      type: 'received',
      peer: BOB,
      body: { type: 'control', callId: fromId(25), action: 'reject' },
    });
    expect(caller.state).toBe(live);
  });
});

describe('endings before an answer', () => {
  it('reject', () => {
    const { a, b } = ringing();
    b.on({ type: 'decline' });
    deliver(b, a);
    expect(b.state?.endReason).toBe('declined');
    expect(a.state?.endReason).toBe('rejected');
  });

  it('caller cancels: the callee sees a missed call and stops ringing', () => {
    const { a, b } = ringing();
    a.on({ type: 'hangup' });
    deliver(a, b);
    expect(a.state?.endReason).toBe('hung-up');
    expect(b.state?.endReason).toBe('missed');
    expect(b.effects).toContainEqual({ type: 'ring', on: false });
  });

  it('no answer: the caller times out and tells the callee; the callee also gives up on its own', () => {
    const { a, b } = ringing();
    a.now = T0 + DEFAULT_TIMEOUTS.ringMs - 1;
    a.on({ type: 'tick' });
    expect(a.state?.phase).toBe('outgoing');
    a.now = T0 + DEFAULT_TIMEOUTS.ringMs;
    a.on({ type: 'tick' });
    expect(a.state?.endReason).toBe('no-answer');
    deliver(a, b);
    expect(b.state?.endReason).toBe('missed');

    const lonely = ringing(9).b;
    lonely.now = T0 + DEFAULT_TIMEOUTS.incomingMs;
    lonely.on({ type: 'tick' });
    expect(lonely.state?.endReason).toBe('missed');
  });

  it('busy: a second offer while a call is up is answered busy and changes nothing', () => {
    const { a, b } = connected();
    const c = new Side(CAROL, carol!.publicKey);
    const nonce = new Uint8Array(32).fill(3);
    c.on({ type: 'dialed', peer: BOB, offer: offer(8, nonce, 'audio'), nonce });
    deliver(c, b);
    expect(b.state?.phase).toBe('active');
    expect(b.state?.peer).toBe(ALICE);
    deliver(b, c);
    expect(c.state?.endReason).toBe('busy');
    expect(a.state?.phase).toBe('active');
  });

  it('an offer older than OFFER_MAX_AGE_MS does not ring', () => {
    const b = new Side(BOB, bob!.publicKey);
    b.now = T0 + OFFER_MAX_AGE_MS + 1;
    b.on({ type: 'received', peer: ALICE, body: offer(5, new Uint8Array(32)) });
    expect(b.state).toBeNull();
    expect(b.effects).toEqual([]);
  });

  it('both call each other at once: both pages keep the call with the lower id', () => {
    const random = testRandom('glare');
    const a = new Side(ALICE, alice!.publicKey);
    const b = new Side(BOB, bob!.publicKey);
    const [na, nb] = [random(32), random(32)];
    a.on({ type: 'dialed', peer: BOB, offer: offer(3, na), nonce: na });
    b.on({ type: 'dialed', peer: ALICE, offer: offer(4, nb), nonce: nb });
    const toB = a.sent();
    const toA = b.sent();
    for (const { body } of toB) b.on({ type: 'received', peer: ALICE, body });
    for (const { body } of toA) a.on({ type: 'received', peer: BOB, body });
    // Alice's call (id 3...) wins on both pages: Bob now rings, Alice still calls.
    expect(a.state).toMatchObject({ phase: 'outgoing', callId: toHex(new Uint8Array(16).fill(3)) });
    expect(b.state).toMatchObject({ phase: 'incoming', callId: toHex(new Uint8Array(16).fill(3)) });
    expect(b.has('teardown')).toBe(true);
  });
});

describe('security and connection failures', () => {
  it('a gate mismatch or DTLS failure ends the call with a security hang-up; no gate ever opens', () => {
    for (const verdict of ['mismatch', 'dtls-failed'] as const) {
      const { a, b, o, random } = ringing();
      accept(b, o, random);
      deliver(b, a);
      a.on({ type: 'gate', verdict });
      expect(a.state).toMatchObject({ phase: 'ended', endReason: 'security' });
      expect(a.has('open-gate')).toBe(false);
      deliver(a, b);
      expect(b.state).toMatchObject({ phase: 'ended', endReason: 'remote-security' });
    }
  });

  it('an answer reflecting the caller’s own certificate is refused as a security failure', () => {
    const { a, o, random } = ringing();
    a.on({
      type: 'received',
      peer: BOB,
      body: { ...answerTo(o, random(32)), fingerprint: fp(1), sdp: sdp(1) },
    });
    expect(a.state?.endReason).toBe('security');
  });

  it('a bad body from the peer in a call ends it; from a contact not in a call, shows a refused call', () => {
    const { a, b } = connected();
    b.on({ type: 'bad-body', peer: ALICE, code: 'fingerprint-mismatch' });
    expect(b.state?.endReason).toBe('security');
    deliver(b, a);
    expect(a.state?.endReason).toBe('remote-security');

    const c = new Side(CAROL, carol!.publicKey);
    c.on({ type: 'bad-body', peer: ALICE, code: 'fingerprint-mismatch' });
    expect(c.state).toMatchObject({ phase: 'ended', endReason: 'security', callId: '', peer: ALICE });
  });

  it('renegotiation may not change the certificate or the commitment', () => {
    const { b, o } = connected();
    b.on({
      type: 'received',
      peer: ALICE,
      body: { ...o, purpose: 'renegotiate', sasCommitment: new Uint8Array(32) },
    });
    expect(b.state?.endReason).toBe('security');
    const again = connected(11);
    again.b.on({
      type: 'received',
      peer: ALICE,
      body: { ...again.o, purpose: 'renegotiate', fingerprint: fp(9), sdp: sdp(9) },
    });
    expect(again.b.state?.endReason).toBe('security');
  });

  it('a lost connection: the caller restarts ICE, the callee asks for it; back to active when it recovers', () => {
    const { a, b, o } = connected();
    a.on({ type: 'connection', state: 'failed' });
    expect(a.state?.phase).toBe('reconnecting');
    expect(a.has('restart-ice')).toBe(true);
    b.on({ type: 'connection', state: 'failed' });
    expect(deliver(b, a)).toEqual([expect.objectContaining({ action: 'ice-restart' })]);
    // The caller's renegotiation offer reaches the callee as an 'apply'.
    b.on({ type: 'received', peer: ALICE, body: { ...o, purpose: 'renegotiate' } });
    expect(b.effects).toContainEqual({
      type: 'apply',
      body: expect.objectContaining({ purpose: 'renegotiate' }),
    });
    a.on({ type: 'connection', state: 'connected' });
    expect(a.state?.phase).toBe('active');
  });

  it("a lasting 'disconnected' asks for an ICE restart without waiting for 'failed'; a short one does not", () => {
    const { a, b } = connected(13);
    a.on({ type: 'connection', state: 'disconnected' });
    b.on({ type: 'connection', state: 'disconnected' });
    expect(a.state?.phase).toBe('reconnecting');
    expect(a.on({ type: 'tick' })).toEqual([]);
    b.now += DEFAULT_TIMEOUTS.restartAfterMs - 1;
    expect(b.on({ type: 'tick' })).toEqual([]);
    // The path came back by itself on Bob's side in time: nothing to ask for.
    b.on({ type: 'connection', state: 'connected' });
    expect(b.state?.phase).toBe('active');
    b.now += 1;
    expect(b.on({ type: 'tick' })).toEqual([]);
    a.now += DEFAULT_TIMEOUTS.restartAfterMs;
    expect(a.on({ type: 'tick' })).toEqual([{ type: 'restart-ice' }]);
    // Asked once per loss; a 'failed' after it asks again (the first restart may have failed too).
    a.now += 1_000;
    expect(a.on({ type: 'tick' })).toEqual([]);
    expect(a.on({ type: 'connection', state: 'failed' })).toEqual([{ type: 'restart-ice' }]);
    expect(a.state?.phase).toBe('reconnecting');

    const other = connected(14);
    other.b.on({ type: 'connection', state: 'disconnected' });
    other.b.sent();
    other.b.now += DEFAULT_TIMEOUTS.restartAfterMs;
    other.b.on({ type: 'tick' });
    expect(deliver(other.b, other.a)).toEqual([expect.objectContaining({ action: 'ice-restart' })]);
    expect(other.a.has('restart-ice')).toBe(true);
  });

  it('the callee sends its accept again until the caller shows it arrived, a few times at most', () => {
    // Nothing has come back from the caller since the accept (had it been lost, the caller would still ring).
    const { a, b, o } = connected(15);
    b.now += DEFAULT_TIMEOUTS.acceptAgainMs - 1;
    expect(b.on({ type: 'tick' })).toEqual([]);
    b.now += 1;
    b.on({ type: 'tick' });
    const again = deliver(b, a);
    expect(again).toEqual([expect.objectContaining({ action: 'accept' })]);
    // Already accepted, a second accept changes nothing at the caller.
    const before = a.state;
    a.on({ type: 'received', peer: BOB, body: again[0]! });
    expect(a.state).toBe(before);
    // The caller's media flags (sent when its gate opens) show the accept arrived: no more repeats.
    const flags = { audioMuted: false, videoOff: false, screenSharing: false };
    b.on({
      type: 'received',
      peer: ALICE,
      body: { type: 'control', callId: o.callId, action: 'media', flags },
    });
    b.now += 10 * DEFAULT_TIMEOUTS.acceptAgainMs;
    expect(b.on({ type: 'tick' })).toEqual([]);

    // Nothing ever comes back: ACCEPT_REPEATS more accepts, then silence.
    const other = connected(16);
    other.b.sent();
    let repeats = 0;
    for (let i = 0; i < ACCEPT_REPEATS + 3; i++) {
      other.b.now += DEFAULT_TIMEOUTS.acceptAgainMs;
      other.b.on({ type: 'tick' });
      repeats += other.b.sent().filter((s) => s.body.type === 'control' && s.body.action === 'accept').length;
    }
    expect(repeats).toBe(ACCEPT_REPEATS);
    // The caller never repeats anything of the kind.
    other.a.sent();
    other.a.now += 10 * DEFAULT_TIMEOUTS.acceptAgainMs;
    other.a.on({ type: 'tick' });
    expect(other.a.sent()).toEqual([]);
  });

  it('reconnecting too long, or connecting too long, ends the call as failed', () => {
    const { a } = connected();
    a.on({ type: 'connection', state: 'disconnected' });
    a.now += DEFAULT_TIMEOUTS.reconnectMs;
    a.on({ type: 'tick' });
    expect(a.state?.endReason).toBe('failed');

    const { b, o, random } = ringing(12);
    accept(b, o, random);
    b.now += DEFAULT_TIMEOUTS.connectMs;
    b.on({ type: 'tick' });
    expect(b.state?.endReason).toBe('failed');
  });

  it('media flags from the peer are shown; bodies for another call are ignored', () => {
    const { a, o } = connected();
    const flags = { audioMuted: true, videoOff: false, screenSharing: true };
    a.on({
      type: 'received',
      peer: BOB,
      body: { type: 'control', callId: o.callId, action: 'media', flags },
    });
    expect(a.state?.remoteMedia).toEqual(flags);
    const before = a.state;
    a.on({
      type: 'received',
      peer: BOB,
      body: { type: 'control', callId: new Uint8Array(16), action: 'reject' },
    });
    a.on({
      type: 'received',
      peer: CAROL,
      body: { type: 'control', callId: o.callId, action: 'hangup', reason: 'normal' },
    });
    expect(a.state).toBe(before);
  });
});

describe('TURN credentials renewed before they expire', () => {
  const TTL = 60_000;
  /** What a tick asked about TURN (the callee's accept repeats run beside). */
  const turnTick = (side: Side) =>
    side.on({ type: 'tick' }).filter((e) => e.type === 'renew-turn' || e.type === 'turn-lapsed');

  it('renewal at half the lifetime; fresh ones make the caller restart ICE and the callee ask for it', () => {
    const { a, b } = connected();
    for (const side of [a, b]) {
      side.on({ type: 'turn-credentials', expiresAt: side.now + TTL, renewed: false });
      // The credentials the call was made with need no restart.
      expect(side.effects.some((e) => e.type === 'restart-ice')).toBe(false);
      expect(side.state?.turnRenewAt).toBe(T0 + TTL / 2);
      side.now += TTL / 2 - 1;
      expect(turnTick(side)).toEqual([]);
      side.now += 1;
      expect(turnTick(side)).toEqual([{ type: 'renew-turn' }]);
      // Asked once: the next ticks wait for the answer.
      side.now += 5_000;
      expect(turnTick(side)).toEqual([]);
    }
    a.sent();
    b.sent();
    expect(a.on({ type: 'turn-credentials', expiresAt: a.now + TTL, renewed: true })).toEqual([
      { type: 'restart-ice', forTurn: true },
    ]);
    expect(a.state?.turnRenewAt).toBe(a.now + TTL / 2);
    b.on({ type: 'turn-credentials', expiresAt: b.now + TTL, renewed: true });
    expect(deliver(b, a)).toEqual([expect.objectContaining({ type: 'control', action: 'ice-restart' })]);
    expect(a.effects.filter((e) => e.type === 'restart-ice')).toHaveLength(2);
    expect(a.state?.phase).toBe('active');
    expect(b.state?.phase).toBe('active');
  });

  it('a refused renewal is asked again after a growing, bounded wait; the call goes on; a lapse is told once', () => {
    const { a } = connected();
    a.on({ type: 'turn-credentials', expiresAt: a.now + TTL, renewed: false });
    a.now += TTL / 2;
    expect(turnTick(a)).toEqual([{ type: 'renew-turn' }]);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const refusedAt = a.now;
      expect(a.on({ type: 'turn-refused' })).toEqual([]);
      expect(a.state?.phase).toBe('active');
      waits.push(a.state!.turnRenewAt! - refusedAt);
      a.now = a.state!.turnRenewAt!;
      expect(turnTick(a)).toContainEqual({ type: 'renew-turn' });
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    // The credentials ran out meanwhile (at T0 + 60 s): told once, and the call is still up.
    expect(a.effects.filter((e) => e.type === 'turn-lapsed')).toHaveLength(1);
    expect(a.state).toMatchObject({ phase: 'active', turnLapsed: true });
    // Fresh ones at last: the backoff starts over and the lapse is over.
    a.on({ type: 'turn-credentials', expiresAt: a.now + TTL, renewed: true });
    expect(a.state).toMatchObject({ turnRefusals: 0, turnLapsed: false, turnRenewAt: a.now + TTL / 2 });
  });

  it('a ringing call renews only once it connects; an ended call renews nothing', () => {
    const { a, b, o, random } = ringing();
    a.on({ type: 'turn-credentials', expiresAt: a.now + TTL, renewed: false });
    a.now += TTL / 2 + 1_000;
    expect(turnTick(a)).toEqual([]);
    deliver(b, a);
    accept(b, o, random);
    deliver(b, a);
    expect(a.state?.phase).toBe('connecting');
    expect(turnTick(a)).toEqual([{ type: 'renew-turn' }]);
    a.on({ type: 'turn-credentials', expiresAt: a.now + TTL, renewed: false });
    a.on({ type: 'hangup' });
    expect(a.state?.turnRenewAt).toBeNull();
    a.now += TTL;
    expect(turnTick(a)).toEqual([]);
    expect(a.on({ type: 'turn-credentials', expiresAt: a.now + TTL, renewed: true })).toEqual([]);
  });

  it("credentials that seem to expire at once (a clock far from the relay's) are renewed no sooner than the minimum", () => {
    const { a } = connected();
    a.on({ type: 'turn-credentials', expiresAt: a.now - 1_000, renewed: false });
    expect(a.state?.turnRenewAt).toBe(a.now + TURN_RENEW_MIN_MS);
  });
});

describe('a file session (media data): the same machine, asked about in the chat instead of ringing', () => {
  const file = { size: 5, name: 'notes.txt', type: 'text/plain' };
  function offered(callId = 40) {
    const random = testRandom(`machine-data-${callId}`);
    const a = new Side(ALICE, alice!.publicKey);
    const b = new Side(BOB, bob!.publicKey);
    const nonce = random(32);
    const o: CallOffer = { ...offer(callId, nonce), media: 'data', file };
    a.on({ type: 'dialed', peer: BOB, offer: o, nonce });
    deliver(a, b);
    return { a, b, o, random };
  }

  it('neither rings nor notifies; the offered file reaches the receiver through the codec', () => {
    const { b } = offered();
    expect(b.state).toMatchObject({ phase: 'incoming', media: 'data', offer: { file } });
    expect(b.has('ring') || b.has('notify-incoming')).toBe(false);
    expect(b.sent()).toEqual([{ peer: ALICE, body: expect.objectContaining({ action: 'ringing' }) }]);
  });

  it('the sender may start (open-gate) only once the receiver accepted and its certificate verified', () => {
    const { a, b, o, random } = offered();
    deliver(b, a);
    expect(a.has('open-gate')).toBe(false);
    b.on({ type: 'answered', answer: answerTo(o, random(32), true) });
    b.on({ type: 'accepted' });
    deliver(b, a); // the answer (connects on accept) and the accept
    expect(a.has('open-gate')).toBe(false);
    a.on({ type: 'gate', verdict: 'verified' });
    expect(a.state?.phase).toBe('active');
    expect(a.has('open-gate')).toBe(true);
  });

  it('a certificate that is not the signed one ends both sides as a security failure, the gate shut', () => {
    const { a, b, o, random } = offered();
    b.on({ type: 'answered', answer: answerTo(o, random(32), true) });
    b.on({ type: 'accepted' });
    deliver(b, a);
    a.on({ type: 'gate', verdict: 'dtls-failed' });
    expect(a.state).toMatchObject({ phase: 'ended', endReason: 'security' });
    expect(a.has('open-gate')).toBe(false);
    deliver(a, b);
    expect(b.state).toMatchObject({ phase: 'ended', endReason: 'remote-security' });
    expect(b.has('open-gate')).toBe(false);
  });

  it('declined: the sender sees it rejected; withdrawn before the accept: the receiver sees it missed', () => {
    const declined = offered(41);
    declined.b.on({ type: 'decline' });
    deliver(declined.b, declined.a);
    expect(declined.a.state).toMatchObject({ phase: 'ended', endReason: 'rejected' });
    const withdrawn = offered(42);
    withdrawn.a.on({ type: 'hangup' });
    deliver(withdrawn.a, withdrawn.b);
    expect(withdrawn.b.state).toMatchObject({ phase: 'ended', endReason: 'missed' });
    expect(withdrawn.b.has('ring')).toBe(false);
  });
});
