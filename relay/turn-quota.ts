/**
 * How many TURN credentials one key and one client address may mint: each has a bucket of `burst`
 * credentials that regains one every `intervalMs`. A bucket exists only while it is not full, so the table
 * holds the keys' TURN labels and the addresses that minted within the last burst x interval, in memory,
 * and forgets them once their buckets have refilled (`sweep`). Kept in integers (whole credentials, whole
 * milliseconds) so that V8 stores each bucket's fields inline.
 */
class IntervalBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
    now: number,
  ) {
    this.level = burst;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    const gained = Math.floor((now - this.updatedAt) / this.intervalMs);
    if (gained <= 0) return;
    this.level = Math.min(this.burst, this.level + gained);
    this.updatedAt = this.level === this.burst ? now : this.updatedAt + gained * this.intervalMs;
  }

  available(now: number): boolean {
    this.refill(now);
    return this.level > 0;
  }

  take(): void {
    this.level--;
  }

  full(now: number): boolean {
    this.refill(now);
    return this.level === this.burst;
  }
}

class RateTable {
  private readonly buckets = new Map<string, IntervalBucket>();

  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
  ) {}

  bucket(key: string, now: number): IntervalBucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new IntervalBucket(this.burst, this.intervalMs, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}

export interface TurnQuotaLimits {
  readonly turnBurstPerKey: number;
  readonly turnIntervalPerKeyMs: number;
  readonly turnBurstPerIp: number;
  readonly turnIntervalPerIpMs: number;
}

export interface TurnQuota {
  /** Takes one credential from both the key's and the address's budget, or from neither and says no. */
  take(label: string, ip: string, now: number): boolean;
  /** Forgets every key and address whose budget is full again; `now` in monotonic milliseconds. */
  sweep(now: number): void;
  /** Keys plus addresses remembered. */
  readonly size: number;
}

export function createTurnQuota(limits: TurnQuotaLimits): TurnQuota {
  const keys = new RateTable(limits.turnBurstPerKey, limits.turnIntervalPerKeyMs);
  const addresses = new RateTable(limits.turnBurstPerIp, limits.turnIntervalPerIpMs);
  return {
    take(label, ip, now) {
      const key = keys.bucket(label, now);
      const address = addresses.bucket(ip, now);
      if (!key.available(now) || !address.available(now)) return false;
      key.take();
      address.take();
      return true;
    },
    sweep(now) {
      keys.sweep(now);
      addresses.sweep(now);
    },
    get size() {
      return keys.size + addresses.size;
    },
  };
}
