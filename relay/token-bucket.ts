/**
 * Per-connection rate limit: `rate` tokens per second refill a bucket of at most `burst`; each frame (and
 * each ping or pong a client sends) takes one. Refilled lazily from the time passed in, so an idle socket
 * costs no timer.
 *
 * Kept in integers so that V8 stores every field inline (no boxed doubles per socket): the level is counted
 * in thousandths of a token, so `rate` tokens per second is exactly `rate` thousandths per millisecond, and
 * with whole-millisecond clock readings (coarse-clock.ts) every value stays an integer.
 */
const MILLI = 1000;

export class TokenBucket {
  /** Thousandths of a token. */
  private level: number;
  private updatedAt: number;
  private readonly capacity: number;

  private constructor(
    /** Tokens per second, i.e. thousandths per millisecond. */
    private readonly rate: number,
    burst: number,
    now: number,
  ) {
    this.capacity = burst * MILLI;
    this.level = this.capacity;
    this.updatedAt = now;
  }

  /** `rate` tokens per second, at most `burst` at once; both positive integers. */
  static perSecond(rate: number, burst: number, now: number): TokenBucket {
    if (!Number.isSafeInteger(rate) || rate < 1)
      throw new RangeError(`rate must be a positive integer, got ${rate}`);
    if (!Number.isSafeInteger(burst) || burst < 1)
      throw new RangeError(`burst must be a positive integer, got ${burst}`);
    return new TokenBucket(rate, burst, now);
  }

  /** Takes one token if there is one; `now` in milliseconds from a monotonic clock. */
  take(now: number): boolean {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.level = Math.min(this.capacity, this.level + elapsed * this.rate);
      this.updatedAt = now;
    }
    if (this.level < MILLI) return false;
    this.level -= MILLI;
    return true;
  }
}
