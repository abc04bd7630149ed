/**
 * What this session's outbox still waits on: kept at rest (sealed, through the app's storage) after every
 * change, put back in the messenger and the threads after unlock or reload, and counted per contact for the
 * warnings before lock and tab close. Only our chat messages are counted: the other bodies waiting (receipts,
 * settings, answers to requests) are kept the same way but are not something a person waits to see arrive.
 * Contact requests and key rotations are not kept here: the profile keeps them, and every session sends them
 * again under a new id (contacts.ts).
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { ProtocolError } from '../../crypto/errors.ts';
import type { ChatMessage } from '../core/messenger-types.ts';
import type { SavedOutboxEntry } from '../core/outbox.ts';
import { isKeptAtRest } from '../core/outbox-record.ts';
import { OutboxAtRest, type OutboxStorage } from '../core/outbox-store.ts';

export interface PendingForContact {
  readonly key: string;
  readonly messages: number;
}

export interface PendingOutboxDeps {
  /** Where the outbox is kept at rest; without it nothing is kept (tests, a session without storage). */
  readonly storage?: OutboxStorage;
  /** Our public key (hex): a record of another identity is not restored. */
  readonly owner: string;
  /** What the outbox holds now. */
  readonly entries: () => readonly SavedOutboxEntry[];
  /** A contact's name, for the warnings. */
  readonly nameOf: (key: string) => string | undefined;
}

export function createPendingOutboxModel(deps: PendingOutboxDeps) {
  const pending = signal<readonly PendingForContact[]>([]);
  const kept = () => deps.entries().filter(isKeptAtRest);
  const atRest = deps.storage ? new OutboxAtRest(deps.storage, deps.owner, kept) : undefined;

  const count = () => {
    const counts = new Map<string, number>();
    for (const { peer, body } of deps.entries())
      if (body.type === 'chat') counts.set(peer, (counts.get(peer) ?? 0) + 1);
    pending.value = [...counts].map(([key, messages]) => ({ key, messages }));
  };

  return {
    pending: pending as ReadonlySignal<readonly PendingForContact[]>,
    /** "2 messages are still waiting for Bob.", or null when nothing waits. */
    warning: computed(() => describePending(pending.value, deps.nameOf)),

    /** The outbox changed. */
    changed(): void {
      atRest?.changed();
      count();
    },

    /**
     * Reads what the previous session left and hands it to `apply`; resolves with the typed error of a record
     * that could not be opened (it is replaced; nothing else is lost), or null.
     */
    async restore(apply: (entries: SavedOutboxEntry[]) => void): Promise<ProtocolError | null> {
      if (!atRest) return null;
      try {
        return await atRest.restore(apply);
      } catch {
        // Storage unavailable: nothing to put back; changes are still tried.
        return null;
      }
    },

    /** Resolves once every change so far is stored. */
    settled(): Promise<void> {
      return atRest?.settled() ?? Promise.resolve();
    },
  };
}

export function describePending(
  pending: readonly PendingForContact[],
  nameOf: (key: string) => string | undefined,
): string | null {
  if (pending.length === 0) return null;
  const messages = (n: number) => (n === 1 ? '1 message' : `${n} messages`);
  const parts = pending.map((p) => ({ name: nameOf(p.key) ?? 'a contact', count: p.messages }));
  const total = parts.reduce((sum, p) => sum + p.count, 0);
  const verb = total === 1 ? 'is' : 'are';
  if (parts.length === 1) return `${messages(total)} ${verb} still waiting for ${parts[0]!.name}.`;
  const list = parts.map((p) => `${p.count} for ${p.name}`);
  return `${messages(total)} are still waiting: ${list.slice(0, -1).join(', ')} and ${list.at(-1)}.`;
}

/** Chat bodies among saved entries, as the messages they carry, per contact in the order given. */
export function chatMessagesByPeer(entries: readonly SavedOutboxEntry[]): Map<string, ChatMessage[]> {
  const byPeer = new Map<string, ChatMessage[]>();
  for (const { peer, body } of entries) {
    if (body.type !== 'chat') continue;
    const { type: _, ...message } = body;
    byPeer.set(peer, [...(byPeer.get(peer) ?? []), message]);
  }
  return byPeer;
}

export type PendingOutboxModel = ReturnType<typeof createPendingOutboxModel>;
