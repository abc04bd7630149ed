/**
 * Per-connection rate limit: `rate` tokens per second refill a bucket of at most `burst`; each frame (and
 * each ping or pong a client sends) takes one. Refilled lazily from the time passed in, so an idle socket
 * costs no timer.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerMs: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  static perSecond(rate: number, burst: number, now: number): TokenBucket {
    return new TokenBucket(rate / 1000, burst, now);
  }

  /** Takes one token if there is one; `now` in milliseconds from a monotonic clock. */
  take(now: number): boolean {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerMs);
      this.updatedAt = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
