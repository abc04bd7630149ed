import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCoarseClock } from '../../relay/coarse-clock.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('startCoarseClock', () => {
  it('reads the source once per tick, in whole milliseconds, and never ahead of it', () => {
    vi.useFakeTimers();
    let source = 1000.7;
    let reads = 0;
    const clock = startCoarseClock(10, () => {
      reads++;
      return source;
    });
    expect(clock.now()).toBe(1000);
    source = 1009.9;
    expect(clock.now()).toBe(1000); // stale until the next tick: late, never early
    vi.advanceTimersByTime(10);
    expect(clock.now()).toBe(1009);
    expect(reads).toBe(2);
    clock.stop();
    source = 5000;
    vi.advanceTimersByTime(100);
    expect(clock.now()).toBe(1009);
  });

  it("does not keep the process alive: its timer is unref'd", () => {
    const timers = () =>
      (process as unknown as { getActiveResourcesInfo(): string[] })
        .getActiveResourcesInfo()
        .filter((name) => name === 'Timeout').length;
    const before = timers();
    const clock = startCoarseClock(5);
    expect(timers()).toBe(before);
    expect(Number.isInteger(clock.now())).toBe(true);
    clock.stop();
  });

  it('refuses resolutions that are not positive integers', () => {
    for (const bad of [0, -1, 0.5, Number.NaN]) expect(() => startCoarseClock(bad)).toThrow(RangeError);
  });
});
