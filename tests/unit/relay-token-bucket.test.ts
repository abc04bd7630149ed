import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../relay/token-bucket.ts';

describe('TokenBucket', () => {
  it('allows a burst, then refuses until time refills it at the rate', () => {
    const bucket = TokenBucket.perSecond(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(99)).toBe(false); // 0.99 tokens
    expect(bucket.take(100)).toBe(true); // 1 token after 100 ms at 10/s
    expect(bucket.take(100)).toBe(false);
  });

  it('never holds more than the burst, however long it idles', () => {
    const bucket = TokenBucket.perSecond(1000, 2, 0);
    const taken = [0, 0, 0].map(() => bucket.take(10_000_000)).filter(Boolean).length;
    expect(taken).toBe(2);
  });

  it('a clock that stands still (or runs back) refills nothing', () => {
    const bucket = TokenBucket.perSecond(100, 1, 1000);
    expect(bucket.take(1000)).toBe(true);
    expect(bucket.take(900)).toBe(false);
    expect(bucket.take(1000)).toBe(false);
  });

  it('over any run, grants at most burst + rate × elapsed tokens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, steps) => {
          const bucket = TokenBucket.perSecond(rate, burst, 0);
          let now = 0;
          let granted = 0;
          for (const step of steps) {
            now += step;
            if (bucket.take(now)) granted++;
          }
          expect(granted).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000));
        },
      ),
    );
  });

  it('refuses rates and bursts that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => TokenBucket.perSecond(bad, 1, 0)).toThrow(RangeError);
      expect(() => TokenBucket.perSecond(1, bad, 0)).toThrow(RangeError);
    }
  });
});
