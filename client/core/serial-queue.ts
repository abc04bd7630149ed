/**
 * One promise chain per key: jobs for the same key run strictly one after another, jobs for different keys
 * interleave freely. The session manager needs this because a step reads a replay window and returns the
 * next one; two overlapping steps for one contact could both accept the same counter.
 */
export class SerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    // Tails never reject, so a failed job does not stop the ones queued behind it.
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(job);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget idle keys so the map holds only contacts with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  get size(): number {
    return this.tails.size;
  }
}
