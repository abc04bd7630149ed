import { describe, expect, it } from 'vitest';
import { median, pairedRatio, spread } from '../bench/support/stats.ts';
import {
  atLeast,
  atMost,
  FAIL_MARK,
  NO_GOAL,
  PASS_MARK,
  renderTable,
  verdictMark,
} from '../bench/support/table.ts';
import { runAlternating, timeTurn } from '../bench/support/timing.ts';

describe('bench stats', () => {
  it('median of odd and even counts, unsorted input left untouched', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('pairedRatio is the median of per-round ratios, not the ratio of medians', () => {
    // Round 2 is slow for both; pairing cancels it.
    expect(pairedRatio([10, 2, 10], [20, 4, 20])).toBe(0.5);
    expect(pairedRatio([1, 100, 3], [1, 1, 1])).toBe(3);
    expect(() => pairedRatio([1], [1, 2])).toThrow(RangeError);
  });

  it('spread', () => {
    expect(spread([3, 1, 2])).toEqual({ min: 1, max: 3 });
    expect(() => spread([])).toThrow(RangeError);
  });
});

describe('bench tables', () => {
  it('aligns columns and prints notes', () => {
    const text = renderTable({
      title: 'T',
      columns: [{ header: 'path' }, { header: 'ops/s', align: 'right' }],
      rows: [
        ['a', '1'],
        ['long name', '1,000'],
      ],
      notes: ['note'],
    });
    expect(text.split('\n')).toEqual([
      'T',
      'path       ops/s',
      '---------  -----',
      'a              1',
      'long name  1,000',
      '  note',
    ]);
  });

  it('rejects a row with the wrong number of cells', () => {
    expect(() => renderTable({ title: 'T', columns: [{ header: 'a' }], rows: [['1', '2']] })).toThrow(
      RangeError,
    );
  });

  it('goals and marks', () => {
    expect(atLeast(0.5).text).toBe('≥ 0.50×');
    expect(verdictMark(atLeast(0.5), 0.5)).toBe(PASS_MARK);
    expect(verdictMark(atLeast(0.5), 0.49)).toBe(FAIL_MARK);
    expect(verdictMark(atMost(10, ' ms'), 11)).toBe(FAIL_MARK);
    expect(verdictMark(undefined, 0)).toBe(NO_GOAL);
  });
});

describe('bench timing', () => {
  it('a turn stops at maxOps even with time left, and runs at least once', async () => {
    let calls = 0;
    const rate = await timeTurn(() => calls++, 10_000, 5);
    expect(calls).toBe(5);
    expect(rate).toBeGreaterThan(0);
    calls = 0;
    await timeTurn(() => new Promise((resolve) => setTimeout(() => resolve(calls++), 20)), 1, 1000);
    expect(calls).toBe(1);
  });

  it('a turn stops when its time is up', async () => {
    let calls = 0;
    const start = performance.now();
    await timeTurn(() => new Promise((resolve) => setTimeout(() => resolve(calls++), 5)), 50, 1_000_000);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(50);
  });

  it('contenders alternate round by round, after one warm-up each', async () => {
    const order: string[] = [];
    const samples = await runAlternating(
      [
        { name: 'A', run: () => order.push('A') },
        { name: 'B', run: () => order.push('B') },
      ],
      { rounds: 3, roundMs: 1000, maxOpsPerRound: 1, warmupMs: 1 },
    );
    expect(order.join('')).toBe('AB' + 'ABABAB');
    expect(samples.get('A')).toHaveLength(3);
    expect(samples.get('B')).toHaveLength(3);
  });

  it('rejects bad limits and duplicate names', async () => {
    await expect(timeTurn(() => 0, 0, 1)).rejects.toThrow(RangeError);
    await expect(timeTurn(() => 0, 1, 0)).rejects.toThrow(RangeError);
    const limits = { rounds: 1, roundMs: 1, maxOpsPerRound: 1, warmupMs: 0 };
    await expect(runAlternating([], { ...limits, rounds: 0 })).rejects.toThrow(RangeError);
    const twice = [
      { name: 'A', run: () => 0 },
      { name: 'A', run: () => 0 },
    ];
    await expect(runAlternating(twice, limits)).rejects.toThrow(RangeError);
  });
});
