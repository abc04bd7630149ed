import { describe, expect, it } from 'vitest';
import { GOODBYE_RESEAL_FRAMES } from '../../client/core/goodbyes.ts';
import { PRESENCE_ONLINE_INTERVAL_MS, PRESENCE_TTL_MS } from '../../client/core/presence.ts';
import { REPLAY_WINDOW } from '../../crypto/envelope.ts';
import { FakeRelay } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

async function friends() {
  const relay = new FakeRelay();
  const clock = new Clock();
  const alice = await Person.create('p-alice', relay, clock);
  const bob = await Person.create('p-bob', relay, clock);
  alice.add(bob);
  bob.add(alice);
  alice.online();
  bob.online();
  alice.messenger.announce();
  await relay.pump();
  return { relay, clock, alice, bob };
}

const lastPresence = (person: Person, of: Person) =>
  person
    .of('presence')
    .filter((event) => event.peer === of.peer)
    .at(-1)?.online;

describe('presence: goodbyes and a lost relay', () => {
  it('hands the goodbye to the transport before leave() returns, sealed while the page was alive', async () => {
    const { relay, alice, bob } = await friends();
    expect(lastPresence(alice, bob)).toBe(true);
    const queuedBefore = relay.queued;
    void bob.messenger.leave();
    // A closing page gets no later turn: the goodbye must be on the wire now, not after a signature.
    expect(relay.queued).toBe(queuedBefore + 1);
    bob.offline();
    await relay.pump();
    expect(lastPresence(alice, bob)).toBe(false);
  });

  it('keeps the sealed goodbye inside the receiver replay window however much was sent after it', async () => {
    const { relay, alice, bob } = await friends();
    const frames = REPLAY_WINDOW * 2;
    expect(GOODBYE_RESEAL_FRAMES).toBeLessThan(REPLAY_WINDOW);
    for (let i = 0; i < frames; i++) {
      bob.messenger.setTyping(alice.peer, i % 2 === 0);
      if (i % 16 === 0) await relay.pump();
    }
    await relay.pump();
    void bob.messenger.leave();
    await relay.pump();
    expect(lastPresence(alice, bob)).toBe(false);
    expect(alice.of('dropped')).toEqual([]);
  });

  it('seals the goodbye again in each new session (the receiver keeps only the last two)', async () => {
    const { relay, alice, bob } = await friends();
    for (const who of [bob, alice, bob]) {
      await who.messenger.sessions.rekey((who === bob ? alice : bob).peer);
      await relay.pump();
    }
    const queuedBefore = relay.queued;
    void bob.messenger.leave();
    expect(relay.queued).toBe(queuedBefore + 1);
    await relay.pump();
    expect(lastPresence(alice, bob)).toBe(false);
    expect(alice.of('dropped')).toEqual([]);
  });

  it('shows contacts offline when the relay connection goes, and online again when they next speak', async () => {
    const { relay, alice, bob } = await friends();
    alice.messenger.relayLost();
    expect(lastPresence(alice, bob)).toBe(false);
    expect(alice.messenger.presence.isOnline(bob.peer)).toBe(false);
    // What was already on its way and is processed after the loss says nothing about now.
    bob.messenger.sendText(alice.peer, 'sent before the loss');
    await relay.pump();
    expect(alice.texts(bob)).toContain('sent before the loss');
    expect(lastPresence(alice, bob)).toBe(false);
    alice.messenger.relayReconnected();
    bob.messenger.sendText(alice.peer, 'still here');
    await relay.pump();
    expect(lastPresence(alice, bob)).toBe(true);
  });

  it('a contact that goes without a goodbye is offline within 15 s (the next online ping)', async () => {
    const { relay, clock, alice, bob } = await friends();
    expect(PRESENCE_ONLINE_INTERVAL_MS).toBeLessThanOrEqual(15_000);
    bob.offline(); // a crash: the relay knows the socket is gone, Bob said nothing
    clock.advance(15_000);
    alice.messenger.tick();
    await relay.pump();
    expect(lastPresence(alice, bob)).toBe(false);
  });

  it('a contact whose socket the relay still holds but who answers nothing is offline within 41 s', async () => {
    const { relay, clock, alice, bob } = await friends();
    relay.faults.drop = (frame) => frame.to === bob.peer; // a dead socket the relay has not noticed yet
    for (let at = 0; at <= 40_000; at += 1_000) {
      clock.advance(1_000);
      alice.messenger.tick();
      await relay.pump();
    }
    expect(lastPresence(alice, bob)).toBe(false);
    // ...but not while its pongs still come: two online pings missed and a margin.
    expect(PRESENCE_TTL_MS).toBeGreaterThan(2 * PRESENCE_ONLINE_INTERVAL_MS);
  });
});
