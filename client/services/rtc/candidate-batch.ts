/**
 * Our own ICE candidates on their way to the peer. While the offer or answer they belong to has not left (or, for
 * a callee that must not be reached before the accept, until the accept) they are held; otherwise the ones
 * gathered within `windowMs` of each other leave together, at most MAX_CANDIDATES_PER_BODY to a body. A page
 * gathers all its host candidates within a few milliseconds: one body for them costs one signature instead of
 * one per candidate, and does not tell the relay how many network interfaces the page has.
 */
import { type IceCandidate, MAX_CANDIDATES_PER_BODY } from '../../../crypto/call-signaling.ts';

export interface CandidateBatchOptions {
  /** Sends one body's worth (1..MAX_CANDIDATES_PER_BODY candidates). */
  readonly send: (candidates: IceCandidate[]) => void;
  readonly windowMs: number;
  readonly setTimer?: (run: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

export class CandidateBatch {
  private readonly waiting: IceCandidate[] = [];
  private holding = false;
  private timer: unknown;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: CandidateBatchOptions) {
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  get held(): boolean {
    return this.holding;
  }

  /** Nothing leaves until release(). */
  hold(): void {
    this.holding = true;
    this.stopTimer();
  }

  add(candidate: IceCandidate): void {
    this.waiting.push(candidate);
    if (!this.holding && this.timer === undefined)
      this.timer = this.setTimer(() => this.flush(), this.options.windowMs);
  }

  /** Everything waiting leaves now, and later candidates in batches again. */
  release(): void {
    this.holding = false;
    this.flush();
  }

  /** The call is over: what waits is dropped. */
  clear(): void {
    this.holding = false;
    this.stopTimer();
    this.waiting.length = 0;
  }

  private flush(): void {
    this.stopTimer();
    const all = this.waiting.splice(0);
    for (let i = 0; i < all.length; i += MAX_CANDIDATES_PER_BODY)
      this.options.send(all.slice(i, i + MAX_CANDIDATES_PER_BODY));
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }
}
