import { sha256 } from '@noble/hashes/sha2.js';
import type { RandomSource } from '../../crypto/bytes.ts';
import { concatBytes, u32be, utf8 } from '../../crypto/bytes.ts';

/** Not secure: a reproducible RandomSource for vectors and tests (SHA-256 of label || counter). */
export function deterministicRandom(label: string): RandomSource {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (length: number) => {
    while (pool.length < length) pool = concatBytes(pool, sha256(concatBytes(utf8(label), u32be(counter++))));
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}
