/**
 * Property: whatever the relay does (drop, duplicate, reorder frames, lose its connection), whoever goes
 * offline, and whichever sessions get lost, once the network heals every message arrives exactly once and
 * every sender has every message acknowledged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACK_TIMEOUT_MS } from '../../client/core/outbox.ts';
import { HANDSHAKE_RETRY_MS } from '../../client/core/session-manager.ts';
import { FakeRelay } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

type Op =
  | { op: 'send'; from: number; to: number }
  | { op: 'offline' | 'online' | 'lose-session'; who: number; other: number }
  | { op: 'relay-drop' }
  | { op: 'tick'; ms: number };

const person = fc.integer({ min: 0, max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), from: person, to: person }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('offline' as const, 'online' as const, 'lose-session' as const),
      who: person,
      other: person,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('relay-drop' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  },
);

/** A small deterministic generator for the relay's faults, seeded by fast-check. */
function faultRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

async function scenario(ops: Op[], seed: number, rates: { drop: number; dup: number; reorder: number }) {
  const relay = new FakeRelay();
  const clock = new Clock();
  const people = [
    await Person.create('alice', relay, clock),
    await Person.create('bob', relay, clock),
    await Person.create('carol', relay, clock),
  ];
  for (const a of people) for (const b of people) if (a !== b) a.add(b);
  for (const p of people) p.online();
  const rand = faultRandom(seed);
  relay.faults = {
    drop: () => rand() < rates.drop,
    duplicate: () => rand() < rates.dup,
    position: (length) => (rand() < rates.reorder ? Math.floor(rand() * (length + 1)) : length),
  };
  const sent = new Map<string, string[]>();
  let n = 0;
  for (const op of ops) {
    if (op.op === 'send' && op.from !== op.to) {
      const text = `m${n++}`;
      const from = people[op.from]!;
      const to = people[op.to]!;
      from.messenger.sendText(to.peer, text);
      sent.set(`${from.name}>${to.name}`, [...(sent.get(`${from.name}>${to.name}`) ?? []), text]);
    } else if (op.op === 'offline') people[op.who]!.offline();
    else if (op.op === 'online') {
      people[op.who]!.online();
      people[op.who]!.messenger.announce();
    } else if (op.op === 'lose-session' && op.who !== op.other) {
      people[op.who]!.messenger.sessions.forget(people[op.other]!.peer);
    } else if (op.op === 'relay-drop') {
      relay.up = false;
      await relay.pump();
      relay.up = true;
      for (const p of people) p.messenger.relayReconnected();
    } else if (op.op === 'tick') {
      clock.advance(op.ms);
      for (const p of people) p.messenger.tick();
    }
    await relay.pump();
  }
  // Heal: a clean relay, everyone online, timers running.
  relay.faults = {};
  for (const p of people) {
    p.online();
    p.messenger.relayReconnected();
  }
  await relay.pump();
  for (let round = 0; round < 12 && people.some((p) => p.messenger.outbox.size > 0); round++) {
    clock.advance(Math.max(ACK_TIMEOUT_MS, HANDSHAKE_RETRY_MS) + 1);
    for (const p of people) p.messenger.tick();
    await relay.pump();
  }
  for (const from of people) {
    expect(from.messenger.outbox.size, `${from.name}'s outbox`).toBe(0);
    for (const to of people) {
      if (from === to) continue;
      const expected = sent.get(`${from.name}>${to.name}`) ?? [];
      expect([...to.texts(from)].sort(), `${from.name} -> ${to.name}`).toEqual([...expected].sort());
    }
    const acked = from.delivered();
    expect(new Set(acked).size, `${from.name} acks are distinct`).toBe(acked.length);
  }
}

describe('messenger under faults', () => {
  it('loses nothing and shows nothing twice on a lossy, duplicating, reordering relay', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.integer(), (ops, seed) =>
        scenario(ops, seed, { drop: 0.15, dup: 0.15, reorder: 0.3 }),
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('survives a relay that loses half of all frames', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 15 }), fc.integer(), (ops, seed) =>
        scenario(ops, seed, { drop: 0.5, dup: 0, reorder: 0 }),
      ),
      { numRuns: 10 },
    );
  }, 120_000);
});
