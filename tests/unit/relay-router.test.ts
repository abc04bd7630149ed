import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { createLocalRouter } from '../../relay/local-router.ts';
import { addressBytes, addressKey, type Endpoint } from '../../relay/router.ts';

function endpoint() {
  const frames: string[] = [];
  let kicks = 0;
  const self: Endpoint & { frames: string[]; kicks(): number } = {
    frames,
    kicks: () => kicks,
    deliver: (frame) => frames.push(toHex(frame)),
    kick: () => {
      kicks++;
    },
  };
  return self;
}

describe('AddressKey', () => {
  it('round-trips every 32-byte address, whether a Buffer, a Uint8Array or a view into a frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 8 }), (address, at) => {
        const key = addressKey(address);
        expect(key.length).toBe(32);
        expect(toHex(addressBytes(key))).toBe(toHex(address));
        const framed = new Uint8Array(at + 40);
        framed.set(address, at);
        expect(addressKey(framed.subarray(at, at + 32))).toBe(key);
        expect(addressKey(Buffer.from(framed).subarray(at, at + 32))).toBe(key);
      }),
    );
  });

  it('refuses wrong types and lengths', () => {
    expect(() => addressKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => addressKey(new Uint8Array(33))).toThrow(RangeError);
    expect(() => addressKey('x'.repeat(32) as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => addressBytes(new Uint8Array(32) as never)).toThrow(TypeError);
    expect(() => addressBytes('short' as never)).toThrow(TypeError);
  });
});

describe('createLocalRouter', () => {
  const alice = new Uint8Array(32).fill(1);
  const bob = new Uint8Array(32).fill(2);

  it('answers synchronously: a local route costs no promise', () => {
    const router = createLocalRouter();
    const holder = endpoint();
    expect(router.attach(alice, holder)).toBeUndefined();
    const taken = router.route(alice, Uint8Array.of(7));
    expect(taken).toBe(true);
    expect(holder.frames).toEqual(['07']);
    expect(router.route(bob, Uint8Array.of(8))).toBe(false);
    expect(router.detach(alice, holder)).toBeUndefined();
    expect(router.route(alice, Uint8Array.of(9))).toBe(false);
  });

  it('newest wins: the older holder is kicked, and its late detach leaves the newer one in place', () => {
    const router = createLocalRouter();
    const [old, newer] = [endpoint(), endpoint()];
    router.attach(alice, old);
    router.attach(alice, newer);
    expect([old.kicks(), newer.kicks()]).toEqual([1, 0]);
    router.detach(alice, old);
    expect(router.route(alice, Uint8Array.of(1))).toBe(true);
    expect(newer.frames).toEqual(['01']);
    expect(old.frames).toEqual([]);
  });

  it('refuses addresses that are not 32 bytes, naming the argument', () => {
    const router = createLocalRouter();
    expect(() => router.route('x'.repeat(32) as never, Uint8Array.of(1))).toThrow(/recipient/);
    expect(() => router.route(new Uint8Array(31), Uint8Array.of(1))).toThrow(RangeError);
    expect(() => router.attach(new Uint8Array(33), endpoint())).toThrow(/address/);
    expect(() => router.detach(null as never, endpoint())).toThrow(TypeError);
  });
});
