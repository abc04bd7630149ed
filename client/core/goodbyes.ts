/**
 * Goodbyes sealed ahead of time. A page that is being closed gets no later turn of the event loop, and
 * signing (WebCrypto in the browser) answers in one: a goodbye sealed only as the page goes would never
 * leave. So the `leaving` presence for each contact with a session is sealed while the page is alive, and
 * leaving only hands the sealed bytes to the transport.
 *
 * A sealed goodbye uses up one counter of its session, and the receiver opens it only while fewer than
 * REPLAY_WINDOW later envelopes of that session have reached it. It is therefore sealed again after half
 * that many frames to the contact, and whenever a new session with the contact is established.
 */
import { REPLAY_WINDOW } from '../../crypto/envelope.ts';
import type { PeerId } from './session-types.ts';

/** Frames to a contact after which its goodbye is sealed again (well inside the receiver's window). */
export const GOODBYE_RESEAL_FRAMES = REPLAY_WINDOW / 2;

interface Sealed {
  readonly bytes: Uint8Array;
  framesSince: number;
}

export class PreparedGoodbyes {
  private readonly sealed = new Map<PeerId, Sealed>();
  /** Bumped when a peer's session changes, so that a seal still running for the old one is discarded. */
  private readonly generation = new Map<PeerId, number>();
  private readonly sealing = new Set<PeerId>();

  /** A frame went to `peer`. */
  sent(peer: PeerId): void {
    const goodbye = this.sealed.get(peer);
    if (goodbye && ++goodbye.framesSince >= GOODBYE_RESEAL_FRAMES) this.sealed.delete(peer);
  }

  /** The session with `peer` changed or is gone: its goodbye is sealed again. */
  invalidate(peer: PeerId): void {
    this.sealed.delete(peer);
    this.generation.set(peer, (this.generation.get(peer) ?? 0) + 1);
  }

  /** Which of `peers` need a goodbye sealed now. */
  missing(peers: readonly PeerId[]): PeerId[] {
    return peers.filter((peer) => !this.sealed.has(peer) && !this.sealing.has(peer));
  }

  /** Seals `peer`'s goodbye with `seal` (null: no session to seal it in). */
  async prepare(peer: PeerId, seal: () => Promise<Uint8Array | null>): Promise<void> {
    if (this.sealing.has(peer)) return;
    this.sealing.add(peer);
    const generation = this.generation.get(peer) ?? 0;
    try {
      const bytes = await seal();
      if (bytes && generation === (this.generation.get(peer) ?? 0))
        this.sealed.set(peer, { bytes, framesSince: 0 });
    } finally {
      this.sealing.delete(peer);
    }
  }

  /** Every sealed goodbye, each given out once. */
  take(): [PeerId, Uint8Array][] {
    const all = [...this.sealed].map(([peer, goodbye]): [PeerId, Uint8Array] => [peer, goodbye.bytes]);
    this.sealed.clear();
    return all;
  }
}
