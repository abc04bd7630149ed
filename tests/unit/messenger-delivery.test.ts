import { describe, expect, it } from 'vitest';
import { ACK_TIMEOUT_MS } from '../../client/core/outbox.ts';
import { FakeRelay, settle } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

async function pair() {
  const relay = new FakeRelay();
  const clock = new Clock();
  const alice = await Person.create('alice', relay, clock);
  const bob = await Person.create('bob', relay, clock);
  alice.add(bob);
  bob.add(alice);
  alice.online();
  bob.online();
  return { relay, clock, alice, bob };
}

describe('messenger delivery', () => {
  it('delivers a message once and reports it delivered by the end-to-end ack', async () => {
    const { relay, alice, bob } = await pair();
    const sent = alice.messenger.sendText(bob.peer, 'hello bob');
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['hello bob']);
    expect(bob.of('message')[0]!.message).toEqual(sent);
    expect(alice.delivered()).toEqual([sent.id]);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('stamps each message later than the one before, even when the clock stands still or steps back', async () => {
    const { relay, clock, alice, bob } = await pair();
    const first = alice.messenger.sendText(bob.peer, 'one');
    const second = alice.messenger.sendText(bob.peer, 'two');
    clock.advance(-60_000);
    const third = alice.messenger.sendText(bob.peer, 'three');
    expect(second.sentAt).toBeGreaterThan(first.sentAt);
    expect(third.sentAt).toBeGreaterThan(second.sentAt);
    await relay.pump();
    expect(bob.of('message').map((event) => event.message.sentAt)).toEqual([
      first.sentAt,
      second.sentAt,
      third.sentAt,
    ]);
  });

  it('keeps messages to an offline contact and delivers them once it comes online', async () => {
    const { relay, clock, alice, bob } = await pair();
    bob.offline();
    const ids = ['one', 'two', 'three'].map((text) => alice.messenger.sendText(bob.peer, text).id);
    await relay.pump();
    expect(alice.messenger.outbox.forPeer(bob.peer).map((e) => e.state)).toEqual([
      'waiting',
      'waiting',
      'waiting',
    ]);
    clock.advance(60_000);
    bob.online();
    bob.messenger.announce(); // bob comes online and pings his contacts
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['one', 'two', 'three']);
    expect(alice.delivered().sort()).toEqual([...ids].sort());
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('finds an offline contact by its periodic presence ping when the contact does not ping first', async () => {
    const { relay, clock, alice, bob } = await pair();
    bob.offline();
    alice.messenger.sendText(bob.peer, 'are you there');
    await relay.pump();
    bob.online();
    expect(bob.texts()).toEqual([]);
    clock.advance(60_000);
    alice.messenger.tick();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['are you there']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('resends after the relay drops the frame, and the receiver shows it once', async () => {
    const { relay, clock, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'warm up');
    await relay.pump();
    let dropNext = true;
    relay.faults.drop = () => {
      const drop = dropNext;
      dropNext = false;
      return drop;
    };
    alice.messenger.sendText(bob.peer, 'lost once');
    await relay.pump();
    expect(bob.texts()).toEqual(['warm up']);
    clock.advance(ACK_TIMEOUT_MS + 1);
    alice.messenger.tick();
    await relay.pump();
    expect(bob.texts()).toEqual(['warm up', 'lost once']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('acks a duplicate again but shows it once when the ack was lost', async () => {
    const { relay, clock, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'warm up');
    await relay.pump();
    let acksToDrop = 1;
    relay.faults.drop = (frame) => frame.from === bob.peer && acksToDrop-- > 0;
    alice.messenger.sendText(bob.peer, 'ack me');
    await relay.pump();
    expect(bob.texts()).toEqual(['warm up', 'ack me']);
    expect(alice.messenger.outbox.size).toBe(1);
    clock.advance(ACK_TIMEOUT_MS + 1);
    alice.messenger.tick();
    await relay.pump();
    expect(bob.texts()).toEqual(['warm up', 'ack me']);
    expect(alice.messenger.outbox.size).toBe(0);
    expect(alice.delivered()).toHaveLength(2);
  });

  it('does not ack what the receiver failed to store, so the resend stores it', async () => {
    const { relay, clock, alice, bob } = await pair();
    bob.failStores = 1;
    alice.messenger.sendText(bob.peer, 'store me');
    await relay.pump();
    expect(bob.texts()).toEqual([]);
    expect(alice.messenger.outbox.size).toBe(1);
    clock.advance(ACK_TIMEOUT_MS + 1);
    alice.messenger.tick();
    await relay.pump();
    expect(bob.texts()).toEqual(['store me']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('recovers when the receiver lost its session (reload): the message arrives after a re-key', async () => {
    const { relay, clock, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'before');
    await relay.pump();
    bob.messenger.sessions.forget(alice.peer); // bob lost the session but not his memory of ids
    alice.messenger.sendText(bob.peer, 'after');
    await relay.pump();
    expect(bob.texts()).toEqual(['before']);
    for (let i = 0; i < 3; i++) {
      clock.advance(ACK_TIMEOUT_MS + 1);
      alice.messenger.tick();
      await relay.pump();
    }
    expect(bob.texts()).toEqual(['before', 'after']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('delivers what was in flight when the receiver reloads and announces itself', async () => {
    const { relay, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'first');
    await relay.pump();
    relay.faults.drop = () => true;
    alice.messenger.sendText(bob.peer, 'in flight');
    await relay.pump();
    relay.faults = {};
    bob.start();
    bob.messenger.announce();
    await relay.pump();
    expect(bob.texts()).toEqual(['first', 'in flight']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('resends everything in flight after the relay connection drops and comes back', async () => {
    const { relay, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'one');
    await relay.pump();
    relay.faults.drop = () => true;
    alice.messenger.sendText(bob.peer, 'two');
    await relay.pump();
    relay.up = false;
    alice.messenger.sendText(bob.peer, 'three');
    await relay.pump();
    expect(alice.messenger.outbox.forPeer(bob.peer).map((e) => e.state)).toEqual(['in-flight', 'waiting']);
    relay.up = true;
    relay.faults = {};
    alice.messenger.relayReconnected();
    await relay.pump();
    expect(bob.texts()).toEqual(['one', 'two', 'three']);
    expect(alice.messenger.outbox.size).toBe(0);
  });

  it('sends everything pending at once when the relay comes back, not at the next retry time', async () => {
    const { relay, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'one');
    await relay.pump();
    relay.faults.drop = () => true;
    alice.messenger.sendText(bob.peer, 'lost on the way');
    await relay.pump();
    relay.up = false;
    alice.messenger.sendText(bob.peer, 'written offline');
    await relay.pump();
    relay.up = true;
    relay.faults = {};
    alice.messenger.relayReconnected();
    await settle(); // no clock advance, no tick, no answer from Bob yet: only the reconnect itself
    expect(alice.messenger.outbox.forPeer(bob.peer).map((e) => e.state)).toEqual(['in-flight', 'in-flight']);
    await relay.pump();
    expect(bob.texts()).toEqual(['one', 'lost on the way', 'written offline']);
    expect(alice.messenger.outbox.size).toBe(0);
  });
});
