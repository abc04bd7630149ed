import { signal } from '@preact/signals';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type ContactMessenger, createContactsModel } from '../../client/state/contacts.ts';
import {
  type ChatLine,
  type ChatMessenger,
  createConversationsModel,
  TYPING_IDLE_MS,
  TYPING_SHOWN_MS,
} from '../../client/state/conversations.ts';
import type { ProfileData } from '../../client/state/profile-data.ts';
import { toHex } from '../../crypto/bytes.ts';
import { testIdentity } from '../support/identities.ts';

const THEM = 'b'.repeat(64);

function fakeMessenger() {
  let n = 0;
  const calls: { method: string; args: unknown[] }[] = [];
  const messenger: ChatMessenger & ContactMessenger = {
    sendText: (peer, text, options) => {
      calls.push({ method: 'sendText', args: [peer, text, options] });
      const id = (++n).toString(16).padStart(32, '0');
      return {
        id,
        sentAt: Date.now(),
        text,
        ...(options?.expiresInSeconds ? { expiresInSeconds: options.expiresInSeconds } : {}),
      };
    },
    markRead: (peer, ids) => {
      calls.push({ method: 'markRead', args: [peer, ids] });
      return 'r'.repeat(32);
    },
    setDisappearing: (peer, seconds) => {
      calls.push({ method: 'setDisappearing', args: [peer, seconds] });
      return 's'.repeat(32);
    },
    setTyping: (peer, typing) => {
      calls.push({ method: 'setTyping', args: [peer, typing] });
    },
    requestContact: () => 'q'.repeat(32),
    acceptContact: () => 'a'.repeat(32),
    forgetPeer: () => {},
    unblocked: async () => {},
    movePeer: () => {},
    sendKeyRotation: () => 'k'.repeat(32),
  };
  return { messenger, calls };
}

async function setup() {
  const me = await testIdentity('me');
  const profile = signal<ProfileData>({
    version: 1,
    seed: toHex(me.seed),
    displayName: 'Me',
    createdAt: 0,
    contacts: [
      {
        key: THEM,
        name: 'Them',
        state: 'accepted',
        requestId: '0'.repeat(32),
        verified: false,
        addedAt: 0,
        disappearSeconds: 0,
        timerSetAt: 0,
      },
    ],
  });
  const { messenger, calls } = fakeMessenger();
  const saved: ProfileData[] = [];
  const contacts = createContactsModel({
    profile,
    commit: async (p) => {
      saved.push(p);
    },
    messenger: () => messenger,
    myKey: me.publicKey,
    now: () => Date.now(),
  });
  const chats = createConversationsModel({ messenger: () => messenger, contacts, now: () => Date.now() });
  const lines = () => chats.threads.value.get(THEM) ?? [];
  const messages = () =>
    lines().filter((l): l is Extract<ChatLine, { kind: 'message' }> => l.kind === 'message');
  return { chats, contacts, calls, lines, messages, saved };
}

describe('conversations model', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('sending adds a waiting line; delivered and read move it forward, never back', async () => {
    const { chats, messages } = await setup();
    chats.send(THEM, '  hello  ');
    expect(messages()).toEqual([expect.objectContaining({ mine: true, text: 'hello', status: 'waiting' })]);
    const id = messages()[0]!.id;
    chats.readBy(THEM, [id]);
    chats.delivered(THEM, [id]);
    expect(messages()[0]!.status).toBe('read');
    chats.send(THEM, '   ');
    expect(messages()).toHaveLength(1);
  });

  test('received messages count as unread until seen; seeing sends receipts of at most 64 ids', async () => {
    const { chats, calls } = await setup();
    for (let i = 0; i < 70; i++) {
      chats.received(THEM, { id: i.toString(16).padStart(32, '0'), sentAt: Date.now(), text: `m${i}` });
    }
    expect(chats.unreadCounts.value.get(THEM)).toBe(70);
    expect(chats.totalUnread.value).toBe(70);
    chats.markSeen(THEM);
    expect(chats.unreadCounts.value.get(THEM)).toBeUndefined();
    const receipts = calls.filter((c) => c.method === 'markRead').map((c) => (c.args[1] as string[]).length);
    expect(receipts).toEqual([64, 6]);
    chats.markSeen(THEM);
    expect(calls.filter((c) => c.method === 'markRead')).toHaveLength(2);
  });

  test('a timer set here is stored, sent, shown as a line, and carried by later messages', async () => {
    const { chats, calls, lines, messages, saved } = await setup();
    await chats.setTimer(THEM, 10);
    expect(saved.at(-1)!.contacts[0]!.disappearSeconds).toBe(10);
    expect(calls.some((c) => c.method === 'setDisappearing' && c.args[1] === 10)).toBe(true);
    expect(lines().at(-1)).toEqual(
      expect.objectContaining({ kind: 'system', text: 'You set disappearing messages to 10 seconds.' }),
    );
    chats.send(THEM, 'short-lived');
    expect(calls.find((c) => c.method === 'sendText')!.args[2]).toEqual({ expiresInSeconds: 10 });
    expect(messages()[0]!.expiresAt).toBe(Date.now() + 10_000);
    chats.prune(Date.now() + 9_999);
    expect(messages()).toHaveLength(1);
    chats.prune(Date.now() + 10_000);
    expect(messages()).toHaveLength(0);
  });

  test('their timer: applied if newer, with their name in the line; an older one is ignored', async () => {
    const { chats, lines, contacts } = await setup();
    await chats.timerFromThem(THEM, 60, 500);
    expect(contacts.byKey(THEM)!.disappearSeconds).toBe(60);
    expect(lines().at(-1)).toEqual(
      expect.objectContaining({ text: 'Them set disappearing messages to 1 minute.' }),
    );
    await chats.timerFromThem(THEM, 0, 400);
    expect(contacts.byKey(THEM)!.disappearSeconds).toBe(60);
    expect(lines()).toHaveLength(1);
  });

  test('a received disappearing message expires from the earlier of its send time and its arrival', async () => {
    const { chats, messages } = await setup();
    const now = Date.now();
    chats.received(THEM, { id: '1'.repeat(32), sentAt: now - 4_000, text: 'late', expiresInSeconds: 10 });
    chats.received(THEM, {
      id: '2'.repeat(32),
      sentAt: now + 60_000,
      text: 'clock ahead',
      expiresInSeconds: 10,
    });
    chats.received(THEM, {
      id: '3'.repeat(32),
      sentAt: now - 20_000,
      text: 'already gone',
      expiresInSeconds: 10,
    });
    expect(messages().map((m) => [m.text, m.expiresAt! - now])).toEqual([
      ['late', 6_000],
      ['clock ahead', 10_000],
    ]);
  });

  test('typing: theirs shows until it times out or a message comes; ours is throttled and stops when idle', async () => {
    const { chats, calls } = await setup();
    chats.theyAreTyping(THEM, true);
    expect(chats.typingUntil.value.has(THEM)).toBe(true);
    chats.prune(Date.now() + TYPING_SHOWN_MS);
    expect(chats.typingUntil.value.has(THEM)).toBe(false);
    chats.theyAreTyping(THEM, true);
    chats.received(THEM, { id: '1'.repeat(32), sentAt: Date.now(), text: 'x' });
    expect(chats.typingUntil.value.has(THEM)).toBe(false);

    chats.iAmTyping(THEM);
    chats.iAmTyping(THEM);
    vi.advanceTimersByTime(1000);
    chats.iAmTyping(THEM);
    const typing = () => calls.filter((c) => c.method === 'setTyping').map((c) => c.args[1]);
    expect(typing()).toEqual([true]);
    vi.advanceTimersByTime(TYPING_IDLE_MS);
    expect(typing()).toEqual([true, false]);
  });

  test('our own key change hands every thread to the next model; what never left is marked not delivered', async () => {
    const { chats, contacts, messages } = await setup();
    chats.send(THEM, 'delivered one');
    chats.send(THEM, 'still waiting');
    chats.delivered(THEM, [messages()[0]!.id]);
    chats.received(THEM, { id: 'ab'.repeat(16), sentAt: Date.now(), text: 'theirs' });
    chats.system(THEM, 'an earlier line');
    const handed = chats.handOver('You changed your identity key.');
    chats.dispose();

    const next = createConversationsModel({
      messenger: () => fakeMessenger().messenger,
      contacts,
      now: () => Date.now(),
      threads: handed,
    });
    const list = next.threads.value.get(THEM) ?? [];
    expect(list.map((l) => (l.kind === 'message' ? [l.text, l.status] : [l.text]))).toEqual([
      ['delivered one', 'delivered'],
      ['still waiting', 'failed'],
      ['theirs', 'delivered'],
      ['an earlier line'],
      ['You changed your identity key.'],
    ]);
    expect(next.unreadCounts.value.get(THEM)).toBe(1);
    // Lines the new model adds never reuse an id handed over.
    next.system(THEM, 'a later line');
    const ids = (next.threads.value.get(THEM) ?? []).map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('their messages show in the order they were sent, whatever order they arrive in', async () => {
    const { chats, messages } = await setup();
    const now = Date.now();
    const sent = (n: number) => ({ id: String(n).repeat(32), sentAt: now - 1_000 + n, text: `m${n}` });
    chats.received(THEM, sent(3));
    chats.received(THEM, sent(2));
    chats.received(THEM, sent(1));
    expect(messages().map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
  });

  test('a late message goes just before their first later one; our lines keep their place', async () => {
    const { chats, messages } = await setup();
    const now = Date.now();
    chats.received(THEM, { id: '2'.repeat(32), sentAt: now - 500, text: 'second' });
    chats.send(THEM, 'my reply to second');
    chats.received(THEM, { id: '3'.repeat(32), sentAt: now - 100, text: 'third' });
    chats.received(THEM, { id: '1'.repeat(32), sentAt: now - 900, text: 'first' });
    // A sender's clock running ahead still orders its own messages by its own timestamps.
    chats.received(THEM, { id: '5'.repeat(32), sentAt: now + 90_000, text: 'fifth' });
    chats.received(THEM, { id: '4'.repeat(32), sentAt: now + 60_000, text: 'fourth' });
    expect(messages().map((m) => m.text)).toEqual([
      'first',
      'second',
      'my reply to second',
      'third',
      'fourth',
      'fifth',
    ]);
  });

  test('property: any arrival order gives the same display order, with our lines after what we had seen', async () => {
    const { chats, lines, messages } = await setup();
    const now = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc
          .uniqueArray(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 12 })
          .chain((times) =>
            fc.tuple(
              fc.constant(times),
              fc.shuffledSubarray(times, { minLength: times.length, maxLength: times.length }),
              fc.array(fc.boolean(), { minLength: times.length, maxLength: times.length }),
            ),
          ),
        async ([times, arrival, replyAfter]) => {
          chats.forget(THEM);
          const seenBeforeReply = new Map<string, Set<string>>();
          arrival.forEach((t, i) => {
            chats.received(THEM, { id: t.toString(16).padStart(32, '0'), sentAt: now + t, text: `t${t}` });
            if (replyAfter[i]) {
              chats.send(THEM, `reply ${i}`);
              seenBeforeReply.set(`reply ${i}`, new Set(arrival.slice(0, i + 1).map((x) => `t${x}`)));
            }
          });
          const theirs = messages()
            .filter((m) => !m.mine)
            .map((m) => m.text);
          expect(theirs).toEqual([...times].sort((a, b) => a - b).map((t) => `t${t}`));
          const mine = messages()
            .filter((m) => m.mine)
            .map((m) => m.text);
          expect(mine).toEqual([...seenBeforeReply.keys()]);
          const order = lines().map((l) => (l.kind === 'message' ? l.text : ''));
          for (const [reply, seen] of seenBeforeReply) {
            for (const text of seen) expect(order.indexOf(text)).toBeLessThan(order.indexOf(reply));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a call that ended leaves one line in the thread, after what was there', async () => {
    const { chats, lines, messages } = await setup();
    chats.received(THEM, { id: '1'.repeat(32), sentAt: Date.now(), text: 'call me' });
    const call = { callId: 'ab'.repeat(16), summary: 'Missed video call', at: 5_000, durationSeconds: null };
    chats.callEnded(THEM, call);
    chats.callEnded(THEM, call);
    expect(lines().map((l) => l.kind)).toEqual(['message', 'system']);
    expect(lines()[1]).toMatchObject({
      text: 'Missed video call',
      at: 5_000,
      call: { durationSeconds: null },
    });
    // Not a message: it counts as nothing unread, and a late message of theirs still goes before it.
    expect(chats.unreadCounts.value.get(THEM)).toBe(1);
    chats.received(THEM, { id: '2'.repeat(32), sentAt: Date.now() + 1, text: 'hello?' });
    expect(messages().map((m) => m.text)).toEqual(['call me', 'hello?']);
  });

  test('dispose empties history', async () => {
    const { chats, lines } = await setup();
    chats.send(THEM, 'x');
    chats.dispose();
    expect(lines()).toEqual([]);
  });
});
