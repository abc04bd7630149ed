import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HANDSHAKE_RETRY_MS,
  type PeerStatus,
  type SessionEvent,
  SessionManager,
} from '../../client/core/session-manager.ts';
import { toHex } from '../../crypto/bytes.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import type { Identity } from '../../crypto/identity.ts';
import { HANDSHAKE_FRESHNESS_MS } from '../../crypto/session.ts';
import { testIdentity, testRandom } from '../support/identities.ts';
import { backend, Clock } from './messenger-people.ts';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

/** A manager whose transmissions are captured, so the test decides what reaches whom and when. */
class Node {
  readonly peer: string;
  readonly events: SessionEvent[] = [];
  readonly outbox: { to: string; bytes: Uint8Array }[] = [];
  readonly statuses = new Map<string, PeerStatus>();
  reachable = new Set<string>();
  manager: SessionManager;
  constructor(
    readonly identity: Identity,
    clock: Clock,
    maxStrangers?: number,
  ) {
    this.peer = toHex(identity.publicKey);
    this.manager = new SessionManager({
      identity,
      backend,
      random: testRandom(`node:${this.peer}`),
      now: clock.now,
      transport: {
        send: async (recipient, bytes) => {
          const to = toHex(recipient);
          if (!this.reachable.has(to)) return 'undeliverable';
          this.outbox.push({ to, bytes });
          return 'sent';
        },
      },
      peerStatus: (peer) => this.statuses.get(peer) ?? 'stranger',
      onEvent: (event) => this.events.push(event),
      ...(maxStrangers ? { maxStrangers } : {}),
    });
  }
  take(): Uint8Array[] {
    return this.outbox.splice(0).map((f) => f.bytes);
  }
  delivered(): string[] {
    return this.events.flatMap((e) => (e.type === 'deliver' ? [read(e.body)] : []));
  }
  dropped(): string[] {
    return this.events.flatMap((e) => (e.type === 'dropped' ? [e.error.code] : []));
  }
}

async function exchange(a: Node, b: Node): Promise<void> {
  for (let round = 0; round < 6; round++) {
    for (const bytes of a.take()) await b.manager.receive(bytes);
    for (const bytes of b.take()) await a.manager.receive(bytes);
  }
}

async function nodes(maxStrangers?: number) {
  const clock = new Clock();
  const a = new Node(await testIdentity('sm-alice', backend), clock, maxStrangers);
  const b = new Node(await testIdentity('sm-bob', backend), clock, maxStrangers);
  a.statuses.set(b.peer, 'contact');
  b.statuses.set(a.peer, 'contact');
  a.reachable.add(b.peer);
  b.reachable.add(a.peer);
  return { clock, a, b };
}

describe('session manager', () => {
  it('opens a session on first send, routes by session id, and delivers both ways', async () => {
    const { a, b } = await nodes();
    expect(await a.manager.send(b.peer, MESSAGE_KIND.chat, text('hi'))).toEqual({ status: 'queued' });
    expect(await a.manager.send(b.peer, MESSAGE_KIND.chat, text('there'))).toEqual({ status: 'queued' });
    await exchange(a, b);
    const reply = await b.manager.send(a.peer, MESSAGE_KIND.chat, text('hello'));
    expect(reply.status).toBe('sent');
    await exchange(a, b);
    expect(b.delivered()).toEqual(['hi', 'there']);
    expect(a.delivered()).toEqual(['hello']);
    expect(reply).toEqual({ status: 'sent', sessionId: (a.events[0] as { sessionId: string }).sessionId });
    expect(a.events.find((e) => e.type === 'established')).toMatchObject({ peer: b.peer, role: 'initiator' });
    expect(b.events.find((e) => e.type === 'deliver')).toMatchObject({
      peer: a.peer,
      kind: MESSAGE_KIND.chat,
    });
  });

  it('runs one receive step at a time per peer: concurrent replays of accepted envelopes are all refused', async () => {
    const { a, b } = await nodes();
    await a.manager.send(b.peer, MESSAGE_KIND.chat, text('open'));
    await exchange(a, b);
    for (let i = 0; i < 12; i++) await a.manager.send(b.peer, MESSAGE_KIND.chat, text(`m${i}`));
    const frames = a.take();
    await Promise.all(frames.map((bytes) => b.manager.receive(bytes)));
    await Promise.all(frames.map((bytes) => b.manager.receive(bytes)));
    expect(b.delivered().slice(1).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
    expect(b.dropped()).toEqual(Array(12).fill('replayed'));
  });

  it('runs one send step at a time per peer: concurrent sends use distinct counters', async () => {
    const { a, b } = await nodes();
    await a.manager.send(b.peer, MESSAGE_KIND.chat, text('open'));
    await exchange(a, b);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => a.manager.send(b.peer, MESSAGE_KIND.chat, text(`m${i}`))),
    );
    // The counters travel masked; the receiver's replay window would refuse a counter used twice.
    for (const bytes of a.take()) await b.manager.receive(bytes);
    expect(b.dropped()).toEqual([]);
    expect(
      b
        .delivered()
        .filter((body) => body.startsWith('m'))
        .sort(),
    ).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
  });

  it('drops envelopes for unknown sessions without naming a peer', async () => {
    const { a, b } = await nodes();
    await a.manager.send(b.peer, MESSAGE_KIND.chat, text('open'));
    await exchange(a, b);
    b.manager.forget(a.peer);
    await a.manager.send(b.peer, MESSAGE_KIND.chat, text('into the void'));
    for (const bytes of a.take()) await b.manager.receive(bytes);
    expect(b.events.at(-1)).toMatchObject({
      type: 'dropped',
      peer: null,
      error: { code: 'unknown-session' },
    });
  });

  it('abandons a handshake whose INIT was undeliverable, and starts afresh on the next send', async () => {
    const { a, b } = await nodes();
    a.reachable.clear();
    await a.manager.send(b.peer, MESSAGE_KIND.chat, text('nobody home'));
    await new Promise((r) => setTimeout(r, 0));
    expect(a.events.map((e) => e.type)).toEqual(['undeliverable', 'handshake-abandoned']);
    a.reachable.add(b.peer);
    await a.manager.send(b.peer, MESSAGE_KIND.chat, text('now'));
    await exchange(a, b);
    expect(b.delivered()).toEqual(['now']);
  });

  /** Mallory, whom `a` has blocked, can reach `a` and be reached. */
  async function blockedMallory() {
    const { clock, a } = await nodes();
    const mallory = new Node(await testIdentity('sm-mallory', backend), clock);
    mallory.reachable.add(a.peer);
    a.reachable.add(mallory.peer);
    a.statuses.set(mallory.peer, 'blocked');
    return { clock, a, mallory };
  }

  it('refuses a blocked key without answering, and gives strangers a session', async () => {
    const { clock, a, mallory } = await blockedMallory();
    await mallory.manager.send(a.peer, MESSAGE_KIND.contactRequest, text('let me in'));
    for (const bytes of mallory.take()) await a.manager.receive(bytes);
    expect(a.take()).toEqual([]);
    expect(a.dropped()).toEqual(['unexpected-message']);
    a.statuses.delete(mallory.peer);
    clock.advance(HANDSHAKE_RETRY_MS + 1);
    await mallory.manager.rekey(a.peer);
    await exchange(mallory, a);
    expect(a.delivered()).toEqual(['let me in']);
  });

  it('on unblock, answers the handshake the formerly blocked key still waits on, only while it is fresh', async () => {
    const { clock, a, mallory } = await blockedMallory();
    await mallory.manager.send(a.peer, MESSAGE_KIND.chat, text('waited'));
    for (const bytes of mallory.take()) await a.manager.receive(bytes);
    expect(a.take()).toEqual([]);
    // Still blocked: nothing is answered.
    await a.manager.answerRefused(mallory.peer);
    expect(a.take()).toEqual([]);
    await mallory.manager.send(a.peer, MESSAGE_KIND.chat, text('again'));
    for (const bytes of mallory.take()) await a.manager.receive(bytes);
    a.statuses.set(mallory.peer, 'contact');
    await a.manager.answerRefused(mallory.peer);
    await exchange(a, mallory);
    expect(mallory.manager.hasSession(a.peer)).toBe(true);
    expect(a.delivered()).toEqual(['waited', 'again']);
    // Answered once: a second call has nothing left to answer.
    await a.manager.answerRefused(mallory.peer);
    expect(a.take()).toEqual([]);

    // A refused INIT older than the freshness window is dropped instead; forget() discards a held one.
    a.statuses.set(mallory.peer, 'blocked');
    a.manager.forget(mallory.peer);
    mallory.manager.forget(a.peer);
    await mallory.manager.send(a.peer, MESSAGE_KIND.chat, text('too old'));
    for (const bytes of mallory.take()) await a.manager.receive(bytes);
    clock.advance(HANDSHAKE_FRESHNESS_MS + 1);
    a.statuses.set(mallory.peer, 'contact');
    await a.manager.answerRefused(mallory.peer);
    expect(a.take()).toEqual([]);
    expect(a.dropped().at(-1)).toBe('stale-handshake');
    a.statuses.set(mallory.peer, 'blocked');
    await mallory.manager.rekey(a.peer);
    for (const bytes of mallory.take()) await a.manager.receive(bytes);
    a.manager.forget(mallory.peer);
    a.statuses.set(mallory.peer, 'contact');
    await a.manager.answerRefused(mallory.peer);
    expect(a.take()).toEqual([]);
  });

  it('holds at most maxStrangers stranger sessions, evicting the oldest', async () => {
    const clock = new Clock();
    const me = new Node(await testIdentity('sm-popular', backend), clock, 3);
    const strangers = await Promise.all(
      Array.from(
        { length: 5 },
        async (_, i) => new Node(await testIdentity(`sm-stranger-${i}`, backend), clock),
      ),
    );
    for (const s of strangers) {
      s.reachable.add(me.peer);
      me.reachable.add(s.peer);
      await s.manager.send(me.peer, MESSAGE_KIND.contactRequest, text(`from ${s.peer.slice(0, 4)}`));
      await exchange(s, me);
    }
    expect(me.manager.peerCount).toBe(3);
    expect(me.manager.hasSession(strangers[0]!.peer)).toBe(false);
    expect(me.manager.hasSession(strangers[4]!.peer)).toBe(true);
  });

  it('turns any bytes into dropped events, never an exception', async () => {
    const { a } = await nodes();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        a.events.length = 0;
        await a.manager.receive(bytes);
        expect(a.events.every((e) => e.type === 'dropped')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed peer ids as programming errors', async () => {
    const { a } = await nodes();
    await expect(a.manager.send('AB', MESSAGE_KIND.chat, text('x'))).rejects.toThrow(RangeError);
    await expect(a.manager.send(42 as never, MESSAGE_KIND.chat, text('x'))).rejects.toThrow(TypeError);
    expect(() => a.manager.rekey('00')).toThrow(RangeError);
  });
});
