import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReliableBody } from '../../client/core/chat-protocol.ts';
import { MAX_OUTBOX_AGE_MS, Outbox, type SavedOutboxEntry } from '../../client/core/outbox.ts';
import { MAX_SAVED_ENTRIES, outboxFromBytes, outboxToBytes } from '../../client/core/outbox-record.ts';
import { OutboxAtRest, type OutboxStorage } from '../../client/core/outbox-store.ts';
import { fromUtf8, utf8 } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { FakeRelay, settle } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

const ME = 'aa'.repeat(32);
const BOB = 'bb'.repeat(32);
const CAROL = 'cc'.repeat(32);
const T = 1_790_000_000_000;
let n = 0;
const nextId = () => (++n).toString(16).padStart(32, '0');
const chat = (text: string, extra: { expiresInSeconds?: number } = {}): ReliableBody => ({
  type: 'chat',
  id: nextId(),
  sentAt: T,
  text,
  ...extra,
});

/** A storage that keeps the last plaintext it was given, counting writes; `gate` holds writes back. */
interface MemoryStorage extends OutboxStorage {
  stored: Uint8Array | undefined;
  writes: number;
  gate: Promise<void> | undefined;
}

function memoryStorage(initial?: Uint8Array): MemoryStorage {
  const storage: MemoryStorage = {
    stored: initial,
    writes: 0,
    gate: undefined,
    async load() {
      return storage.stored;
    },
    async save(plaintext) {
      storage.writes++;
      const copy = plaintext?.slice();
      await storage.gate;
      storage.stored = copy;
    },
  };
  return storage;
}

const textsOf = (entries: readonly SavedOutboxEntry[]) =>
  entries.map((e) => (e.body.type === 'chat' ? e.body.text : e.body.type));

describe('outbox record (serialize / restore)', () => {
  it('round trip: every kind of waiting body, its peer, times and order come back as they were', () => {
    const outbox = new Outbox();
    const bodies: ReliableBody[] = [
      chat('first'),
      chat('disappears', { expiresInSeconds: 3600 }),
      { type: 'receipt', id: nextId(), read: [nextId(), nextId()] },
      { type: 'settings', id: nextId(), setAt: T, expiresInSeconds: 60 },
      { type: 'contactResponse', id: nextId(), accepted: true, displayName: 'Zoë' },
      chat('last'),
    ];
    for (const [i, body] of bodies.entries()) outbox.add(i % 2 ? CAROL : BOB, body, T + i);
    const saved = outbox.saved();
    const back = outboxFromBytes(outboxToBytes(ME, saved), ME);
    expect(back).toEqual(saved);
    expect(back.map((e) => e.body)).toEqual(bodies);
    expect(back[1]!.expiresAt).toBe(T + 3600_000);
    expect(back[0]!.expiresAt).toBe(T + MAX_OUTBOX_AGE_MS);
  });

  it('the plaintext is the JSON of spec/storage.md, Outbox at rest, (sealed by the caller before it is stored)', () => {
    const body = chat('hi');
    const bytes = outboxToBytes(ME, [{ peer: BOB, body, createdAt: T, expiresAt: T + 1 }]);
    expect(JSON.parse(fromUtf8(bytes))).toEqual({
      format: 'tincan-outbox',
      version: 1,
      owner: ME,
      entries: [
        {
          peer: BOB,
          createdAt: T,
          expiresAt: T + 1,
          kind: 1,
          // id, sentAt u64, expiresIn u32 (0), text
          body: `${body.id}${T.toString(16).padStart(16, '0')}000000006869`,
        },
      ],
    });
  });

  it('a damaged or foreign record is a typed error', () => {
    const good = JSON.parse(
      fromUtf8(outboxToBytes(ME, [{ peer: BOB, body: chat('x'), createdAt: T, expiresAt: T + 1 }])),
    );
    const variant = (change: (record: Record<string, unknown>) => unknown) =>
      utf8(JSON.stringify(change(structuredClone(good))));
    const entry = (change: (entry: Record<string, unknown>) => void) =>
      variant((r) => {
        change((r.entries as Record<string, unknown>[])[0]!);
        return r;
      });
    const cases: [Uint8Array, string][] = [
      [utf8('not json'), 'bad-encoding'],
      [utf8('null'), 'bad-encoding'],
      [variant((r) => ({ ...r, format: 'tincan-vault' })), 'bad-encoding'],
      [variant((r) => ({ ...r, version: 2 })), 'bad-version'],
      [variant((r) => ({ ...r, owner: 'zz' })), 'bad-encoding'],
      [variant((r) => ({ ...r, entries: {} })), 'bad-encoding'],
      [variant((r) => ({ ...r, entries: new Array(MAX_SAVED_ENTRIES + 1).fill(0) })), 'bad-encoding'],
      [entry((e) => (e.peer = 'B'.repeat(64))), 'bad-encoding'],
      [entry((e) => (e.expiresAt = T - 1)), 'bad-encoding'],
      [entry((e) => (e.createdAt = -1)), 'bad-encoding'],
      [entry((e) => (e.body = 'xyz')), 'bad-encoding'],
      [entry((e) => (e.body = '00'.repeat(20_000))), 'bad-encoding'],
      [entry((e) => (e.kind = 2)), 'bad-encoding'], // a chat payload read as an ack
      [
        variant((r) => ({ ...r, entries: [...(r.entries as unknown[]), ...(r.entries as unknown[])] })),
        'bad-encoding',
      ],
    ];
    for (const [bytes, code] of cases) {
      expect(() => outboxFromBytes(bytes, ME), code).toThrow(
        expect.objectContaining({ name: 'ProtocolError', code }),
      );
    }
    // Another identity's record (our key changed since it was written).
    expect(() => outboxFromBytes(utf8(JSON.stringify(good)), CAROL)).toThrow(
      expect.objectContaining({ code: 'wrong-peer' }),
    );
  });

  it('an unreliable body (an ack) is refused: only bodies that wait for an ack are kept', () => {
    const record = JSON.parse(
      fromUtf8(outboxToBytes(ME, [{ peer: BOB, body: chat('x'), createdAt: T, expiresAt: T + 1 }])),
    );
    record.entries[0].kind = 2;
    record.entries[0].body = `01${'ab'.repeat(16)}`; // ack of one id
    expect(() => outboxFromBytes(utf8(JSON.stringify(record)), ME)).toThrow(
      expect.objectContaining({ code: 'bad-encoding' }),
    );
  });

  it('property: any list of waiting chat bodies comes back equal', () => {
    const hexId = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
    const entry = fc.record({
      peer: fc.constantFrom(BOB, CAROL),
      createdAt: fc.integer({ min: 0, max: 2 ** 45 }),
      life: fc.integer({ min: 0, max: MAX_OUTBOX_AGE_MS }),
      id: hexId,
      text: fc.string({ minLength: 1, maxLength: 200 }),
      expiresInSeconds: fc.integer({ min: 0, max: 3600 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.id, maxLength: 20 }), (items) => {
        const saved: SavedOutboxEntry[] = items.map((e) => ({
          peer: e.peer,
          createdAt: e.createdAt,
          expiresAt: e.createdAt + e.life,
          body: {
            type: 'chat',
            id: e.id,
            sentAt: e.createdAt,
            text: e.text,
            ...(e.expiresInSeconds ? { expiresInSeconds: e.expiresInSeconds } : {}),
          },
        }));
        expect(outboxFromBytes(outboxToBytes(ME, saved), ME)).toEqual(saved);
      }),
    );
  });

  it('random bytes and random JSON never crash: a ProtocolError or a valid list', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array(),
          fc.json().map((t) => utf8(t)),
        ),
        (bytes) => {
          try {
            expect(Array.isArray(outboxFromBytes(bytes, ME))).toBe(true);
          } catch (error) {
            expect(isProtocolError(error)).toBe(true);
          }
        },
      ),
    );
  });

  it('wrong input to the encoder is a TypeError or RangeError', () => {
    expect(() => outboxToBytes('x', [])).toThrow(RangeError);
    expect(() => outboxToBytes(ME, {} as never)).toThrow(TypeError);
    expect(() => outboxFromBytes('x' as never, ME)).toThrow(TypeError);
  });
});

describe('outbox restore', () => {
  it('puts entries back in their order, waiting and due at once; expired ones are returned, never put back', () => {
    const before = new Outbox();
    before.add(BOB, chat('one'), T);
    before.add(BOB, chat('gone', { expiresInSeconds: 10 }), T);
    before.add(CAROL, chat('two'), T + 1);
    const saved = outboxFromBytes(outboxToBytes(ME, before.saved()), ME);

    let changes = 0;
    const after = new Outbox(() => changes++);
    const now = T + 11_000; // the disappearing timer ran out while locked
    const { restored, expired } = after.restore(saved, now);
    expect(textsOf(restored)).toEqual(['one', 'two']);
    expect(textsOf(expired)).toEqual(['gone']);
    expect(textsOf(after.saved())).toEqual(['one', 'two']);
    expect(restored.map((e) => [e.state, e.attempts, e.dueAt])).toEqual([
      ['waiting', 0, now],
      ['waiting', 0, now],
    ]);
    expect(after.due(now)).toHaveLength(2);
    expect(changes).toBe(1);
  });

  it('skips ids already in the outbox and what the caller rules out', () => {
    const outbox = new Outbox();
    const body = chat('already here');
    outbox.add(BOB, body, T);
    const saved: SavedOutboxEntry[] = [
      { peer: BOB, body, createdAt: T, expiresAt: T + 1000 },
      { peer: CAROL, body: chat('to carol'), createdAt: T, expiresAt: T + 1000 },
      { peer: BOB, body: chat('to bob'), createdAt: T, expiresAt: T + 1000 },
    ];
    const { restored } = outbox.restore(saved, T, (e) => e.peer === CAROL);
    expect(textsOf(restored)).toEqual(['to bob']);
    expect(textsOf(outbox.saved())).toEqual(['already here', 'to bob']);
  });

  it('ack, withdraw, expiry and clearing are reported as changes; resends are not', () => {
    let changes = 0;
    const outbox = new Outbox(() => changes++);
    const a = chat('a');
    const b = chat('b', { expiresInSeconds: 5 });
    const c = chat('c');
    outbox.add(BOB, a, T);
    outbox.add(BOB, b, T);
    outbox.add(CAROL, c, T);
    expect(changes).toBe(3);
    outbox.record(outbox.get(BOB, a.id)!, { status: 'undeliverable' }, T);
    outbox.relayReconnected(T);
    expect(changes).toBe(3);
    expect(outbox.ack(BOB, [a.id]).length).toBe(1);
    expect(outbox.ack(BOB, [a.id]).length).toBe(0);
    expect(changes).toBe(4);
    expect(outbox.expire(T + 5_000).length).toBe(1);
    expect(changes).toBe(5);
    expect(outbox.remove(CAROL, c.id)?.body).toEqual(c);
    expect(outbox.remove(CAROL, c.id)).toBeUndefined();
    expect(changes).toBe(6);
    outbox.add(BOB, chat('d'), T);
    outbox.clearPeer(BOB);
    expect(changes).toBe(8);
    expect(outbox.size).toBe(0);
  });
});

describe('outbox at rest (the writer)', () => {
  function keeper(storage: OutboxStorage) {
    const outbox = new Outbox(() => atRest.changed());
    const atRest = new OutboxAtRest(storage, ME, () => outbox.saved());
    return { outbox, atRest };
  }
  const stored = (storage: { stored: Uint8Array | undefined }) =>
    storage.stored ? textsOf(outboxFromBytes(storage.stored, ME)) : null;

  it('writes nothing before the stored record is read back, so a new session cannot overwrite it', async () => {
    const storage = memoryStorage(
      outboxToBytes(ME, [{ peer: BOB, body: chat('left'), createdAt: T, expiresAt: T + 9e9 }]),
    );
    const { outbox, atRest } = keeper(storage);
    outbox.add(BOB, chat('new'), T);
    await settle();
    expect(storage.writes).toBe(0);
    expect(await atRest.restore((entries) => outbox.restore(entries, T))).toBeNull();
    await atRest.settled();
    expect(stored(storage)).toEqual(['new', 'left']);
    expect(storage.writes).toBe(1);
  });

  it('ack removes: the record follows every change, and an empty outbox removes the record', async () => {
    const storage = memoryStorage();
    const { outbox, atRest } = keeper(storage);
    await atRest.restore(() => {});
    const one = chat('one');
    const two = chat('two');
    outbox.add(BOB, one, T);
    outbox.add(BOB, two, T);
    await atRest.settled();
    expect(stored(storage)).toEqual(['one', 'two']);
    outbox.ack(BOB, [one.id]);
    await atRest.settled();
    expect(stored(storage)).toEqual(['two']);
    outbox.remove(BOB, two.id);
    await atRest.settled();
    expect(storage.stored).toBeUndefined();
  });

  it('writes never pile up: changes in one turn are one write, changes during a write are one more', async () => {
    const storage = memoryStorage();
    const { outbox, atRest } = keeper(storage);
    await atRest.restore(() => {});
    for (let i = 0; i < 50; i++) outbox.add(BOB, chat(`m${i}`), T);
    let open!: () => void;
    storage.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    await settle();
    expect(storage.writes).toBe(1);
    // While that write is in flight, 30 more changes.
    for (let i = 0; i < 30; i++) outbox.add(CAROL, chat(`c${i}`), T);
    outbox.clearPeer(BOB);
    await settle();
    expect(storage.writes).toBe(1);
    open();
    await atRest.settled();
    expect(storage.writes).toBe(2);
    expect(stored(storage)).toEqual(Array.from({ length: 30 }, (_, i) => `c${i}`));
  });

  it('a corrupted or foreign record is a typed error: nothing is restored from it, it is replaced, the rest goes on', async () => {
    for (const [bytes, code] of [
      [utf8('{"format":"tincan-outbox","version":1'), 'bad-encoding'],
      [
        outboxToBytes(CAROL, [{ peer: BOB, body: chat('carol’s'), createdAt: T, expiresAt: T + 9e9 }]),
        'wrong-peer',
      ],
    ] as const) {
      const storage = memoryStorage(bytes);
      const { outbox, atRest } = keeper(storage);
      outbox.add(BOB, chat('mine'), T);
      let applied = false;
      const failure = await atRest.restore(() => {
        applied = true;
      });
      expect(failure).toMatchObject({ name: 'ProtocolError', code });
      expect(applied).toBe(false);
      await atRest.settled();
      expect(stored(storage)).toEqual(['mine']);
    }
  });

  it('a storage that cannot be opened (the sealed record does not decrypt) is the same typed error', async () => {
    const { ProtocolError } = await import('../../crypto/errors.ts');
    const storage: OutboxStorage = {
      load: async () => {
        throw new ProtocolError('decrypt-failed', 'wrong key');
      },
      save: async () => {},
    };
    const { atRest } = keeper(storage);
    expect(await atRest.restore(() => {})).toMatchObject({ code: 'decrypt-failed' });
  });
});

describe('outbox at rest across a reload, through the messenger', () => {
  /** Alice's messenger keeps its outbox in `storage`; start() is a reload (a new messenger, the same storage). */
  async function keepAtRest(person: Person, storage: OutboxStorage) {
    const atRest = new OutboxAtRest(storage, person.peer, () => person.messenger.outbox.saved());
    person.onOutboxChanged = () => atRest.changed();
    const restored: SavedOutboxEntry[] = [];
    await atRest.restore((entries) => restored.push(...person.messenger.restoreOutbox(entries).restored));
    return { atRest, restored };
  }

  async function pair() {
    const relay = new FakeRelay();
    const clock = new Clock(T);
    const alice = await Person.create('alice', relay, clock);
    const bob = await Person.create('bob', relay, clock);
    alice.add(bob);
    bob.add(alice);
    alice.online();
    bob.online();
    return { relay, clock, alice, bob };
  }

  it('messages to an offline contact survive a reload and arrive exactly once, with the same ids', async () => {
    const { relay, clock, alice, bob } = await pair();
    const storage = memoryStorage();
    const first = await keepAtRest(alice, storage);
    bob.offline();
    const sent = ['one', 'two', 'three'].map((text) => alice.messenger.sendText(bob.peer, text));
    await relay.pump();
    await first.atRest.settled();

    alice.offline();
    alice.start(); // reload: a new messenger, nothing in memory
    expect(alice.messenger.outbox.size).toBe(0);
    clock.advance(60_000);
    const second = await keepAtRest(alice, storage);
    expect(textsOf(second.restored)).toEqual(['one', 'two', 'three']);
    alice.online();
    bob.online();
    bob.messenger.announce();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['one', 'two', 'three']);
    expect(bob.of('message').map((e) => e.message)).toEqual(sent);
    expect(alice.delivered().sort()).toEqual(sent.map((m) => m.id).sort());
    await second.atRest.settled();
    expect(storage.stored).toBeUndefined();
  });

  it('a message written after the reload is stamped after the restored ones, even if the clock went back', async () => {
    const { relay, clock, alice, bob } = await pair();
    const storage = memoryStorage();
    const first = await keepAtRest(alice, storage);
    bob.offline();
    const before = alice.messenger.sendText(bob.peer, 'before the reload');
    await relay.pump();
    await first.atRest.settled();

    alice.offline();
    alice.start();
    clock.advance(-5_000); // the device's clock stepped back while the tab was closed
    await keepAtRest(alice, storage);
    const after = alice.messenger.sendText(bob.peer, 'after the reload');
    expect(after.sentAt).toBeGreaterThan(before.sentAt);
    alice.online();
    bob.online();
    bob.messenger.announce();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['before the reload', 'after the reload']);
  });

  it('a message that arrived but whose ack was lost is sent again after the reload and shown once', async () => {
    const { relay, alice, bob } = await pair();
    const storage = memoryStorage();
    const first = await keepAtRest(alice, storage);
    // Once Bob has the message, everything from him is lost: the ack never reaches Alice.
    relay.faults.drop = (frame) => frame.from === bob.peer && bob.texts(alice).length > 0;
    const sent = alice.messenger.sendText(bob.peer, 'did you get this?');
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['did you get this?']);
    await first.atRest.settled();
    relay.faults = {};

    alice.offline();
    alice.start();
    const second = await keepAtRest(alice, storage);
    expect(second.restored.map((e) => e.body.id)).toEqual([sent.id]);
    alice.online();
    alice.messenger.relayReconnected();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['did you get this?']);
    expect(alice.delivered()).toEqual([sent.id]);
  });

  it('a disappearing message whose timer runs out before the next unlock is gone, never sent', async () => {
    const { relay, clock, alice, bob } = await pair();
    const storage = memoryStorage();
    const first = await keepAtRest(alice, storage);
    bob.offline();
    alice.messenger.sendText(bob.peer, 'brief', { expiresInSeconds: 10 });
    alice.messenger.sendText(bob.peer, 'lasting');
    await relay.pump();
    await first.atRest.settled();

    alice.offline();
    alice.start();
    clock.advance(10_000);
    const second = await keepAtRest(alice, storage);
    expect(textsOf(second.restored)).toEqual(['lasting']);
    await second.atRest.settled();
    expect(textsOf(outboxFromBytes(storage.stored!, alice.peer))).toEqual(['lasting']);
    alice.online();
    bob.online();
    bob.messenger.announce();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['lasting']);
  });

  it('a withdrawn message is not sent after the reload', async () => {
    const { relay, alice, bob } = await pair();
    const storage = memoryStorage();
    const first = await keepAtRest(alice, storage);
    bob.offline();
    const oops = alice.messenger.sendText(bob.peer, 'oops');
    alice.messenger.sendText(bob.peer, 'fine');
    expect(alice.messenger.withdraw(bob.peer, oops.id)).toBe(true);
    expect(alice.messenger.withdraw(bob.peer, oops.id)).toBe(false);
    await relay.pump();
    await first.atRest.settled();

    alice.offline();
    alice.start();
    const second = await keepAtRest(alice, storage);
    expect(textsOf(second.restored)).toEqual(['fine']);
    alice.online();
    bob.online();
    bob.messenger.announce();
    await relay.pump();
    expect(bob.texts(alice)).toEqual(['fine']);
  });
});
