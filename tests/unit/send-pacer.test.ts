/** The pacer both clients share: 80% of the announced burst at once, then 80% of the rate, in order. */
import { describe, expect, it } from 'vitest';
import { type PacerTimers, paceCapacity, paceRate, SendPacer } from '../../client/core/send-pacer.ts';
import { TokenBucket } from '../../relay/token-bucket.ts';

/** Timers on a clock the test moves by hand. */
class ManualTimers implements PacerTimers {
  ms = 0;
  private timers: { at: number; callback: () => void; handle: number }[] = [];
  private next = 1;
  readonly now = (): number => this.ms;
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.next++;
    this.timers.push({ at: this.ms + ms, callback, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const until = this.ms + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.ms = due.at;
      due.callback();
    }
    this.ms = until;
  }
}

const limits = { maxFrameBytes: 65536, messagesPerSecond: 50, messageBurst: 20 };

describe('send pacer', () => {
  it('keeps a margin under the announced limits', () => {
    expect(paceRate(limits)).toBe(40);
    expect(paceCapacity(limits)).toBe(14);
    expect(paceCapacity({ ...limits, messageBurst: 1 })).toBe(1);
  });

  it('sends a full bucket at once, then one frame per token, in order, never above the relay rate', () => {
    const timers = new ManualTimers();
    const pacer = new SendPacer(timers);
    const written: { at: number; byte: number }[] = [];
    pacer.start(limits, (frame) => written.push({ at: timers.ms, byte: frame[0]! }));
    for (let i = 0; i < 100; i++) pacer.push(Uint8Array.of(i));
    expect(written).toHaveLength(14);
    timers.advance(10_000);
    expect(written.map((w) => w.byte)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // The relay's own bucket, fed the same times, never runs dry.
    const relayBucket = TokenBucket.perSecond(limits.messagesPerSecond, limits.messageBurst, 0);
    expect(written.filter((w) => !relayBucket.take(w.at))).toEqual([]);
    expect(written.at(-1)!.at).toBeGreaterThanOrEqual(((100 - 14) / 40) * 1000 - 25);
    expect(timers.pending).toBe(0);
  });

  it('drops what waits and leaves no timer once stopped', () => {
    const timers = new ManualTimers();
    const pacer = new SendPacer(timers);
    const written: Uint8Array[] = [];
    pacer.start(limits, (frame) => written.push(frame));
    for (let i = 0; i < 30; i++) pacer.push(Uint8Array.of(i));
    expect(pacer.queued).toBe(16);
    pacer.stop();
    expect(pacer.queued).toBe(0);
    expect(timers.pending).toBe(0);
    timers.advance(5_000);
    expect(written).toHaveLength(14);
  });
});
