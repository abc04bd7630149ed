import { describe, expect, it } from 'vitest';
import { OutboxFullError } from '../../client/core/messenger.ts';
import { MAX_OUTBOX_PER_PEER } from '../../client/core/outbox.ts';
import { PRESENCE_INTERVAL_MS, PRESENCE_TTL_MS } from '../../client/core/presence.ts';
import { FakeRelay } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

async function people() {
  const relay = new FakeRelay();
  const clock = new Clock();
  const alice = await Person.create('c-alice', relay, clock);
  const bob = await Person.create('c-bob', relay, clock);
  alice.online();
  bob.online();
  return { relay, clock, alice, bob };
}

describe('contact requests', () => {
  it('shows a stranger only its contact request; after acceptance the conversation flows', async () => {
    const { relay, clock, alice, bob } = await people();
    alice.add(bob); // alice has bob's code; bob does not know alice
    const requestId = alice.messenger.requestContact(bob.peer, 'Alice');
    alice.messenger.sendText(bob.peer, 'it is me, alice');
    await relay.pump();
    expect(bob.of('contact-request')).toEqual([
      { type: 'contact-request', peer: alice.peer, id: requestId, displayName: 'Alice' },
    ]);
    expect(bob.texts()).toEqual([]);
    expect(bob.of('dropped').map((e) => e.code)).toContain('unexpected-message');
    expect(alice.delivered()).toEqual([requestId]); // the request is acknowledged, the text is not
    expect(bob.of('presence')).toEqual([]); // a stranger's traffic says nothing about presence

    bob.add(alice);
    bob.messenger.acceptContact(alice.peer, 'Bob');
    await relay.pump();
    expect(alice.of('contact-response')).toEqual([
      { type: 'contact-response', peer: bob.peer, accepted: true, displayName: 'Bob' },
    ]);
    clock.advance(20_000);
    alice.messenger.tick();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['it is me, alice']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('answers a stranger with the handshake and acks only: no pong', async () => {
    const { relay, clock, alice, bob } = await people();
    alice.add(bob);
    alice.messenger.requestContact(bob.peer, 'Alice');
    await relay.pump();
    const fromBob = relay.sentBy.get(bob.peer);
    clock.advance(PRESENCE_INTERVAL_MS);
    alice.messenger.tick(); // pings bob, who must not answer
    await relay.pump();
    expect(relay.sentBy.get(bob.peer)).toBe(fromBob);
    expect(bob.of('dropped').at(-1)).toMatchObject({
      code: 'unexpected-message',
      detail: /presence from a stranger/,
    });
    // Online from the handshake; then silent, so offline once the TTL ran out.
    expect(alice.of('presence')[0]).toEqual({ type: 'presence', peer: bob.peer, online: true });
    expect(alice.of('presence').filter((event) => event.online)).toHaveLength(1);
  });

  it('gives a blocked key no answer at all', async () => {
    const { relay, alice, bob } = await people();
    alice.add(bob);
    bob.add(alice, 'blocked');
    alice.messenger.requestContact(bob.peer, 'Alice');
    await relay.pump();
    expect(relay.sentBy.get(alice.peer)).toBe(1);
    expect(relay.sentBy.get(bob.peer)).toBeUndefined();
    expect(bob.of('contact-request')).toEqual([]);
    expect(bob.messenger.sessions.peerCount).toBe(0);
  });

  it('forgets a declined peer entirely', async () => {
    const { relay, alice, bob } = await people();
    alice.add(bob);
    alice.messenger.requestContact(bob.peer, 'Alice');
    await relay.pump();
    bob.messenger.forgetPeer(alice.peer);
    expect(bob.messenger.sessions.hasSession(alice.peer)).toBe(false);
  });
});

describe('presence, typing, receipts, settings', () => {
  async function friends() {
    const setup = await people();
    setup.alice.add(setup.bob);
    setup.bob.add(setup.alice);
    return setup;
  }

  it('learns presence from pings and loses it on leaving, silence, or an undeliverable frame', async () => {
    const { relay, clock, alice, bob } = await friends();
    alice.messenger.announce();
    await relay.pump();
    expect(alice.of('presence').at(-1)).toEqual({ type: 'presence', peer: bob.peer, online: true });
    expect(bob.of('presence').at(-1)).toEqual({ type: 'presence', peer: alice.peer, online: true });
    await bob.messenger.leave();
    await relay.pump();
    expect(alice.of('presence').at(-1)).toMatchObject({ online: false });
    alice.messenger.announce();
    await relay.pump();
    expect(alice.messenger.presence.isOnline(bob.peer)).toBe(true);
    bob.offline();
    clock.advance(Math.max(PRESENCE_TTL_MS, PRESENCE_INTERVAL_MS) + 1);
    alice.messenger.tick(); // silence expires bob, and the ping comes back undeliverable
    await relay.pump();
    expect(alice.of('presence').at(-1)).toMatchObject({ online: false });
    expect(alice.of('unreachable').at(-1)).toEqual({ type: 'unreachable', peer: bob.peer });
  });

  it('sends typing only over an existing session', async () => {
    const { relay, alice, bob } = await friends();
    alice.messenger.setTyping(bob.peer, true);
    await relay.pump();
    expect(relay.sent).toBe(0);
    alice.messenger.sendText(bob.peer, 'hi');
    await relay.pump();
    alice.messenger.setTyping(bob.peer, true);
    await relay.pump();
    expect(bob.of('typing')).toEqual([{ type: 'typing', peer: alice.peer, typing: true }]);
  });

  it('carries read receipts and disappearing-timer settings reliably', async () => {
    const { relay, clock, alice, bob } = await friends();
    const message = alice.messenger.sendText(bob.peer, 'secret', { expiresInSeconds: 30 });
    await relay.pump();
    expect(bob.of('message')[0]!.message).toEqual(message);
    bob.messenger.markRead(alice.peer, [message.id]);
    bob.messenger.setDisappearing(alice.peer, 3600);
    await relay.pump();
    expect(alice.of('read')).toEqual([{ type: 'read', peer: bob.peer, ids: [message.id] }]);
    expect(alice.of('settings')).toEqual([
      { type: 'settings', peer: bob.peer, expiresInSeconds: 3600, setAt: clock.ms },
    ]);
    expect(bob.messenger.outbox.size).toBe(0);
  });

  it('gives up on a disappearing message whose timer ran out before delivery', async () => {
    const { relay, clock, alice, bob } = await friends();
    bob.offline();
    const message = alice.messenger.sendText(bob.peer, 'gone soon', { expiresInSeconds: 10 });
    await relay.pump();
    clock.advance(10_001);
    alice.messenger.tick();
    expect(alice.of('send-failed')).toEqual([
      { type: 'send-failed', peer: bob.peer, id: message.id, reason: 'expired' },
    ]);
    bob.online();
    bob.messenger.announce();
    await relay.pump();
    expect(bob.texts()).toEqual([]);
  });

  it('bounds the outbox per peer', async () => {
    const { relay, alice, bob } = await friends();
    bob.offline();
    for (let i = 0; i < MAX_OUTBOX_PER_PEER; i++) alice.messenger.sendText(bob.peer, `m${i}`);
    expect(() => alice.messenger.sendText(bob.peer, 'one too many')).toThrow(OutboxFullError);
    await relay.pump();
    expect(alice.messenger.outbox.size).toBe(MAX_OUTBOX_PER_PEER);
  });
});

describe('blocking', () => {
  it('a blocked key gets nothing from us and nothing of its reaches the app; unblocking restores the flow', async () => {
    const { relay, clock, alice, bob } = await people();
    alice.add(bob);
    bob.add(alice);
    alice.messenger.sendText(bob.peer, 'before');
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['before']);

    bob.add(alice, 'blocked');
    bob.messenger.forgetPeer(alice.peer);
    const sentByBob = relay.sentBy.get(bob.peer);
    alice.messenger.sendText(bob.peer, 'while blocked');
    bob.messenger.markRead(alice.peer, [bob.of('message')[0]!.message.id]);
    bob.messenger.sendText(alice.peer, 'to a blocked key');
    clock.advance(PRESENCE_INTERVAL_MS);
    bob.messenger.tick();
    await relay.pump();
    // Alice resends on the session Bob dropped, then re-keys: Bob refuses the handshake of a blocked key.
    for (let i = 0; i < 3; i++) {
      clock.advance(20_000);
      alice.messenger.tick();
      await relay.pump();
    }
    // Bob sent nothing at all (no handshake answer, no receipt, no message, no ping) and shows nothing.
    expect(relay.sentBy.get(bob.peer)).toBe(sentByBob);
    expect(bob.texts(alice)).toEqual(['before']);
    expect(bob.messenger.outbox.size).toBe(0);
    expect(bob.of('dropped').some((e) => e.detail.includes('blocked key'))).toBe(true);
    expect(alice.messenger.outbox.size).toBe(1); // never acknowledged

    bob.add(alice, 'contact');
    clock.advance(60_000);
    alice.messenger.tick();
    await relay.pump();
    clock.advance(60_000);
    alice.messenger.tick();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['before', 'while blocked']);
  });
});
