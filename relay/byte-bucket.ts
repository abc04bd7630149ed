/**
 * Per-connection byte budget: `bytesPerSecond` refill a bucket of at most `burst` bytes; each incoming frame
 * takes its length. Refilled lazily from the time passed in, like token-bucket.ts, and kept in integers so
 * that V8 stores every field inline: the level is whole bytes (at most 2^30), and the fraction of a byte a
 * refill would add is dropped, so the budget is at most one byte per refill stricter than configured.
 */
const MAX_BURST = 2 ** 30;

export class ByteBucket {
  private level: number;
  private updatedAt: number;

  private constructor(
    private readonly bytesPerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.level = burst;
    this.updatedAt = now;
  }

  /** `bytesPerSecond` sustained, at most `burst` (<= 2^30) at once; both positive integers. */
  static perSecond(bytesPerSecond: number, burst: number, now: number): ByteBucket {
    if (!Number.isSafeInteger(bytesPerSecond) || bytesPerSecond < 1)
      throw new RangeError(`bytesPerSecond must be a positive integer, got ${bytesPerSecond}`);
    if (!Number.isSafeInteger(burst) || burst < 1 || burst > MAX_BURST)
      throw new RangeError(`burst must be an integer in 1..2^30, got ${burst}`);
    return new ByteBucket(bytesPerSecond, burst, now);
  }

  /** Takes `bytes` if the bucket holds that many; `now` in milliseconds from a monotonic clock. */
  take(now: number, bytes: number): boolean {
    const gained = Math.floor(((now - this.updatedAt) * this.bytesPerSecond) / 1000);
    if (gained > 0) {
      this.level = Math.min(this.burst, this.level + gained);
      this.updatedAt = now;
    }
    if (this.level < bytes) return false;
    this.level -= bytes;
    return true;
  }
}
