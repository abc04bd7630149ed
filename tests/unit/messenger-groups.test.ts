/**
 * Groups over the messenger (client/core/group-messenger.ts) on an in-memory relay: fan-out, one outbox
 * entry and ack per member copy, delivery to a member who was offline, removal, co-members who are not
 * contacts, and what the relay sees.
 */
import { describe, expect, it } from 'vitest';
import { BODY_BUCKETS } from '../../client/core/body-frame.ts';
import { type GroupEvent, GroupMessenger } from '../../client/core/group-messenger.ts';
import { GroupRegistry } from '../../client/core/group-registry.ts';
import { OVERHEAD } from '../../crypto/envelope.ts';
import { testRandom } from '../support/identities.ts';
import { FakeRelay } from './messenger-network.ts';
import { backend, Clock, Person } from './messenger-people.ts';

class Member {
  readonly groups: GroupMessenger;
  readonly seen: GroupEvent[] = [];
  constructor(readonly person: Person) {
    const registry = new GroupRegistry(person.peer);
    this.groups = new GroupMessenger({
      identity: person.identity,
      backend,
      random: testRandom(`${person.name}:groups`),
      now: person.clock.now,
      messenger: person.messenger,
      registry,
      contacts: { status: (peer) => (person.statuses.get(peer) === 'contact' ? 'contact' : 'stranger') },
      onEvent: (event) => {
        this.seen.push(event);
      },
    });
    person.onGroupEvent = (event) => this.groups.receive(event);
    person.isCoMember = (peer) => registry.isCoMember(peer);
  }
  texts(groupId: string): string[] {
    return this.seen.flatMap((e) =>
      e.type === 'group-message' && e.groupId === groupId ? [e.message.text] : [],
    );
  }
  refusals(): string[] {
    return this.seen.flatMap((e) => (e.type === 'group-refused' ? [e.code] : []));
  }
}

async function trio(options: { carolKnowsBob?: boolean } = {}) {
  const relay = new FakeRelay();
  const clock = new Clock();
  const people = await Promise.all(
    ['alice', 'bob', 'carol'].map((n) => Person.create(`g-${n}`, relay, clock)),
  );
  const [a, b, c] = people as [Person, Person, Person];
  a.add(b);
  a.add(c);
  b.add(a);
  c.add(a);
  if (options.carolKnowsBob) {
    b.add(c);
    c.add(b);
  }
  for (const p of people) p.online();
  return { relay, clock, alice: new Member(a), bob: new Member(b), carol: new Member(c) };
}

describe('group messenger', () => {
  it('creates a group; every member holds the same state and sees a creation line', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    const hash = alice.groups.registry.get(id)!.hash;
    expect(bob.groups.registry.get(id)!.hash).toBe(hash);
    expect(carol.groups.registry.get(id)!.hash).toBe(hash);
    const line = carol.seen.find((e) => e.type === 'group-changed');
    expect(line?.type === 'group-changed' && line.changes).toEqual([
      { type: 'created', by: alice.person.peer, name: 'Team' },
    ]);
  });

  it('fans a text out as one pairwise copy per member, each acknowledged; co-members who are not contacts talk', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    const message = alice.groups.sendText(id, 'hello group');
    expect(alice.person.messenger.outbox.size).toBe(2);
    await relay.pump();
    expect(bob.texts(id)).toEqual(['hello group']);
    expect(carol.texts(id)).toEqual(['hello group']);
    expect(alice.person.delivered().filter((m) => m === message.id)).toHaveLength(2);
    expect(alice.person.messenger.outbox.size).toBe(0);
    // Bob and Carol are not each other's contacts: the signed membership lets them talk in the group.
    bob.groups.sendText(id, 'from bob');
    await relay.pump();
    expect(carol.texts(id)).toEqual(['hello group', 'from bob']);
    expect(carol.refusals()).toEqual([]);
    // ... and only in the group: a one-to-one text from a co-member stranger is dropped.
    bob.person.messenger.sendText(carol.person.peer, 'private hello');
    await relay.pump();
    expect(carol.person.texts()).toEqual([]);
  });

  it('reports reads pairwise to the author', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    const message = alice.groups.sendText(id, 'read me');
    await relay.pump();
    bob.groups.markRead(id, alice.person.peer, [message.id]);
    await relay.pump();
    const reads = alice.seen.filter((e) => e.type === 'group-read');
    expect(reads).toEqual([{ type: 'group-read', groupId: id, peer: bob.person.peer, ids: [message.id] }]);
  });

  it('a member who was offline gets what was sent meanwhile, once', async () => {
    const { relay, clock, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    carol.person.offline();
    alice.groups.sendText(id, 'one');
    bob.groups.sendText(id, 'two');
    await relay.pump();
    clock.advance(60_000);
    carol.person.online();
    carol.person.messenger.announce();
    for (let i = 0; i < 3; i++) {
      clock.advance(6 * 60_000);
      alice.person.messenger.tick();
      bob.person.messenger.tick();
      await relay.pump();
    }
    expect(carol.texts(id).sort()).toEqual(['one', 'two']);
  });

  it('a removed member gets the removal, and nothing sent after it', async () => {
    const { relay, alice, bob, carol } = await trio({ carolKnowsBob: true });
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    await alice.groups.removeMember(id, carol.person.peer);
    await relay.pump();
    const removal = carol.seen.filter((e) => e.type === 'group-changed').at(-1);
    expect(removal?.type === 'group-changed' && removal.changes).toEqual([
      { type: 'removed', by: alice.person.peer, member: carol.person.peer },
    ]);
    expect(carol.groups.registry.isActive(id)).toBe(false);
    relay.log.length = 0;
    alice.groups.sendText(id, 'after removal');
    bob.groups.sendText(id, 'bob after removal');
    await relay.pump();
    expect(carol.texts(id)).toEqual([]);
    expect(relay.log.filter((f) => f.to === carol.person.peer)).toEqual([]);
    expect(bob.texts(id)).toEqual(['after removal']);
  });

  it('any member can leave; every other member sees the line', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    await bob.groups.leave(id);
    await relay.pump();
    for (const m of [alice, carol]) {
      const line = m.seen.filter((e) => e.type === 'group-changed').at(-1);
      expect(line?.type === 'group-changed' && line.changes).toEqual([
        { type: 'left', member: bob.person.peer },
      ]);
      expect(m.groups.registry.get(id)!.members.map((x) => x.key)).not.toContain(bob.person.peer);
    }
  });

  it('a member cannot change the group: the others refuse with group-not-admin', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    await expect(bob.groups.change(id, { name: 'Mine' })).rejects.toMatchObject({ code: 'group-not-admin' });
    expect(carol.groups.registry.get(id)!.name).toBe('Team');
  });

  it('a stranger cannot pull anyone into a group', async () => {
    const { relay, bob, carol } = await trio();
    // Bob and Carol are not contacts: Bob's new group is refused by Carol.
    await bob.groups.create('Spam', 'Bob', [{ key: carol.person.peer, name: 'Carol' }]);
    await relay.pump();
    expect(carol.groups.registry.list()).toEqual([]);
  });

  it('the relay sees ordinary pairwise envelopes of the ordinary buckets', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    relay.log.length = 0;
    alice.groups.sendText(id, 'sizes');
    await relay.pump();
    const sizes = new Set(relay.log.map((f) => f.bytes.length));
    for (const size of sizes) expect(BODY_BUCKETS.map((b) => b + OVERHEAD)).toContain(size);
  });

  it('typing reaches the other members over existing sessions, and only from members', async () => {
    const { relay, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Team', 'Alice', [
      { key: bob.person.peer, name: 'Bob' },
      { key: carol.person.peer, name: 'Carol' },
    ]);
    await relay.pump();
    alice.groups.sendText(id, 'sessions up');
    await relay.pump();
    alice.groups.setTyping(id, true);
    await relay.pump();
    expect(bob.seen.filter((e) => e.type === 'group-typing')).toEqual([
      { type: 'group-typing', groupId: id, peer: alice.person.peer, typing: true },
    ]);
    expect(carol.seen.some((e) => e.type === 'group-typing')).toBe(true);
  });

  it('a group text from someone outside the group is refused (group-not-member) and not acknowledged', async () => {
    const { relay, clock, alice, bob, carol } = await trio();
    const id = await alice.groups.create('Pair', 'Alice', [{ key: bob.person.peer, name: 'Bob' }]);
    await relay.pump();
    // Carol (Alice's contact, not in the group) forges a group text naming the group.
    const forged = { kind: 'text' as const, sentAt: clock.ms, text: 'let me in' };
    const bodyId = carol.person.messenger.sendReliable(alice.person.peer, {
      type: 'group',
      id: '0123456789abcdef0123456789abcdef',
      groupId: id,
      payload: forged,
    });
    await relay.pump();
    expect(alice.texts(id)).toEqual([]);
    expect(alice.refusals()).toEqual(['group-not-member']);
    expect(carol.person.messenger.outbox.forPeer(alice.person.peer).map((e) => e.body.id)).toEqual([bodyId]);
  });
});
