/**
 * Paces a client's frames below the relay's announced rate: a token bucket at 80% of the relay's rate and
 * burst, with frames waiting here, in order, for a token. A burst (the outbox after a reconnect, a
 * recovered session's backlog and its acks) is spread out instead of getting the socket closed as
 * rate-limited. Isomorphic: the browser's relay connection and the Node client both use it, each with its
 * own timers.
 */
import type { AnnouncedLimits } from '../../crypto/relay-frames.ts';

export interface PacerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds from a clock that does not jump back. */
  now(): number;
}

/**
 * Our pace stays under the relay's announced limits with a margin: the relay's bucket has already paid for
 * AUTH and pays for every pong the client sends, and network jitter can bunch frames that left here evenly
 * spaced, so pacing at exactly the announced rate would now and then land on the limit and get the socket
 * closed as rate-limited.
 */
export const paceRate = (limits: AnnouncedLimits): number => limits.messagesPerSecond * 0.8;
export const paceCapacity = (limits: AnnouncedLimits): number =>
  Math.max(1, Math.floor(limits.messageBurst * 0.8) - 2);

export class SendPacer {
  private limits: AnnouncedLimits | undefined;
  private write: ((frame: Uint8Array) => void) | undefined;
  private tokens = 0;
  private refilledAt = 0;
  private queue: Uint8Array[] = [];
  private timer: unknown;

  constructor(private readonly timers: PacerTimers) {}

  /** The relay announced `limits` and the socket is ready: a full bucket, frames go to `write`. */
  start(limits: AnnouncedLimits, write: (frame: Uint8Array) => void): void {
    this.stop();
    this.limits = limits;
    this.write = write;
    this.tokens = paceCapacity(limits);
    this.refilledAt = this.timers.now();
  }

  /** Sends `frame` now if a token is free, else after the frames before it. */
  push(frame: Uint8Array): void {
    this.queue.push(frame);
    if (this.timer === undefined) this.drain();
  }

  /** Writes every waiting frame now, whatever the pace: the socket is about to close on purpose. */
  flush(): void {
    const { write } = this;
    if (write) for (const frame of this.queue.splice(0)) write(frame);
  }

  /** The socket is gone: what still waits is dropped, and no timer is left behind. */
  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.limits = undefined;
    this.write = undefined;
  }

  /** Frames waiting for a token. */
  get queued(): number {
    return this.queue.length;
  }

  private drain(): void {
    this.timer = undefined;
    const { limits, write } = this;
    if (!limits || !write) return;
    const now = this.timers.now();
    this.tokens = Math.min(
      paceCapacity(limits),
      this.tokens + ((now - this.refilledAt) * paceRate(limits)) / 1000,
    );
    this.refilledAt = now;
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      write(this.queue.shift()!);
    }
    if (this.queue.length > 0) {
      const wait = Math.ceil(((1 - this.tokens) * 1000) / paceRate(limits));
      this.timer = this.timers.setTimeout(() => this.drain(), Math.max(1, wait));
    }
  }
}
