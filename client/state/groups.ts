/**
 * Groups as signals: the groups we hold (their signed state, kept at rest in the profile), and each group's
 * chat, in memory only like every chat. Our lines count who got them and who read them ("read by 2 of 3");
 * every change of the group shows as a line ("Alice added Dave"). The protocol is the core's
 * (client/core/group-messenger.ts); this model turns its events into lines and the UI's actions into calls.
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { MessageId } from '../core/chat-protocol.ts';
import type { GroupEvent, GroupMessenger } from '../core/group-messenger.ts';
import type { GroupRegistry } from '../core/group-registry.ts';
import { type GroupChange, type GroupId, type GroupView, memberOf } from '../core/group-state.ts';
import type { ChatMessage } from '../core/messenger-types.ts';
import { fallbackName } from './contacts.ts';
import { describeTimer, TYPING_IDLE_MS, TYPING_RESEND_MS, TYPING_SHOWN_MS } from './conversations.ts';
import type { ProfileData, StoredContact } from './profile-data.ts';

export type GroupLine =
  | {
      readonly kind: 'message';
      readonly id: MessageId;
      /** The author's key. */
      readonly author: string;
      readonly mine: boolean;
      readonly text: string;
      readonly at: number;
      readonly sentAt: number;
      readonly expiresAt?: number;
      /** Theirs: shown to the user (a read receipt went to the author). */
      readonly seen: boolean;
      /** Mine: the members it went to, those who acknowledged it, and those who read it. */
      readonly to: readonly string[];
      readonly deliveredTo: readonly string[];
      readonly readBy: readonly string[];
    }
  | { readonly kind: 'system'; readonly id: string; readonly text: string; readonly at: number };

export interface GroupsDeps {
  readonly messenger: () => Pick<
    GroupMessenger,
    'create' | 'change' | 'addMembers' | 'removeMember' | 'leave' | 'sendText' | 'markRead' | 'setTyping'
  >;
  readonly registry: GroupRegistry;
  readonly myKey: string;
  readonly myName: () => string;
  readonly contact: (key: string) => StoredContact | undefined;
  /** Stores the profile with the groups in it, in order with every other change of the profile. */
  readonly changeProfile: (update: (profile: ProfileData) => ProfileData) => Promise<void>;
  readonly now: () => number;
}

const IDS_PER_RECEIPT = 64;
let lineCounter = 0;

export function createGroupsModel(deps: GroupsDeps) {
  const groups = signal<readonly GroupView[]>(deps.registry.list());
  const threads = signal<ReadonlyMap<GroupId, readonly GroupLine[]>>(new Map());
  /** Group id → member key → until when "typing…" shows. */
  const typingUntil = signal<ReadonlyMap<GroupId, ReadonlyMap<string, number>>>(new Map());
  const myTyping = new Map<GroupId, { sentAt: number; idle: ReturnType<typeof setTimeout> }>();

  const lines = (id: GroupId) => threads.value.get(id) ?? [];
  const update = (id: GroupId, change: (list: readonly GroupLine[]) => readonly GroupLine[]) => {
    const next = new Map(threads.value);
    next.set(id, change(lines(id)));
    threads.value = next;
  };
  const system = (id: GroupId, text: string, at = deps.now()) =>
    update(id, (list) => [...list, { kind: 'system', id: `group-line-${++lineCounter}`, text, at }]);
  const setTyping = (id: GroupId, peer: string, until: number | null) => {
    const next = new Map(typingUntil.value);
    const members = new Map(next.get(id) ?? []);
    if (until === null) members.delete(peer);
    else members.set(peer, until);
    next.set(id, members);
    typingUntil.value = next;
  };

  /** A contact by the name we gave them; anyone else by the name the group gives them. */
  const nameOfMember = (id: GroupId, key: string, before?: GroupView | null): string => {
    if (key === deps.myKey) return 'You';
    const contact = deps.contact(key);
    if (contact && contact.state !== 'incoming') return contact.name;
    const view = deps.registry.get(id);
    // Someone just removed is named as the state before named them.
    return (
      (view && memberOf(view, key)?.name) ?? (before && memberOf(before, key)?.name) ?? fallbackName(key)
    );
  };

  const describe = (id: GroupId, change: GroupChange, before: GroupView | null): string => {
    const nameOf = (groupId: GroupId, key: string) => nameOfMember(groupId, key, before);
    switch (change.type) {
      case 'created':
        return `${nameOf(id, change.by)} created the group “${change.name}”.`;
      case 'added':
        return `${nameOf(id, change.by)} added ${change.member === deps.myKey ? 'you' : nameOf(id, change.member)}.`;
      case 'removed':
        return `${nameOf(id, change.by)} removed ${change.member === deps.myKey ? 'you' : nameOf(id, change.member)}.`;
      case 'left':
        return `${nameOf(id, change.member)} left.`;
      case 'renamed':
        return `${nameOf(id, change.by)} renamed the group to “${change.name}”.`;
      case 'timer':
        return change.expiresInSeconds
          ? `${nameOf(id, change.by)} set disappearing messages to ${describeTimer(change.expiresInSeconds)}.`
          : `${nameOf(id, change.by)} turned off disappearing messages.`;
      case 'admin':
        return `${nameOf(id, change.by)} ${change.admin ? 'made' : 'no longer has'} ${nameOf(id, change.member)} ${change.admin ? 'an admin' : 'as an admin'}.`;
    }
  };

  const refresh = () => {
    groups.value = deps.registry.list();
  };
  const save = () => deps.changeProfile((profile) => ({ ...profile, groups: deps.registry.save() }));

  const received = (id: GroupId, peer: string, message: ChatMessage) => {
    const now = deps.now();
    const at = Math.min(message.sentAt, now);
    setTyping(id, peer, null);
    const expiresAt = message.expiresInSeconds ? at + message.expiresInSeconds * 1000 : undefined;
    if (expiresAt !== undefined && expiresAt <= now) return;
    const line: GroupLine = {
      kind: 'message',
      id: message.id,
      author: peer,
      mine: false,
      text: message.text,
      at,
      sentAt: message.sentAt,
      seen: false,
      to: [],
      deliveredTo: [],
      readBy: [],
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
    update(id, (list) => {
      // In the order the author wrote them; lines already shown never move.
      const later = list.findIndex(
        (l) => l.kind === 'message' && l.author === peer && !l.mine && l.sentAt > message.sentAt,
      );
      return later < 0 ? [...list, line] : [...list.slice(0, later), line, ...list.slice(later)];
    });
  };

  const markMine = (ids: readonly MessageId[], peer: string, field: 'deliveredTo' | 'readBy') => {
    const wanted = new Set(ids);
    const next = new Map(threads.value);
    let changed = false;
    for (const [id, list] of threads.value) {
      if (!list.some((l) => l.kind === 'message' && l.mine && wanted.has(l.id))) continue;
      changed = true;
      next.set(
        id,
        list.map((l) =>
          l.kind === 'message' && l.mine && wanted.has(l.id) && !l[field].includes(peer)
            ? {
                ...l,
                [field]: [...l[field], peer],
                ...(field === 'readBy' && !l.deliveredTo.includes(peer)
                  ? { deliveredTo: [...l.deliveredTo, peer] }
                  : {}),
              }
            : l,
        ),
      );
    }
    if (changed) threads.value = next;
  };

  const isActive = (id: GroupId): boolean => {
    const view = groups.value.find((g) => g.id === id);
    return view !== undefined && memberOf(view, deps.myKey) !== undefined;
  };

  const unreadCounts = computed(() => {
    const counts = new Map<GroupId, number>();
    for (const [id, list] of threads.value) {
      const count = list.filter((l) => l.kind === 'message' && !l.mine && !l.seen).length;
      if (count) counts.set(id, count);
    }
    return counts;
  });

  return {
    groups: groups as ReadonlySignal<readonly GroupView[]>,
    threads: threads as ReadonlySignal<ReadonlyMap<GroupId, readonly GroupLine[]>>,
    typingUntil: typingUntil as ReadonlySignal<ReadonlyMap<GroupId, ReadonlyMap<string, number>>>,
    unreadCounts,
    totalUnread: computed(() => [...unreadCounts.value.values()].reduce((a, b) => a + b, 0)),
    nameOf: (id: GroupId, key: string) => nameOfMember(id, key),
    get: (id: GroupId): GroupView | undefined => groups.value.find((g) => g.id === id),
    /** We are a member of the group now (not removed, not left). */
    isActive,

    /** A new group of us and these contacts; resolves with its id once it is stored. */
    create(name: string, keys: readonly string[], expiresInSeconds = 0): Promise<GroupId> {
      const members = keys.map((key) => ({ key, name: deps.contact(key)?.name ?? fallbackName(key) }));
      return deps.messenger().create(name.trim(), deps.myName(), members, expiresInSeconds);
    },
    async addMembers(id: GroupId, keys: readonly string[]): Promise<void> {
      await deps.messenger().addMembers(
        id,
        keys.map((key) => ({ key, name: deps.contact(key)?.name ?? fallbackName(key) })),
      );
    },
    async removeMember(id: GroupId, key: string): Promise<void> {
      await deps.messenger().removeMember(id, key);
    },
    async rename(id: GroupId, name: string): Promise<void> {
      await deps.messenger().change(id, { name: name.trim() });
    },
    async setTimer(id: GroupId, expiresInSeconds: number): Promise<void> {
      await deps.messenger().change(id, { expiresInSeconds });
    },
    async leave(id: GroupId): Promise<void> {
      await deps.messenger().leave(id);
    },
    /** Deletes our copy of a group we are no longer in. */
    async forget(id: GroupId): Promise<void> {
      deps.registry.forget(id);
      refresh();
      const next = new Map(threads.value);
      next.delete(id);
      threads.value = next;
      await save();
    },

    send(id: GroupId, text: string): void {
      const trimmed = text.trim();
      const view = groups.value.find((g) => g.id === id);
      if (!trimmed || !view) return;
      const message = deps.messenger().sendText(id, trimmed);
      const mine = myTyping.get(id);
      if (mine) clearTimeout(mine.idle);
      myTyping.delete(id);
      const to = view.members.map((m) => m.key).filter((key) => key !== deps.myKey);
      update(id, (list) => [
        ...list,
        {
          kind: 'message',
          id: message.id,
          author: deps.myKey,
          mine: true,
          text: message.text,
          at: message.sentAt,
          sentAt: message.sentAt,
          seen: true,
          to,
          deliveredTo: [],
          readBy: [],
          ...(message.expiresInSeconds
            ? { expiresAt: message.sentAt + message.expiresInSeconds * 1000 }
            : {}),
        },
      ]);
    },

    /** The group is on screen: its unseen messages are marked seen, and each author gets a read receipt. */
    markSeen(id: GroupId): void {
      const unseen = lines(id).filter((l) => l.kind === 'message' && !l.mine && !l.seen);
      if (unseen.length === 0) return;
      const ids = new Set(unseen.map((l) => l.id));
      update(id, (list) =>
        list.map((l) => (l.kind === 'message' && ids.has(l.id) ? { ...l, seen: true } : l)),
      );
      if (!isActive(id)) return;
      const byAuthor = new Map<string, MessageId[]>();
      for (const line of unseen)
        if (line.kind === 'message')
          byAuthor.set(line.author, [...(byAuthor.get(line.author) ?? []), line.id]);
      for (const [author, authored] of byAuthor)
        for (let i = 0; i < authored.length; i += IDS_PER_RECEIPT)
          deps.messenger().markRead(id, author, authored.slice(i, i + IDS_PER_RECEIPT));
    },

    iAmTyping(id: GroupId): void {
      if (!isActive(id)) return;
      const now = deps.now();
      const mine = myTyping.get(id);
      if (mine) clearTimeout(mine.idle);
      const resend = !mine || now - mine.sentAt >= TYPING_RESEND_MS;
      if (resend) deps.messenger().setTyping(id, true);
      const idle = setTimeout(() => {
        myTyping.delete(id);
        if (isActive(id)) deps.messenger().setTyping(id, false);
      }, TYPING_IDLE_MS);
      myTyping.set(id, { sentAt: resend ? now : mine!.sentAt, idle });
    },

    /** From the group messenger. group-changed resolves once the groups are stored (then it is acknowledged). */
    async receive(event: GroupEvent): Promise<void> {
      switch (event.type) {
        case 'group-changed': {
          refresh();
          await save();
          for (const change of event.changes)
            system(event.groupId, describe(event.groupId, change, event.previous));
          return;
        }
        case 'group-message':
          received(event.groupId, event.peer, event.message);
          return;
        case 'group-read':
          markMine(event.ids, event.peer, 'readBy');
          return;
        case 'group-typing':
          setTyping(event.groupId, event.peer, event.typing ? deps.now() + TYPING_SHOWN_MS : null);
          return;
        case 'group-refused':
          return;
      }
    },

    /** Acknowledgements from the messenger: a member got one of our group messages. */
    delivered(peer: string, ids: readonly MessageId[]): void {
      markMine(ids, peer, 'deliveredTo');
    },

    prune(now: number): void {
      for (const [id, list] of threads.value) {
        if (list.some((l) => l.kind === 'message' && l.expiresAt !== undefined && l.expiresAt <= now))
          update(id, (current) =>
            current.filter((l) => l.kind !== 'message' || l.expiresAt === undefined || l.expiresAt > now),
          );
      }
      for (const [id, members] of typingUntil.value)
        for (const [peer, until] of members) if (until <= now) setTyping(id, peer, null);
    },

    dispose(): void {
      for (const mine of myTyping.values()) clearTimeout(mine.idle);
      myTyping.clear();
      threads.value = new Map();
    },
  };
}

/** "read by 2 of 3", "delivered to 1 of 3", "sending": how far one of our group messages got. */
export function receiptSummary(line: Extract<GroupLine, { kind: 'message' }>): string {
  const total = line.to.length;
  if (total === 0) return 'sent';
  if (line.readBy.length > 0) return `read by ${line.readBy.length} of ${total}`;
  if (line.deliveredTo.length > 0) return `delivered to ${line.deliveredTo.length} of ${total}`;
  return 'sending';
}

export type GroupsModel = ReturnType<typeof createGroupsModel>;
