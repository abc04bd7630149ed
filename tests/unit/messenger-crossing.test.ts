/**
 * Property: peers that all start writing to each other at the same moment (so their handshakes cross, in
 * any order the relay chooses) get every message through exactly once, acknowledged, without any timer
 * running: no message waits for a resend, and no receiver drops a stream of envelopes for a session it does
 * not know.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeRelay } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

/** How the pairs start: no session yet, a working session, or a working session that both sides re-key. */
type Start = 'fresh' | 'established' | 'both-rekey';

/** A small deterministic generator for the relay's reordering, seeded by fast-check. */
function faultRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

async function crossing(count: number, start: Start, perPair: number, order: number[], seed: number) {
  const relay = new FakeRelay();
  const clock = new Clock();
  const names = ['alice', 'bob', 'carol'].slice(0, count);
  const people = await Promise.all(names.map((name) => Person.create(name, relay, clock)));
  for (const a of people) for (const b of people) if (a !== b) a.add(b);
  for (const p of people) p.online();
  const pairs = people.flatMap((a) => people.filter((b) => b !== a).map((b) => [a, b] as const));
  if (start !== 'fresh') {
    for (const [a, b] of pairs) if (a.name < b.name) a.messenger.sendText(b.peer, 'warm-up');
    await relay.pump();
    for (const p of people) p.events = [];
  }
  if (start === 'both-rekey') for (const [a, b] of pairs) void a.messenger.sessions.rekey(b.peer);

  // Every sender writes to every other before the relay moves a single frame, in a random interleaving.
  const rand = faultRandom(seed);
  relay.faults = {
    duplicate: () => rand() < 0.1,
    position: (length) => (rand() < 0.5 ? Math.floor(rand() * (length + 1)) : length),
  };
  const sends = pairs.flatMap(([a, b]) => Array.from({ length: perPair }, () => [a, b] as const));
  const sent = new Map<string, string[]>();
  for (const index of order.map((i) => i % sends.length)) {
    const [from, to] = sends[index]!;
    const key = `${from.name}>${to.name}`;
    const text = `${key}#${sent.get(key)?.length ?? 0}`;
    from.messenger.sendText(to.peer, text);
    sent.set(key, [...(sent.get(key) ?? []), text]);
  }
  // Bounded: every message, its ack and a handshake per pair, duplicated at most once each, with room.
  await relay.pump(50 * (sends.length + pairs.length) + 200);

  for (const [from, to] of pairs) {
    const expected = sent.get(`${from.name}>${to.name}`) ?? [];
    expect([...to.texts(from)].sort(), `${from.name} -> ${to.name}`).toEqual([...expected].sort());
  }
  for (const p of people) {
    expect(p.messenger.outbox.size, `${p.name}'s outbox after one quiet relay, no timers`).toBe(0);
    const unknown = p.of('dropped').filter((d) => d.code === 'unknown-session' && d.peer !== null);
    expect(unknown, `${p.name} dropped session messages it could not route`).toEqual([]);
    // At most one stray ACCEPT per pair (the answer to an INIT that lost the crossing), and its duplicate.
    const stray = p.of('dropped').filter((d) => d.code === 'unknown-session' && d.peer === null);
    expect(stray.length, `${p.name}'s stray handshake answers`).toBeLessThanOrEqual(2 * (count - 1));
  }
}

describe('crossing handshakes', () => {
  it('simultaneous first messages between two or three peers arrive exactly once, with no timer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }),
        fc.constantFrom<Start>('fresh', 'established', 'both-rekey'),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 24 }),
        fc.integer(),
        (count, start, perPair, order, seed) => crossing(count, start, perPair, order, seed),
      ),
      { numRuns: 40 },
    );
  }, 180_000);
});
