/**
 * A RandomSource that serves small requests (challenge nonces, TURN labels) from a pool refilled by one
 * CSPRNG call per `poolBytes`, instead of one call per request. Every request gets a fresh copy; the pool
 * bytes it took are zeroed, so no value is ever handed out twice. Challenges and labels are public once
 * sent, so pooling them costs no secrecy; do not use this for keys.
 */
import type { RandomSource } from '../crypto/bytes.ts';

export function pooledRandom(fill: (target: Uint8Array) => void, poolBytes = 8192): RandomSource {
  if (!Number.isInteger(poolBytes) || poolBytes < 1)
    throw new RangeError(`poolBytes must be a positive integer, got ${poolBytes}`);
  const pool = new Uint8Array(poolBytes);
  let offset = poolBytes;
  return (length: number) => {
    if (!Number.isInteger(length) || length < 0)
      throw new RangeError(`length must be a non-negative integer, got ${length}`);
    if (length > poolBytes) {
      const out = new Uint8Array(length);
      fill(out);
      return out;
    }
    if (offset + length > poolBytes) {
      fill(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + length);
    pool.fill(0, offset, offset + length);
    offset += length;
    return out;
  };
}
