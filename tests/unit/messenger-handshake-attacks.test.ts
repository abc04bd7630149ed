/**
 * What a relay can try with handshakes it recorded or made up, end to end through two messengers: replaying
 * a contact's old INIT after the other side reloaded, and injecting a stranger's INIT that reuses a
 * contact's live session id. Neither may change who is shown online, where the outbox goes, or delay a
 * single message.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { createInit } from '../../crypto/handshake.ts';
import { HANDSHAKE_CONFIRM_MS } from '../../crypto/session.ts';
import { ENVELOPE_TYPE } from '../../crypto/wire.ts';
import { FakeRelay, type Frame } from './messenger-network.ts';
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

const framesOf = (relay: FakeRelay, from: Person, to: Person, type: number): Frame[] =>
  relay.log.filter((f) => f.from === from.peer && f.to === to.peer && f.bytes[1] === type);

describe('handshakes a relay replays or forges', () => {
  it('a normal handshake establishes on both sides and delivers both ways', async () => {
    const { relay, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'hello');
    await relay.pump();
    bob.messenger.sendText(alice.peer, 'hi');
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['hello']);
    expect(alice.texts(bob)).toEqual(['hi']);
    const [aliceSide] = alice.of('established');
    const [bobSide] = bob.of('established');
    expect(bobSide?.sessionId).toBe(aliceSide?.sessionId);
    expect(alice.messenger.outbox.size + bob.messenger.outbox.size).toBe(0);
  });

  it('a replayed INIT to a restarted responder: no session, no presence, the outbox stays on the good session', async () => {
    const { relay, clock, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'before the reload');
    await relay.pump();
    const [recordedInit] = framesOf(relay, alice, bob, ENVELOPE_TYPE.handshakeInit);

    // Bob reloads and announces himself: a new session, which he initiates.
    bob.start();
    bob.messenger.announce();
    await relay.pump();
    const good = bob.of('established').at(-1)?.sessionId;
    expect(good).toBeDefined();
    // Alice's connection blips: bob learns she is offline from his own undeliverable message.
    alice.offline();
    bob.messenger.sendText(alice.peer, 'while you were away');
    await relay.pump();
    expect(bob.of('presence').at(-1)).toMatchObject({ online: false });
    alice.online();

    bob.events = [];
    relay.inject(recordedInit!);
    await relay.pump();
    expect(bob.of('established')).toEqual([]);
    expect(bob.of('presence')).toEqual([]);
    expect(alice.texts(bob)).toEqual([]);
    // Alice drops the answer to her old INIT (nothing in flight), and nothing else.
    expect(alice.of('dropped').map((d) => d.code)).toEqual(['unexpected-message']);

    // The answered session is never confirmed: it is given up with a typed error, and a second replay is
    // refused at once. Alice's next ping brings her back, and what waited goes out on the good session.
    clock.advance(HANDSHAKE_CONFIRM_MS + 1);
    relay.inject(recordedInit!);
    alice.messenger.announce();
    await relay.pump();
    const codes = bob.of('dropped').map((d) => [d.peer, d.code]);
    expect(codes).toContainEqual([alice.peer, 'unconfirmed-handshake']);
    expect(codes).toContainEqual([alice.peer, 'replayed']);
    expect(bob.of('established')).toEqual([]);
    expect(bob.of('presence')).toEqual([{ type: 'presence', peer: alice.peer, online: true }]);
    expect(alice.texts(bob)).toEqual(['while you were away']);
    expect(alice.of('established').at(-1)?.sessionId).toBe(good);
    expect(bob.messenger.outbox.size).toBe(0);
  });

  it("a replayed INIT does not hold back the restarted responder's own first message", async () => {
    const { relay, alice, bob } = await pair();
    alice.messenger.sendText(bob.peer, 'before the reload');
    await relay.pump();
    const [recordedInit] = framesOf(relay, alice, bob, ENVELOPE_TYPE.handshakeInit);
    const replayedId = bob.of('established')[0]?.sessionId;
    bob.start();
    bob.events = [];
    relay.inject(recordedInit!);
    await relay.pump();
    // Bob holds an answered session that will never be confirmed; his message must not wait on it.
    bob.messenger.sendText(alice.peer, 'after the reload');
    await relay.pump();
    expect(alice.texts(bob)).toEqual(['after the reload']);
    expect(bob.messenger.outbox.size).toBe(0);
    expect(bob.of('established')).toHaveLength(1);
    expect(bob.of('established')[0]?.sessionId).not.toBe(replayedId);
  });

  it("a stranger's INIT that reuses a contact's live session id does not disturb the contact at all", async () => {
    const { relay, clock, alice, bob } = await pair();
    const mallory = await Person.create('mallory', relay, clock);
    mallory.online();
    alice.messenger.sendText(bob.peer, 'first');
    await relay.pump();
    // The relay reads the live session id off the ACCEPT's header and has a stranger claim it.
    const [accept] = framesOf(relay, bob, alice, ENVELOPE_TYPE.handshakeAccept);
    const liveId = accept!.bytes.slice(2, 18);
    const chosen = [new Uint8Array(32).fill(7), liveId];
    const { bytes } = await createInit(
      mallory.identity,
      bob.identity.publicKey,
      (n) => chosen.shift()!.slice(0, n),
      clock.now(),
    );
    relay.inject({ from: mallory.peer, to: bob.peer, bytes });
    await relay.pump();

    // No timer runs: every message must get through on the first try.
    alice.messenger.sendText(bob.peer, 'second');
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['first', 'second']);
    bob.messenger.sendText(alice.peer, 'reply');
    await relay.pump();
    expect(alice.texts(bob)).toEqual(['reply']);
    expect(alice.messenger.outbox.size + bob.messenger.outbox.size).toBe(0);
    expect(alice.of('established').map((e) => e.sessionId)).toEqual([toHex(liveId)]);
    expect(bob.of('established').map((e) => e.sessionId)).toEqual([toHex(liveId)]);
    expect(bob.messenger.sessions.peerCount).toBe(1);
    expect(bob.of('dropped').map((d) => [d.peer, d.code])).toEqual([[mallory.peer, 'session-id-taken']]);
  });
});
