/** Our ICE candidates on their way out: held, then in batches of at most MAX_CANDIDATES_PER_BODY. */
import { describe, expect, test } from 'vitest';
import { CandidateBatch } from '../../client/services/rtc/candidate-batch.ts';
import { type IceCandidate, MAX_CANDIDATES_PER_BODY } from '../../crypto/call-signaling.ts';

const candidate = (n: number): IceCandidate => ({
  candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${50_000 + n} typ host generation 0`,
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'Qm3v',
});

/** A batch whose timers are run by hand. */
function batch() {
  const sent: IceCandidate[][] = [];
  const timers: (() => void)[] = [];
  const cleared: unknown[] = [];
  const subject = new CandidateBatch({
    send: (candidates) => sent.push(candidates),
    windowMs: 10,
    setTimer: (run) => timers.push(run) - 1,
    clearTimer: (timer) => cleared.push(timer),
  });
  const fire = () => {
    for (const [i, run] of timers.entries()) if (!cleared.includes(i)) run();
  };
  return { subject, sent, timers, fire };
}

describe('CandidateBatch', () => {
  test('candidates gathered together leave in one body when the window closes', () => {
    const { subject, sent, timers, fire } = batch();
    subject.add(candidate(1));
    subject.add(candidate(2));
    subject.add(candidate(3));
    expect(sent).toEqual([]);
    expect(timers).toHaveLength(1);
    fire();
    expect(sent).toEqual([[candidate(1), candidate(2), candidate(3)]]);
    // A later one (a relay candidate, say) opens a window of its own.
    subject.add(candidate(4));
    expect(timers).toHaveLength(2);
    fire();
    expect(sent).toEqual([[candidate(1), candidate(2), candidate(3)], [candidate(4)]]);
  });

  test('held candidates wait, whatever the timers do, and leave at once on release', () => {
    const { subject, sent, timers, fire } = batch();
    subject.hold();
    expect(subject.held).toBe(true);
    for (let n = 1; n <= 3; n++) subject.add(candidate(n));
    expect(timers).toHaveLength(0);
    fire();
    expect(sent).toEqual([]);
    subject.release();
    expect(subject.held).toBe(false);
    expect(sent).toEqual([[candidate(1), candidate(2), candidate(3)]]);
  });

  test('more than a body holds are split in order, MAX_CANDIDATES_PER_BODY to a body', () => {
    const { subject, sent } = batch();
    subject.hold();
    const all = Array.from({ length: 2 * MAX_CANDIDATES_PER_BODY + 1 }, (_, i) => candidate(i));
    for (const c of all) subject.add(c);
    subject.release();
    expect(sent.map((body) => body.length)).toEqual([MAX_CANDIDATES_PER_BODY, MAX_CANDIDATES_PER_BODY, 1]);
    expect(sent.flat()).toEqual(all);
  });

  test('holding again (a new call) stops a pending window; clear drops what waits', () => {
    const { subject, sent, fire } = batch();
    subject.add(candidate(1));
    subject.hold();
    fire();
    expect(sent).toEqual([]);
    subject.clear();
    expect(subject.held).toBe(false);
    subject.release();
    expect(sent).toEqual([]);
  });
});
