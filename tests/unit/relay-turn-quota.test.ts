import { describe, expect, it } from 'vitest';
import { createTurnQuota } from '../../relay/turn-quota.ts';

const limits = {
  turnBurstPerKey: 2,
  turnIntervalPerKeyMs: 1000,
  turnBurstPerIp: 3,
  turnIntervalPerIpMs: 500,
};

describe('TurnQuota', () => {
  it('bounds each key and each address, and a refusal spends from neither', () => {
    const quota = createTurnQuota(limits);
    expect([quota.take('k1', 'a', 0), quota.take('k1', 'a', 0), quota.take('k1', 'a', 0)]).toEqual([
      true,
      true,
      false,
    ]);
    // The address has one left; k1's refusal above did not take it.
    expect(quota.take('k2', 'a', 0)).toBe(true);
    expect(quota.take('k2', 'a', 0)).toBe(false);
    expect(quota.take('k2', 'b', 0)).toBe(true);
  });

  it('regains one per interval, never more than the burst', () => {
    const quota = createTurnQuota(limits);
    expect(quota.take('k', 'a', 0)).toBe(true);
    expect(quota.take('k', 'a', 0)).toBe(true);
    expect(quota.take('k', 'a', 999)).toBe(false);
    expect(quota.take('k', 'a', 1000)).toBe(true);
    expect(quota.take('k', 'a', 1500)).toBe(false);
    expect(quota.take('k', 'a', 100_000)).toBe(true);
    expect(quota.take('k', 'a', 100_000)).toBe(true);
    expect(quota.take('k', 'a', 100_000)).toBe(false);
  });

  it('forgets keys and addresses once their budgets are full again', () => {
    const quota = createTurnQuota(limits);
    quota.take('k', 'a', 0);
    expect(quota.size).toBe(2);
    quota.sweep(499);
    expect(quota.size).toBe(2);
    quota.sweep(1000);
    expect(quota.size).toBe(0);
  });
});
