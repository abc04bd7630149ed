/** The browser's CSPRNG as the RandomSource that crypto/ takes. */
import type { RandomSource } from '../../crypto/bytes.ts';

/** getRandomValues fills at most 65536 bytes per call. */
const MAX_RANDOM_CHUNK = 65536;

export function webRandom(source: Crypto = globalThis.crypto): RandomSource {
  return (length: number) => {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new RangeError(`length must be >= 0, got ${length}`);
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += MAX_RANDOM_CHUNK) {
      source.getRandomValues(out.subarray(offset, Math.min(length, offset + MAX_RANDOM_CHUNK)));
    }
    return out;
  };
}
