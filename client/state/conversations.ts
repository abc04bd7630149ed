/**
 * Chat history, in memory only: it is gone after lock or reload by design. Our own messages still waiting
 * for their ack are the exception: the outbox keeps them at rest, and they come back as waiting lines. Per
 * contact: the lines of the thread, what they have read, whether they are typing, and the disappearing timer
 * both sides enforce.
 *
 * Disappearing messages: a message carries the timer that was set when it was written. It disappears
 * `timer` seconds after it was sent: on the sender's side from its own clock, on the receiver's side from
 * the earlier of the sender's timestamp and the arrival time, so a sender's clock running ahead can never
 * make a message live longer on the receiving side.
 *
 * Order: a contact's messages are shown in the order they were sent, by the sender's own timestamp (which the
 * sender keeps strictly increasing), whatever order they arrive in. A late one goes just before the first of
 * their messages sent after it; lines already shown never move (spec/chat.md, Payloads).
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { MessageId } from '../core/chat-protocol.ts';
import type { ChatMessage } from '../core/messenger.ts';
import type { CallLineSummary } from './call-lines.ts';
import type { ContactsModel } from './contacts.ts';

export type MessageStatus = 'waiting' | 'delivered' | 'read' | 'failed';

export type ChatLine =
  | {
      readonly kind: 'message';
      readonly id: MessageId;
      readonly mine: boolean;
      readonly text: string;
      /** When it was written, as shown. */
      readonly at: number;
      /** Mine: how far it got. Theirs: always 'delivered'. */
      readonly status: MessageStatus;
      /** Theirs: whether we have shown it to the user (a read receipt went out). */
      readonly seen: boolean;
      readonly expiresAt?: number;
      /** Theirs: the sender's own timestamp, which orders their messages among themselves. */
      readonly sentAt?: number;
    }
  | {
      readonly kind: 'system';
      readonly id: string;
      readonly text: string;
      readonly at: number;
      /** A call's line ("Missed video call", call-lines.ts): `at` is when it was placed or rang. */
      readonly call?: { readonly durationSeconds: number | null };
    };

export interface ChatMessenger {
  sendText(peer: string, text: string, options?: { expiresInSeconds?: number }): ChatMessage;
  markRead(peer: string, ids: MessageId[]): MessageId;
  setDisappearing(peer: string, expiresInSeconds: number): MessageId;
  setTyping(peer: string, typing: boolean): void;
  /** Takes a body not yet acknowledged out of the outbox. */
  withdraw(peer: string, id: MessageId): boolean;
}

export interface ConversationsDeps {
  readonly messenger: () => ChatMessenger;
  readonly contacts: ContactsModel;
  readonly now: () => number;
  /** Threads handed over by the session before it (our own key change), else none. */
  readonly threads?: ReadonlyMap<string, readonly ChatLine[]>;
}

/** Typing stays shown this long after the last "typing" unless "stopped" or a message comes first. */
export const TYPING_SHOWN_MS = 6_000;
/** A new "typing" goes out at most this often while the user keeps typing. */
export const TYPING_RESEND_MS = 3_000;
/** Idle this long after the last keystroke, we say "stopped". */
export const TYPING_IDLE_MS = 4_000;
/** Receipts carry at most this many ids each (chat-protocol's limit). */
const IDS_PER_RECEIPT = 64;

export const TIMER_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'Off' },
  { seconds: 10, label: '10 seconds' },
  { seconds: 60, label: '1 minute' },
  { seconds: 5 * 60, label: '5 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 24 * 3600, label: '1 day' },
  { seconds: 7 * 24 * 3600, label: '1 week' },
];

export function describeTimer(seconds: number): string {
  const choice = TIMER_CHOICES.find((c) => c.seconds === seconds);
  if (choice) return choice.label.toLowerCase();
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** Whether their message `line` was sent after one sent at `sentAt` with id `id` (ids break ties). */
function sentAfter(line: ChatLine, sentAt: number, id: MessageId): boolean {
  if (line.kind !== 'message' || line.mine) return false;
  const lineSentAt = line.sentAt ?? line.at;
  return lineSentAt > sentAt || (lineSentAt === sentAt && line.id > id);
}

/** Their message in its place: just before the first of their messages sent after it, else at the end. */
function placeTheirs(list: readonly ChatLine[], line: ChatLine, sentAt: number): readonly ChatLine[] {
  const later = list.findIndex((other) => sentAfter(other, sentAt, line.id));
  return later < 0 ? [...list, line] : [...list.slice(0, later), line, ...list.slice(later)];
}

/** Per page, not per model: lines handed over from one session to the next keep distinct ids. */
let systemCounter = 0;

export function createConversationsModel(deps: ConversationsDeps) {
  const threads = signal<ReadonlyMap<string, readonly ChatLine[]>>(deps.threads ?? new Map());
  /** Contact key -> until when "typing…" shows. */
  const typingUntil = signal<ReadonlyMap<string, number>>(new Map());
  const myTyping = new Map<string, { sentAt: number; idle: ReturnType<typeof setTimeout> }>();

  const lines = (key: string): readonly ChatLine[] => threads.value.get(key) ?? [];
  const update = (key: string, change: (lines: readonly ChatLine[]) => readonly ChatLine[]) => {
    const next = new Map(threads.value);
    next.set(key, change(lines(key)));
    threads.value = next;
  };
  const setStatus = (
    key: string,
    ids: readonly MessageId[],
    status: MessageStatus,
    from: MessageStatus[],
  ) => {
    const wanted = new Set(ids);
    update(key, (list) =>
      list.map((line) =>
        line.kind === 'message' && line.mine && wanted.has(line.id) && from.includes(line.status)
          ? { ...line, status }
          : line,
      ),
    );
  };
  const system = (key: string, text: string) => {
    update(key, (list) => [
      ...list,
      { kind: 'system', id: `system-${++systemCounter}`, text, at: deps.now() },
    ]);
  };
  const stopTyping = (key: string) => {
    const typing = typingUntil.value;
    if (!typing.has(key)) return;
    const next = new Map(typing);
    next.delete(key);
    typingUntil.value = next;
  };
  const clearMyTyping = (key: string) => {
    const mine = myTyping.get(key);
    if (!mine) return;
    clearTimeout(mine.idle);
    myTyping.delete(key);
  };

  const unreadCounts = computed(() => {
    const counts = new Map<string, number>();
    for (const [key, list] of threads.value) {
      const count = list.filter((l) => l.kind === 'message' && !l.mine && !l.seen).length;
      if (count) counts.set(key, count);
    }
    return counts;
  });

  return {
    threads: threads as ReadonlySignal<ReadonlyMap<string, readonly ChatLine[]>>,
    typingUntil: typingUntil as ReadonlySignal<ReadonlyMap<string, number>>,
    unreadCounts,
    totalUnread: computed(() => [...unreadCounts.value.values()].reduce((a, b) => a + b, 0)),

    send(key: string, text: string): void {
      const trimmed = text.trim();
      if (!trimmed) return;
      const timer = deps.contacts.byKey(key)?.disappearSeconds ?? 0;
      const message = deps.messenger().sendText(key, trimmed, timer ? { expiresInSeconds: timer } : {});
      clearMyTyping(key);
      update(key, (list) => [
        ...list,
        {
          kind: 'message',
          id: message.id,
          mine: true,
          text: message.text,
          at: message.sentAt,
          status: 'waiting',
          seen: true,
          ...(timer ? { expiresAt: message.sentAt + timer * 1000 } : {}),
        },
      ]);
    },

    /** From the messenger. Resends never get here twice: the messenger remembers ids it has seen. */
    received(key: string, message: ChatMessage): void {
      const now = deps.now();
      const at = Math.min(message.sentAt, now);
      stopTyping(key);
      const expiresAt = message.expiresInSeconds ? at + message.expiresInSeconds * 1000 : undefined;
      if (expiresAt !== undefined && expiresAt <= now) return;
      const line: ChatLine = {
        kind: 'message',
        id: message.id,
        mine: false,
        text: message.text,
        at,
        status: 'delivered',
        seen: false,
        sentAt: message.sentAt,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      };
      update(key, (list) => placeTheirs(list, line, message.sentAt));
    },

    delivered(key: string, ids: readonly MessageId[]): void {
      setStatus(key, ids, 'delivered', ['waiting', 'failed']);
    },

    readBy(key: string, ids: readonly MessageId[]): void {
      setStatus(key, ids, 'read', ['waiting', 'delivered', 'failed']);
    },

    failed(key: string, id: MessageId): void {
      setStatus(key, [id], 'failed', ['waiting']);
    },

    /**
     * Our messages an earlier session left in the outbox (kept at rest), in the order given: waiting ones go
     * out again, failed ones (too old) are shown so the person knows. A disappearing message whose timer ran
     * out is not shown; a line already in the thread is not shown twice.
     */
    restorePending(key: string, messages: readonly ChatMessage[], status: 'waiting' | 'failed'): void {
      const now = deps.now();
      update(key, (list) => {
        const present = new Set(list.map((line) => line.id));
        const added: ChatLine[] = [];
        for (const message of messages) {
          const expiresAt = message.expiresInSeconds
            ? message.sentAt + message.expiresInSeconds * 1000
            : undefined;
          if (present.has(message.id) || (expiresAt !== undefined && expiresAt <= now)) continue;
          added.push({
            kind: 'message',
            id: message.id,
            mine: true,
            text: message.text,
            at: message.sentAt,
            status,
            seen: true,
            ...(expiresAt !== undefined ? { expiresAt } : {}),
          });
        }
        return added.length ? [...list, ...added] : list;
      });
    },

    /** The person deletes one of their waiting or failed messages: it leaves the thread and the outbox. */
    withdraw(key: string, id: MessageId): void {
      const line = lines(key).find((l) => l.kind === 'message' && l.mine && l.id === id);
      if (line?.kind !== 'message' || (line.status !== 'waiting' && line.status !== 'failed')) return;
      deps.messenger().withdraw(key, id);
      update(key, (list) => list.filter((l) => l.id !== id));
    },

    /** The thread is on screen: its unseen messages are marked seen and a read receipt goes out. */
    markSeen(key: string): void {
      const unseen = lines(key)
        .filter((l) => l.kind === 'message' && !l.mine && !l.seen)
        .map((l) => l.id);
      if (unseen.length === 0) return;
      const ids = new Set(unseen);
      update(key, (list) =>
        list.map((l) => (l.kind === 'message' && ids.has(l.id) ? { ...l, seen: true } : l)),
      );
      for (let i = 0; i < unseen.length; i += IDS_PER_RECEIPT) {
        deps.messenger().markRead(key, unseen.slice(i, i + IDS_PER_RECEIPT));
      }
    },

    theyAreTyping(key: string, typing: boolean): void {
      if (!typing) {
        stopTyping(key);
        return;
      }
      const next = new Map(typingUntil.value);
      next.set(key, deps.now() + TYPING_SHOWN_MS);
      typingUntil.value = next;
    },

    /** The user typed in the composer for `key`. */
    iAmTyping(key: string): void {
      const now = deps.now();
      const mine = myTyping.get(key);
      if (mine) clearTimeout(mine.idle);
      const resend = !mine || now - mine.sentAt >= TYPING_RESEND_MS;
      const sentAt = resend ? now : mine.sentAt;
      if (resend) deps.messenger().setTyping(key, true);
      const idle = setTimeout(() => {
        myTyping.delete(key);
        deps.messenger().setTyping(key, false);
      }, TYPING_IDLE_MS);
      myTyping.set(key, { sentAt, idle });
    },

    async setTimer(key: string, seconds: number): Promise<void> {
      const setAt = deps.now();
      if (await deps.contacts.applyTimer(key, seconds, setAt)) {
        deps.messenger().setDisappearing(key, seconds);
        system(
          key,
          seconds
            ? `You set disappearing messages to ${describeTimer(seconds)}.`
            : 'You turned off disappearing messages.',
        );
      }
    },

    async timerFromThem(key: string, seconds: number, setAt: number): Promise<void> {
      if (await deps.contacts.applyTimer(key, seconds, setAt)) {
        const name = deps.contacts.byKey(key)?.name ?? 'They';
        system(
          key,
          seconds
            ? `${name} set disappearing messages to ${describeTimer(seconds)}.`
            : `${name} turned off disappearing messages.`,
        );
      }
    },

    system,

    /** A call with `key` is over: its line goes at the end of the thread, once. */
    callEnded(key: string, call: CallLineSummary): void {
      const id = `call-${call.callId}`;
      if (lines(key).some((line) => line.id === id)) return;
      const { summary: text, at, durationSeconds } = call;
      update(key, (list) => [...list, { kind: 'system', id, text, at, call: { durationSeconds } }]);
    },

    /** Removes messages whose timer ran out and typing indicators that went stale. */
    prune(now: number): void {
      for (const [key, list] of threads.value) {
        if (list.some((l) => l.kind === 'message' && l.expiresAt !== undefined && l.expiresAt <= now)) {
          update(key, (current) =>
            current.filter((l) => l.kind !== 'message' || l.expiresAt === undefined || l.expiresAt > now),
          );
        }
      }
      const stale = [...typingUntil.value].filter(([, until]) => until <= now).map(([key]) => key);
      for (const key of stale) stopTyping(key);
    },

    /** A contact's key changed (a signed rotation): its thread goes with it. */
    moveThread(from: string, to: string): void {
      clearMyTyping(from);
      stopTyping(from);
      const thread = threads.value.get(from);
      if (!thread) return;
      const next = new Map(threads.value);
      next.delete(from);
      next.set(to, [...(next.get(to) ?? []), ...thread]);
      threads.value = next;
    },

    /**
     * Our own key changed and the next session takes over: every thread, with a line saying so. What never
     * reached its contact is marked not delivered: it was in this session's outbox, which does not carry over.
     */
    handOver(note: string): ReadonlyMap<string, readonly ChatLine[]> {
      const at = deps.now();
      const handed = new Map<string, readonly ChatLine[]>();
      for (const [key, list] of threads.value) {
        const kept = list.map(
          (line): ChatLine =>
            line.kind === 'message' && line.mine && line.status === 'waiting'
              ? { ...line, status: 'failed' }
              : line,
        );
        handed.set(key, [...kept, { kind: 'system', id: `system-${++systemCounter}`, text: note, at }]);
      }
      return handed;
    },

    forget(key: string): void {
      clearMyTyping(key);
      stopTyping(key);
      const next = new Map(threads.value);
      next.delete(key);
      threads.value = next;
    },

    dispose(): void {
      for (const key of [...myTyping.keys()]) clearMyTyping(key);
      threads.value = new Map();
      typingUntil.value = new Map();
    },
  };
}

export type ConversationsModel = ReturnType<typeof createConversationsModel>;
