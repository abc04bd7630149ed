/**
 * Coalesces what the relay writes to one socket within one turn of the event loop into one system call.
 * The first frame for a socket in a turn corks its stream; one process.nextTick, run as soon as the current
 * callback returns (typically after every frame of one TCP read has been routed), uncorks them all. A
 * burst of frames for one recipient then costs one writev instead of one per frame, and a lone frame
 * still leaves before the event loop does anything else, microseconds later. Order is untouched (one
 * stream, one queue), and corked bytes count in ws's bufferedAmount, so the slow-consumer cap still holds.
 */
export interface Corkable {
  readonly writableCorked: number;
  cork(): void;
  uncork(): void;
}

export interface WriteBatch {
  /** Call before writing to `stream`: corks it until the end of this turn, unless it already is. */
  hold(stream: Corkable): void;
}

export function createWriteBatch(): WriteBatch {
  let held: Corkable[] = [];
  const flush = (): void => {
    const streams = held;
    held = [];
    for (const stream of streams) stream.uncork();
  };
  return {
    hold(stream) {
      // Corked already: by this batch earlier in the turn, or by a caller that uncorks it itself.
      if (stream.writableCorked > 0) return;
      stream.cork();
      if (held.push(stream) === 1) process.nextTick(flush);
    },
  };
}
