import { describe, expect, it } from 'vitest';
import { pooledRandom } from '../../relay/pooled-random.ts';

/** A fill that writes a running counter, so every byte handed out can be told apart. */
function countingFill() {
  let next = 0;
  const calls: number[] = [];
  return {
    calls,
    fill(target: Uint8Array) {
      calls.push(target.length);
      for (let i = 0; i < target.length; i++) target[i] = next++ & 0xff;
    },
  };
}

describe('pooledRandom', () => {
  it('serves small requests from one fill per pool and never hands out the same bytes twice', () => {
    const source = countingFill();
    const random = pooledRandom(source.fill, 256);
    const outputs = Array.from({ length: 16 }, () => random(32)); // 512 bytes: two pools
    expect(source.calls).toEqual([256, 256]);
    const all = outputs.flatMap((o) => [...o]);
    expect(all).toEqual(Array.from({ length: 512 }, (_, i) => i & 0xff));
  });

  it('returns fresh copies: changing one changes nothing else', () => {
    const source = countingFill();
    const random = pooledRandom(source.fill, 64);
    const first = random(8);
    first.fill(0xff);
    const second = random(8);
    expect([...second]).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(second.buffer).not.toBe(first.buffer);
  });

  it('starts a new pool rather than split a request, and fills large requests directly', () => {
    const source = countingFill();
    const random = pooledRandom(source.fill, 64);
    random(40);
    random(40); // 24 left: a fresh pool
    expect(source.calls).toEqual([64, 64]);
    expect(random(100).length).toBe(100);
    expect(source.calls).toEqual([64, 64, 100]);
    expect(random(0).length).toBe(0);
  });

  it('refuses bad lengths and pool sizes', () => {
    const random = pooledRandom(countingFill().fill, 64);
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => random(bad)).toThrow(RangeError);
    for (const bad of [0, -1, 2.5]) expect(() => pooledRandom(() => {}, bad)).toThrow(RangeError);
  });
});
