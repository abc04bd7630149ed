/**
 * Keeps the outbox at rest: after every change of what it holds, its waiting bodies are written through an
 * injected storage that seals them (the browser: AES-GCM under the vault key, in IndexedDB). Isomorphic: no
 * clock, no DOM, no files; the CLI or any other client passes its own storage.
 *
 * Writes never pile up: at most one is in flight, and changes made meanwhile are written once, after it,
 * from the outbox as it is then, so the last state is always the one stored. Nothing is written before the
 * stored record has been read back (restore), so a session that starts by queueing a body cannot overwrite
 * what the previous session left.
 */
import { isProtocolError, type ProtocolError } from '../../crypto/errors.ts';
import type { SavedOutboxEntry } from './outbox.ts';
import { outboxFromBytes, outboxToBytes } from './outbox-record.ts';
import type { PeerId } from './session-types.ts';

export interface OutboxStorage {
  /** The stored plaintext, or undefined when nothing is stored; rejects (ProtocolError) if it cannot be opened. */
  load(): Promise<Uint8Array | undefined>;
  /** Stores the plaintext sealed; null removes the record. */
  save(plaintext: Uint8Array | null): Promise<void>;
}

export class OutboxAtRest {
  private ready = false;
  private dirty = false;
  private writing: Promise<void> | null = null;
  /** The last write's failure, if it failed (the next change tries again). */
  lastError: unknown = null;

  constructor(
    private readonly storage: OutboxStorage,
    private readonly owner: PeerId,
    /** What the outbox holds now. */
    private readonly snapshot: () => readonly SavedOutboxEntry[],
  ) {}

  /**
   * Reads the stored record and hands its entries to `apply` (which puts them back in the outbox); from then
   * on changes are written. A record that cannot be opened (damaged, sealed under another key, another
   * identity's) is a typed error: it is returned, `apply` is not called, and the record is replaced by the
   * current outbox. Nothing else is touched. Any other failure (storage unavailable) is thrown; changes are
   * written from then on all the same.
   */
  async restore(apply: (entries: SavedOutboxEntry[]) => void): Promise<ProtocolError | null> {
    try {
      const bytes = await this.storage.load();
      if (bytes) apply(outboxFromBytes(bytes, this.owner));
      return null;
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.dirty = true;
      return error;
    } finally {
      this.ready = true;
      if (this.dirty) this.startWriting();
    }
  }

  /** The outbox changed: write it (now, or once the write in flight is done). */
  changed(): void {
    this.dirty = true;
    if (this.ready) this.startWriting();
  }

  /** Resolves once every change so far is written. */
  settled(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private startWriting(): void {
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      // A microtask first: changes made in the same turn (an ack for several ids, a restore) go in one write.
      await Promise.resolve();
      while (this.dirty) {
        this.dirty = false;
        const entries = this.snapshot();
        try {
          await this.storage.save(entries.length ? outboxToBytes(this.owner, entries) : null);
          this.lastError = null;
        } catch (error) {
          this.lastError = error;
        }
      }
    } finally {
      this.writing = null;
    }
  }
}
