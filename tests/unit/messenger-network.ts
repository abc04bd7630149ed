/**
 * An in-memory relay for messenger tests: peers connect by identity key, frames to a peer that is not
 * connected are 'undeliverable', and the relay can misbehave on purpose (drop, duplicate, reorder) and fail
 * (every pending send rejects, as a dropped relay socket does). Frames sit in a queue until pump(). Like
 * a hostile relay it records every frame it forwards (`log`) and can deliver any bytes it likes (`inject`).
 */

import type { Transport } from '../../client/core/session-manager.ts';
import { toHex } from '../../crypto/bytes.ts';

export interface Faults {
  /** Each returns true to apply the fault to one frame; driven by the test's own randomness. */
  drop?: (frame: Frame) => boolean;
  duplicate?: (frame: Frame) => boolean;
  /** Index at which the next frame is inserted into the queue (reordering); default: the end. */
  position?: (queueLength: number) => number;
}

export interface Frame {
  /** Identity keys in hex. */
  readonly from: string;
  readonly to: string;
  readonly bytes: Uint8Array;
}

export class FakeRelay {
  private readonly peers = new Map<string, (bytes: Uint8Array) => Promise<void>>();
  private queue: Frame[] = [];
  faults: Faults = {};
  up = true;
  sent = 0;
  readonly sentBy = new Map<string, number>();
  readonly log: Frame[] = [];

  connect(publicKey: Uint8Array, receive: (bytes: Uint8Array) => Promise<void>): void {
    this.peers.set(toHex(publicKey), receive);
  }

  disconnect(publicKey: Uint8Array): void {
    const peer = toHex(publicKey);
    this.peers.delete(peer);
    this.queue = this.queue.filter((frame) => frame.to !== peer);
  }

  isConnected(publicKey: Uint8Array): boolean {
    return this.peers.has(toHex(publicKey));
  }

  /** The relay as one peer sees it. */
  transportFor(publicKey: Uint8Array): Transport {
    const self = toHex(publicKey);
    return {
      send: async (recipient, bytes) => {
        if (!this.up || !this.peers.has(self)) throw new Error('relay connection lost');
        this.sent++;
        this.sentBy.set(self, (this.sentBy.get(self) ?? 0) + 1);
        const to = toHex(recipient);
        if (!this.peers.has(to)) return 'undeliverable';
        const frame = { from: self, to, bytes: bytes.slice() };
        this.log.push(frame);
        if (this.faults.drop?.(frame)) return 'sent';
        const copies = this.faults.duplicate?.(frame) ? 2 : 1;
        for (let i = 0; i < copies; i++) {
          const at = this.faults.position?.(this.queue.length) ?? this.queue.length;
          this.queue.splice(Math.min(Math.max(at, 0), this.queue.length), 0, frame);
        }
        return 'sent';
      },
    };
  }

  /** Queues bytes of the relay's choosing for `to`, as if `from` had sent them. */
  inject(frame: Frame): void {
    this.queue.push({ ...frame, bytes: frame.bytes.slice() });
  }

  /** Delivers queued frames (and whatever they cause) until the relay is quiet. */
  async pump(maxFrames = 100_000): Promise<number> {
    let delivered = 0;
    for (;;) {
      await settle();
      const frame = this.queue.shift();
      if (!frame) {
        await settle();
        if (this.queue.length === 0) return delivered;
        continue;
      }
      if (++delivered > maxFrames) throw new Error('relay never went quiet');
      await this.peers.get(frame.to)?.(frame.bytes);
    }
  }

  get queued(): number {
    return this.queue.length;
  }
}

/** Lets every pending promise chain (signatures, queues) run to completion. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
