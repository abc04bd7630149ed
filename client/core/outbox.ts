/**
 * The sender's outbox: every reliable body (one with an id) stays here until the peer's end-to-end ack
 * for that id arrives. It is a plain data structure with the clock passed in; the messenger decides when
 * to send and reports what happened.
 *
 *   add ──▶ waiting ──sent / queued in a handshake──▶ in flight ──ack──▶ (gone)
 *              ▲                                          │
 *              └── undeliverable, relay failed, handshake abandoned, relay reconnected
 *
 * A waiting entry goes out when the peer shows up (a session is established, or anything arrives from it),
 * when the relay reconnects, or at its retry time (exponential backoff). An entry in flight is resent after
 * ACK_TIMEOUT_MS, and at once when a new session replaces the one it went out on. Resends carry the same id,
 * so the receiver shows a body once however often it arrives.
 *
 * Every change of what the outbox holds (add, ack, expire, remove, clear, restore) is reported to `onChange`,
 * so the caller can keep the waiting bodies at rest (outbox-record.ts); resends and timers are not reported.
 */
import type { MessageId, ReliableBody } from './chat-protocol.ts';
import type { PeerId, SendOutcome } from './session-manager.ts';

export const ACK_TIMEOUT_MS = 15_000;
export const RETRY_BASE_MS = 5_000;
export const RETRY_MAX_MS = 5 * 60_000;
/**
 * The ceiling for a contact request or a key rotation. Its receiver does not know this key yet, so it never
 * pings it when it comes online (a contact does, and that sends our outbox at once): only retries find it.
 */
export const RETRY_MAX_UNANNOUNCED_MS = 30_000;
/** Undelivered bodies are given up after this; the messenger reports them as failed. */
export const MAX_OUTBOX_AGE_MS = 7 * 24 * 3600_000;
export const MAX_OUTBOX_PER_PEER = 256;
export const MAX_OUTBOX_ENTRIES = 2048;

/** A handshake in flight: the session that the handshake opens will carry the body. */
export const VIA_HANDSHAKE = 'handshake';

export interface OutboxEntry {
  readonly peer: PeerId;
  readonly body: ReliableBody;
  readonly createdAt: number;
  /** Past this the body is not worth delivering: too old, or its disappearing timer has run out. */
  readonly expiresAt: number;
  state: 'waiting' | 'in-flight';
  /** Session id the body last went out on, VIA_HANDSHAKE, or null if it never went out. */
  via: string | null;
  attempts: number;
  /** Consecutive attempts that went out on the session `via` names. */
  sendsOnVia: number;
  dueAt: number;
}

/** One body waiting for its ack, as kept at rest; the send state (attempts, timers) starts afresh. */
export interface SavedOutboxEntry {
  readonly peer: PeerId;
  readonly body: ReliableBody;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();

  constructor(private readonly onChange: () => void = () => {}) {}

  /** False if the outbox is full, overall or for this peer. */
  add(peer: PeerId, body: ReliableBody, now: number): boolean {
    // A message under a disappearing timer (one-to-one or in a group) is not worth delivering after it.
    const text = body.type === 'group' && body.payload.kind === 'text' ? body.payload : body;
    const disappearsAt =
      'sentAt' in text && text.expiresInSeconds ? text.sentAt + text.expiresInSeconds * 1000 : Infinity;
    const added = this.put(peer, body, now, Math.min(now + MAX_OUTBOX_AGE_MS, disappearsAt));
    if (added) this.onChange();
    return added;
  }

  /**
   * Puts back entries kept at rest by an earlier session, in their order, waiting and due at once. Left out:
   * entries already expired (a disappearing timer that ran out while locked: never sent), ids already here,
   * and what `skip` names. Returns the entries put back and the expired ones.
   */
  restore(
    saved: readonly SavedOutboxEntry[],
    now: number,
    skip: (entry: SavedOutboxEntry) => boolean = () => false,
  ): { restored: OutboxEntry[]; expired: SavedOutboxEntry[] } {
    const restored: OutboxEntry[] = [];
    const expired: SavedOutboxEntry[] = [];
    for (const entry of saved) {
      if (entry.expiresAt <= now) expired.push(entry);
      else if (skip(entry) || this.entries.has(entryKey(entry.peer, entry.body.id))) continue;
      else if (this.put(entry.peer, entry.body, entry.createdAt, entry.expiresAt, now))
        restored.push(this.get(entry.peer, entry.body.id)!);
    }
    this.onChange();
    return { restored, expired };
  }

  /** What is kept at rest: every entry, in the order added. */
  saved(): SavedOutboxEntry[] {
    return [...this.entries.values()].map(({ peer, body, createdAt, expiresAt }) => ({
      peer,
      body,
      createdAt,
      expiresAt,
    }));
  }

  get(peer: PeerId, id: MessageId): OutboxEntry | undefined {
    return this.entries.get(entryKey(peer, id));
  }

  /** Removes the acknowledged entries; only `peer` can acknowledge what was sent to it. */
  ack(peer: PeerId, ids: readonly MessageId[]): OutboxEntry[] {
    const removed: OutboxEntry[] = [];
    for (const id of ids) {
      const entry = this.entries.get(entryKey(peer, id));
      if (entry && this.entries.delete(entryKey(peer, id))) removed.push(entry);
    }
    if (removed.length) this.onChange();
    return removed;
  }

  /** The person withdrew a body that is not acknowledged yet: it is not sent again. */
  remove(peer: PeerId, id: MessageId): OutboxEntry | undefined {
    const entry = this.entries.get(entryKey(peer, id));
    if (entry && this.entries.delete(entryKey(peer, id))) this.onChange();
    return entry;
  }

  /** Records the outcome of one attempt. */
  record(entry: OutboxEntry, result: SendOutcome, now: number): void {
    if (this.entries.get(entryKey(entry.peer, entry.body.id)) !== entry) return;
    entry.attempts++;
    if (result.status === 'sent' || result.status === 'queued') {
      const via = result.status === 'sent' ? result.sessionId : VIA_HANDSHAKE;
      entry.sendsOnVia = via === entry.via ? entry.sendsOnVia + 1 : 1;
      entry.state = 'in-flight';
      entry.via = via;
      entry.dueAt = now + ACK_TIMEOUT_MS;
    } else {
      this.toWaiting(entry, now);
    }
  }

  /** The peer cannot be reached now, or the handshake that was to carry its bodies is gone. */
  peerUnreachable(peer: PeerId, now: number, onlyVia?: string): void {
    for (const entry of this.forPeer(peer)) {
      if (entry.state === 'in-flight' && (onlyVia === undefined || entry.via === onlyVia))
        this.toWaiting(entry, now);
    }
  }

  /**
   * The relay connection was lost and is back: anything in flight may not have arrived, and what waited may
   * have waited only for the relay. Every entry is waiting and due now, so the messenger sends it all at once.
   */
  relayReconnected(now: number): void {
    for (const entry of this.entries.values()) {
      entry.state = 'waiting';
      entry.dueAt = now;
    }
  }

  /**
   * What to send now that the peer is reachable over `sessionId`: waiting entries, and entries in flight on
   * another session (a new session usually means the peer lost the old one). Bodies queued in a handshake
   * went out with the session's own queue.
   */
  flushable(peer: PeerId, sessionId: string | null): OutboxEntry[] {
    return this.forPeer(peer).filter(
      (e) => e.state === 'waiting' || (sessionId !== null && e.via !== sessionId && e.via !== VIA_HANDSHAKE),
    );
  }

  /** Entries whose retry or ack timeout has come, in the order they were added. */
  due(now: number): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.dueAt <= now && e.expiresAt > now);
  }

  /** Removes and returns the entries past their expiry. */
  expire(now: number): OutboxEntry[] {
    const expired = [...this.entries.values()].filter((e) => e.expiresAt <= now);
    for (const entry of expired) this.entries.delete(entryKey(entry.peer, entry.body.id));
    if (expired.length) this.onChange();
    return expired;
  }

  forPeer(peer: PeerId): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.peer === peer);
  }

  /** Drops everything for a peer (declined or blocked). */
  clearPeer(peer: PeerId): OutboxEntry[] {
    const dropped = this.forPeer(peer);
    for (const entry of dropped) this.entries.delete(entryKey(peer, entry.body.id));
    if (dropped.length) this.onChange();
    return dropped;
  }

  get size(): number {
    return this.entries.size;
  }

  private put(
    peer: PeerId,
    body: ReliableBody,
    createdAt: number,
    expiresAt: number,
    now = createdAt,
  ): boolean {
    if (this.entries.size >= MAX_OUTBOX_ENTRIES || this.forPeer(peer).length >= MAX_OUTBOX_PER_PEER)
      return false;
    const key = entryKey(peer, body.id);
    if (this.entries.has(key)) throw new RangeError(`id ${body.id} is already in the outbox`);
    this.entries.set(key, {
      peer,
      body,
      createdAt,
      expiresAt,
      state: 'waiting',
      via: null,
      attempts: 0,
      sendsOnVia: 0,
      dueAt: now,
    });
    return true;
  }

  private toWaiting(entry: OutboxEntry, now: number): void {
    entry.state = 'waiting';
    const unannounced = entry.body.type === 'contactRequest' || entry.body.type === 'keyRotation';
    const ceiling = unannounced ? RETRY_MAX_UNANNOUNCED_MS : RETRY_MAX_MS;
    entry.dueAt = now + Math.min(ceiling, RETRY_BASE_MS * 2 ** Math.min(entry.attempts, 16));
  }
}

const entryKey = (peer: PeerId, id: MessageId): string => `${peer}:${id}`;
