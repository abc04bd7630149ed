/**
 * The web client's groups model (client/state/groups.ts) on a real group messenger and in-memory relay:
 * lines for each change, receipts counted per member ("read by 2 of 2"), unread counts, the group timer on
 * messages, and the groups kept in the profile.
 */
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { GroupMessenger } from '../../client/core/group-messenger.ts';
import { GroupRegistry } from '../../client/core/group-registry.ts';
import { createGroupsModel, type GroupLine, receiptSummary } from '../../client/state/groups.ts';
import type { ProfileData } from '../../client/state/profile-data.ts';
import { testRandom } from '../support/identities.ts';
import { FakeRelay } from './messenger-network.ts';
import { backend, Clock, Person } from './messenger-people.ts';

function member(person: Person, name: string) {
  const registry = new GroupRegistry(person.peer);
  const profile = signal({ groups: [] } as unknown as ProfileData);
  let messenger: GroupMessenger | undefined;
  const model = createGroupsModel({
    messenger: () => messenger!,
    registry,
    myKey: person.peer,
    myName: () => name,
    contact: (key) =>
      person.statuses.get(key) === 'contact'
        ? ({ key, name: key.slice(0, 4), state: 'accepted', verified: false } as never)
        : undefined,
    changeProfile: async (update) => {
      profile.value = update(profile.value);
    },
    now: person.clock.now,
  });
  messenger = new GroupMessenger({
    identity: person.identity,
    backend,
    random: testRandom(`${name}:model`),
    now: person.clock.now,
    messenger: person.messenger,
    registry,
    contacts: { status: (peer) => (person.statuses.get(peer) === 'contact' ? 'contact' : 'stranger') },
    onEvent: (event) => model.receive(event),
  });
  person.onGroupEvent = (event) => messenger!.receive(event);
  person.isCoMember = (peer) => registry.isCoMember(peer);
  return { model, profile, person };
}

const texts = (lines: readonly GroupLine[] | undefined) => (lines ?? []).map((l) => l.text);

describe('groups model', () => {
  it('shows changes as lines, counts receipts per member, keeps the groups in the profile', async () => {
    const relay = new FakeRelay();
    const clock = new Clock();
    const [a, b, c] = await Promise.all(
      ['m-alice', 'm-bob', 'm-carol'].map((n) => Person.create(n, relay, clock)),
    );
    for (const other of [b!, c!]) {
      a!.add(other);
      other.add(a!);
      other.online();
    }
    a!.online();
    const alice = member(a!, 'Alice');
    const bob = member(b!, 'Bob');
    const carol = member(c!, 'Carol');
    const id = await alice.model.create('Trio', [b!.peer, c!.peer]);
    await relay.pump();
    expect(texts(bob.model.threads.value.get(id))).toEqual([
      `${a!.peer.slice(0, 4)} created the group “Trio”.`,
    ]);
    expect(bob.profile.value.groups).toHaveLength(1);

    await alice.model.setTimer(id, 60);
    await relay.pump();
    alice.model.send(id, 'hello');
    await relay.pump();
    // As the session does: the messenger's acks go to the groups model.
    for (const event of a!.of('delivered')) alice.model.delivered(event.peer, event.ids);
    const mine = () => alice.model.threads.value.get(id)!.find((l) => l.kind === 'message')!;
    if (mine().kind !== 'message') throw new Error('no message');
    expect(receiptSummary(mine() as Extract<GroupLine, { kind: 'message' }>)).toBe('delivered to 2 of 2');
    expect(bob.model.unreadCounts.value.get(id)).toBe(1);
    const theirs = bob.model.threads.value.get(id)!.find((l) => l.kind === 'message');
    expect(theirs?.kind === 'message' && theirs.expiresAt).toBe(clock.ms + 60_000);

    bob.model.markSeen(id);
    await relay.pump();
    expect(receiptSummary(mine() as Extract<GroupLine, { kind: 'message' }>)).toBe('read by 1 of 2');
    carol.model.markSeen(id);
    await relay.pump();
    expect(receiptSummary(mine() as Extract<GroupLine, { kind: 'message' }>)).toBe('read by 2 of 2');
    expect(bob.model.unreadCounts.value.get(id)).toBeUndefined();

    await alice.model.removeMember(id, c!.peer);
    await relay.pump();
    expect(texts(carol.model.threads.value.get(id)).at(-1)).toBe(`${a!.peer.slice(0, 4)} removed you.`);
    expect(carol.model.isActive(id)).toBe(false);
    // Carol is not Bob's contact: he sees her by the name the group gives her (Alice's name for her).
    expect(texts(bob.model.threads.value.get(id)).at(-1)).toBe(
      `${a!.peer.slice(0, 4)} removed ${c!.peer.slice(0, 4)}.`,
    );
  });
});
