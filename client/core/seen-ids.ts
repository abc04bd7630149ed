/**
 * The receiver's memory of reliable body ids, per peer, so that a resent body is acknowledged again but
 * shown once. Bounded: the oldest ids are forgotten first. The bound is far above what an outbox can have
 * outstanding for one peer (MAX_OUTBOX_PER_PEER), so an id is only forgotten long after its ack went out.
 */
import type { MessageId } from './chat-protocol.ts';
import type { PeerId } from './session-manager.ts';

export const MAX_SEEN_IDS_PER_PEER = 4096;

export class SeenIds {
  private readonly byPeer = new Map<PeerId, Set<MessageId>>();

  constructor(private readonly limit = MAX_SEEN_IDS_PER_PEER) {}

  has(peer: PeerId, id: MessageId): boolean {
    return this.byPeer.get(peer)?.has(id) ?? false;
  }

  add(peer: PeerId, id: MessageId): void {
    let ids = this.byPeer.get(peer);
    if (!ids) {
      ids = new Set();
      this.byPeer.set(peer, ids);
    }
    ids.add(id);
    // A Set iterates in insertion order, so the first id is the oldest.
    if (ids.size > this.limit) ids.delete(ids.values().next().value!);
  }

  delete(peer: PeerId, id: MessageId): void {
    this.byPeer.get(peer)?.delete(id);
  }

  forget(peer: PeerId): void {
    this.byPeer.delete(peer);
  }
}
