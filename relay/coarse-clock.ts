/**
 * A monotonic clock in whole milliseconds read from a field: one unref'd interval timer per relay refreshes
 * it, so the per-frame rate limit costs no clock call. A reading is at most `resolutionMs` old, so a token
 * bucket driven by it refills late, never early: the limit only gets stricter, by at most one tick of
 * tokens.
 */
export interface CoarseClock {
  now(): number;
  stop(): void;
}

export function startCoarseClock(
  resolutionMs: number,
  read: () => number = () => performance.now(),
): CoarseClock {
  if (!Number.isInteger(resolutionMs) || resolutionMs < 1)
    throw new RangeError(`resolutionMs must be a positive integer, got ${resolutionMs}`);
  let current = Math.floor(read());
  const timer = setInterval(() => {
    current = Math.floor(read());
  }, resolutionMs);
  timer.unref();
  return {
    now: () => current,
    stop: () => clearInterval(timer),
  };
}
