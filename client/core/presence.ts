/**
 * Who among the contacts is online, learned only from end-to-end traffic: a contact is online from the
 * moment anything authenticated arrives from it (a session established, any message, a ping or pong),
 * and offline once the relay says it is not connected, it says it is leaving, or it has been silent for
 * PRESENCE_TTL_MS. A contact shown online is pinged every PRESENCE_ONLINE_INTERVAL_MS, so that "online"
 * stays honest when it goes without a goodbye (a crash, a lost network): the relay answers the next ping
 * undeliverable, or, while the relay has not yet noticed a dead socket, the pongs stop and the TTL runs
 * out. The others are pinged every PRESENCE_INTERVAL_MS, to find those that have come online (a ping to an
 * offline contact costs one undeliverable INIT, and a signature).
 */
import type { PeerId } from './session-manager.ts';

export const PRESENCE_INTERVAL_MS = 60_000;
export const PRESENCE_ONLINE_INTERVAL_MS = 15_000;
/** Two online pings unanswered, and a margin for a slow pong. */
export const PRESENCE_TTL_MS = 40_000;

export class PresenceTracker {
  private readonly lastHeard = new Map<PeerId, number>();
  private readonly lastPinged = new Map<PeerId, number>();

  isOnline(peer: PeerId): boolean {
    return this.lastHeard.has(peer);
  }

  /** Something authenticated came from `peer`. True if it was offline until now. */
  heard(peer: PeerId, now: number): boolean {
    const wasOnline = this.lastHeard.has(peer);
    this.lastHeard.set(peer, now);
    return !wasOnline;
  }

  /** `peer` is not connected or said goodbye. True if it was online until now. */
  lost(peer: PeerId): boolean {
    return this.lastHeard.delete(peer);
  }

  /** Everyone is offline now (our own relay connection is gone). Returns who was online. */
  clear(): PeerId[] {
    const online = [...this.lastHeard.keys()];
    this.lastHeard.clear();
    return online;
  }

  /** Contacts silent for longer than the TTL, now marked offline. */
  expire(now: number): PeerId[] {
    const silent = [...this.lastHeard].filter(([, at]) => now - at > PRESENCE_TTL_MS).map(([peer]) => peer);
    for (const peer of silent) this.lastHeard.delete(peer);
    return silent;
  }

  /** Which of `contacts` to ping now; records the ping time. */
  toPing(contacts: readonly PeerId[], now: number, force = false): PeerId[] {
    const interval = (peer: PeerId) =>
      this.lastHeard.has(peer) ? PRESENCE_ONLINE_INTERVAL_MS : PRESENCE_INTERVAL_MS;
    const due = contacts.filter(
      (peer) => force || now - (this.lastPinged.get(peer) ?? -Infinity) >= interval(peer),
    );
    for (const peer of due) this.lastPinged.set(peer, now);
    return due;
  }

  forget(peer: PeerId): void {
    this.lastHeard.delete(peer);
    this.lastPinged.delete(peer);
  }
}
