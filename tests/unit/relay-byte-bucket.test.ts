import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBucket } from '../../relay/byte-bucket.ts';

describe('ByteBucket', () => {
  it('allows a burst of bytes, then refuses until time refills it at the rate', () => {
    const bucket = ByteBucket.perSecond(1000, 3000, 0);
    expect(bucket.take(0, 2000)).toBe(true);
    expect(bucket.take(0, 1001)).toBe(false);
    expect(bucket.take(0, 1000)).toBe(true);
    expect(bucket.take(499, 500)).toBe(false); // 499 bytes after 499 ms at 1000/s
    expect(bucket.take(500, 500)).toBe(true);
  });

  it('never holds more than the burst, and a clock that runs back refills nothing', () => {
    const bucket = ByteBucket.perSecond(1_000_000, 100, 0);
    expect(bucket.take(10_000_000, 101)).toBe(false);
    expect(bucket.take(10_000_000, 100)).toBe(true);
    expect(bucket.take(9_000_000, 1)).toBe(false);
  });

  it('refuses unusable parameters', () => {
    for (const [rate, burst] of [
      [0, 1],
      [1, 0],
      [1.5, 1],
      [1, 2 ** 30 + 1],
    ] as const) {
      expect(() => ByteBucket.perSecond(rate, burst, 0), `${rate} ${burst}`).toThrow(RangeError);
    }
  });

  it('over any run, grants at most burst + rate × elapsed bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 70_000 })), {
          minLength: 1,
          maxLength: 200,
        }),
        (rate, burst, steps) => {
          const bucket = ByteBucket.perSecond(rate, burst, 0);
          let now = 0;
          let granted = 0;
          for (const [advance, bytes] of steps) {
            now += advance;
            if (bucket.take(now, bytes)) granted += bytes;
          }
          expect(granted).toBeLessThanOrEqual(burst + (rate * now) / 1000);
        },
      ),
    );
  });
});
