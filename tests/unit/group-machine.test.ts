/**
 * The group machine (client/core/group-machine.ts): forged, replayed, stale, forked, out-of-order and
 * unauthorised statements are refused with typed errors, and every member that gets the same statements,
 * in any order and with duplicates, converges on the same state.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type GroupEffect,
  type GroupMachineState,
  headOf,
  MAX_PENDING,
  step,
} from '../../client/core/group-machine.ts';
import { toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import {
  type GroupStatement,
  groupStatementFromBytes,
  openGroupStatement,
} from '../../crypto/group-statement.ts';
import type { Identity } from '../../crypto/identity.ts';
import { create, member, next, without } from '../support/group-statements.ts';
import { testIdentity } from '../support/identities.ts';
import { expectProtocolErrorAsync } from '../support/protocol-errors.ts';

let alice: Identity;
let bob: Identity;
let carol: Identity;
let dave: Identity;
const hex = (identity: Identity) => toHex(identity.publicKey);

beforeAll(async () => {
  [alice, bob, carol, dave] = (await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((n) => testIdentity(`group:${n}`)),
  )) as [Identity, Identity, Identity, Identity];
});

/** Feeds statements to a member, each from its signer; returns the final state and every effect. */
function feed(self: Identity, statements: readonly GroupStatement[], start: GroupMachineState | null = null) {
  let state = start;
  const effects: GroupEffect[] = [];
  for (const statement of statements) {
    const result = step(state, hex(self), { type: 'statement', statement, from: toHex(statement.signer) });
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const refusals = (effects: readonly GroupEffect[]) =>
  effects.flatMap((e) => (e.type === 'refused' ? [e.error.code] : []));

describe('group machine', () => {
  it('applies a creation and the changes that follow it', async () => {
    const v1 = await create(alice, [bob, carol]);
    const v2 = await next(v1, alice, { name: 'Renamed', members: [...v1.members, member(dave)] });
    const { state, effects } = feed(bob, [v1, v2]);
    expect(headOf(state!).hash).toEqual(v2.hash);
    expect(effects.map((e) => e.type)).toEqual(['applied', 'applied']);
  });

  it('refuses a forged statement before the machine sees it: group-bad-signature', async () => {
    const v1 = await create(alice, [bob]);
    const named = v1.bytes.slice();
    named[named.length - 70]! ^= 1; // the last member's name: 'M' becomes 'L'
    await expectProtocolErrorAsync(() => openGroupStatement(nobleEd25519, named), 'group-bad-signature');
    const signature = v1.bytes.slice();
    signature[signature.length - 1]! ^= 1;
    await expectProtocolErrorAsync(() => openGroupStatement(nobleEd25519, signature), 'group-bad-signature');
  });

  it('refuses a replayed statement: group-stale', async () => {
    const v1 = await create(alice, [bob]);
    const v2 = await next(v1, alice, { name: 'Two' });
    expect(refusals(feed(bob, [v1, v2, v2]).effects)).toEqual(['group-stale']);
    expect(refusals(feed(bob, [v1, v2, v1]).effects)).toEqual(['group-stale']);
  });

  it('refuses a statement older than the kept log: group-stale', async () => {
    let head = await create(alice, [bob]);
    const first = head;
    const chain = [head];
    for (let i = 0; i < 20; i++) {
      head = await next(head, alice, { name: `Name ${i}` });
      chain.push(head);
    }
    const { state } = feed(bob, chain);
    const forkOfFirst = await next(first, alice, { name: 'Other' });
    const result = step(state, hex(bob), { type: 'statement', statement: forkOfFirst, from: hex(alice) });
    expect(refusals(result.effects)).toEqual(['group-stale']);
  });

  it('refuses a change by a member who is not an admin: group-not-admin', async () => {
    const v1 = await create(alice, [bob, carol]);
    const byBob = await next(v1, bob, { name: 'Bob’s group' });
    const bobRemovesCarol = await next(v1, bob, { members: without(v1, carol) });
    const bobMakesHimselfAdmin = await next(v1, bob, {
      members: v1.members.map((m) => (toHex(m.key) === hex(bob) ? { ...m, admin: true } : m)),
    });
    for (const bad of [byBob, bobRemovesCarol, bobMakesHimselfAdmin])
      expect(refusals(feed(carol, [v1, bad]).effects)).toEqual(['group-not-admin']);
  });

  it('lets any member leave on its own signature, and nothing more', async () => {
    const v1 = await create(alice, [bob, carol]);
    const bobLeaves = await next(v1, bob, { members: without(v1, bob) });
    const { state } = feed(carol, [v1, bobLeaves]);
    expect(headOf(state!).hash).toEqual(bobLeaves.hash);
  });

  it('refuses a change signed by a non-member: group-not-member', async () => {
    const v1 = await create(alice, [bob]);
    const byDave = await next(v1, dave, { members: [...v1.members, member(dave, true)] });
    expect(refusals(feed(bob, [v1, byDave]).effects)).toEqual(['group-not-member']);
  });

  it('refuses a group that does not list us, or that leaves no admin', async () => {
    const v1 = await create(alice, [bob]);
    expect(refusals(feed(carol, [v1]).effects)).toEqual(['group-not-member']);
    const noAdmin = await next(v1, alice, { members: v1.members.map((m) => ({ ...m, admin: false })) });
    expect(refusals(feed(bob, [v1, noAdmin]).effects)).toEqual(['group-not-admin']);
  });

  it('takes a first state only from its own signer', async () => {
    const v1 = await create(alice, [bob]);
    const result = step(null, hex(bob), { type: 'statement', statement: v1, from: hex(carol) });
    expect(refusals(result.effects)).toEqual(['group-gap']);
    expect(result.state).toBeNull();
  });

  it('refuses a statement that names a state we do not hold: group-fork', async () => {
    const v1 = await create(alice, [bob]);
    const v2 = await next(v1, alice, { name: 'Two' });
    const other = await create(alice, [bob], { name: 'Other' });
    const v3wrong = await next(v2, alice, { previousHash: other.hash, version: 3 });
    expect(refusals(feed(bob, [v1, v2, v3wrong]).effects)).toEqual(['group-fork']);
  });

  it('keeps a statement from ahead until the ones between arrive (group-gap beyond the bound)', async () => {
    const v1 = await create(alice, [bob]);
    const v2 = await next(v1, alice, { name: 'Two' });
    const v3 = await next(v2, alice, { name: 'Three' });
    const { state, effects } = feed(bob, [v1, v3, v2]);
    expect(effects.map((e) => e.type)).toEqual(['applied', 'buffered', 'applied', 'applied']);
    expect(headOf(state!).hash).toEqual(v3.hash);

    let head = v2;
    const ahead: GroupStatement[] = [];
    for (let i = 0; i <= MAX_PENDING; i++) {
      head = await next(head, alice, { name: `N${i}` });
      ahead.push(head);
    }
    expect(refusals(feed(bob, [v1, ...ahead]).effects)).toEqual(['group-gap']);
  });

  it('resolves a fork of two admins the same way everywhere: the lower hash wins', async () => {
    const v1 = await create(alice, [bob, carol, dave]);
    const v2 = await next(v1, alice, {
      members: v1.members.map((m) => (toHex(m.key) === hex(bob) ? { ...m, admin: true } : m)),
    });
    const byAlice = await next(v2, alice, { name: 'Alice’s name' });
    const byBob = await next(v2, bob, { name: 'Bob’s name' });
    const [winner, loser] = toHex(byAlice.hash) < toHex(byBob.hash) ? [byAlice, byBob] : [byBob, byAlice];
    const onLoser = await next(loser, toHex(loser.signer) === hex(alice) ? alice : bob, {
      name: 'Built on the loser',
    });

    const first = feed(carol, [v1, v2, winner, loser]);
    expect(refusals(first.effects)).toEqual(['group-fork']);
    const second = feed(dave, [v1, v2, loser, onLoser, winner]);
    expect(second.effects.some((e) => e.type === 'rewound')).toBe(true);
    expect(headOf(first.state!).hash).toEqual(winner.hash);
    expect(headOf(second.state!).hash).toEqual(winner.hash);
  });

  it('a removed member applies its removal, then refuses what follows (it is no longer in the group)', async () => {
    const v1 = await create(alice, [bob, carol]);
    const v2 = await next(v1, alice, { members: without(v1, carol) });
    const v3 = await next(v2, alice, { name: 'After' });
    const { state, effects } = feed(carol, [v1, v2]);
    expect(headOf(state!).members.some((m) => toHex(m.key) === hex(carol))).toBe(false);
    expect(effects.map((e) => e.type)).toEqual(['applied', 'applied']);
    // A later statement can reach a removed member only by mistake; it follows, and still lists no carol.
    expect(feed(carol, [v3], state).effects.map((e) => e.type)).toEqual(['applied']);
  });

  it('takes a member added back from the adding admin, past the statements it missed', async () => {
    const v1 = await create(alice, [bob, carol]);
    const v2 = await next(v1, alice, { members: without(v1, carol) });
    const v3 = await next(v2, alice, { name: 'Meanwhile' });
    const v4 = await next(v3, alice, { members: [...v3.members, member(carol)] });
    const { state } = feed(carol, [v1, v2, v4]);
    expect(headOf(state!).hash).toEqual(v4.hash);
  });

  it('property: every member converges on the same state, whatever the order and duplicates', async () => {
    const v1 = await create(alice, [bob, carol]);
    const chain = [v1];
    let head = v1;
    for (let i = 0; i < 6; i++) {
      const edit =
        i % 3 === 0
          ? { members: [...head.members.filter((m) => toHex(m.key) !== hex(dave)), member(dave)] }
          : i % 3 === 1
            ? { members: without(head, dave) }
            : { name: `Name ${i}` };
      head = await next(head, alice, edit);
      chain.push(head);
    }
    const rest = chain.slice(1);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(rest, { minLength: rest.length, maxLength: rest.length }),
        fc.array(fc.nat(rest.length - 1), { maxLength: 6 }),
        (order, repeats) => {
          const delivered = [v1, ...order, ...repeats.map((i) => rest[i]!)];
          const { state, effects } = feed(bob, delivered);
          expect(headOf(state!).hash).toEqual(head.hash);
          for (const code of refusals(effects)) expect(code).toBe('group-stale');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: random bytes never decode to anything but a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          groupStatementFromBytes(bytes);
        } catch (error) {
          expect((error as { name?: string }).name).toBe('ProtocolError');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: with two admins changing the group at once, every order of delivery ends in the same state', async () => {
    const v1 = await create(alice, [bob, carol, dave]);
    const v2 = await next(v1, alice, {
      members: v1.members.map((m) => (toHex(m.key) === hex(bob) ? { ...m, admin: true } : m)),
    });
    const a3 = await next(v2, alice, { name: 'Alice’s' });
    const a4 = await next(a3, alice, { expiresInSeconds: 60 });
    const b3 = await next(v2, bob, { name: 'Bob’s' });
    const b4 = await next(b3, bob, { expiresInSeconds: 3600 });
    const expected = toHex(a3.hash) < toHex(b3.hash) ? a4 : b4;
    const late = [v2, a3, a4, b3, b4];
    fc.assert(
      fc.property(fc.shuffledSubarray(late, { minLength: late.length, maxLength: late.length }), (order) => {
        const { state } = feed(carol, [v1, ...order]);
        expect(toHex(headOf(state!).hash)).toBe(toHex(expected.hash));
      }),
      { numRuns: 200 },
    );
  });
});
