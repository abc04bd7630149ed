import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { compareScannable, safetyNumber } from '../../crypto/safety-number.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

export async function checkCase(c: VectorCase): Promise<void> {
  const localKey = fromHex(c.localKey as string);
  const remoteKey = fromHex(c.remoteKey as string);
  const run = () =>
    c.scanned === undefined
      ? safetyNumber(localKey, remoteKey)
      : compareScannable(localKey, remoteKey, fromHex(c.scanned as string));
  if (c.error !== undefined) {
    expectProtocolError(() => run(), String(c.error));
    expect(c.label).toBe('invalid');
    return;
  }
  const result = run();
  if (c.scanned === undefined) {
    const number = result as ReturnType<typeof safetyNumber>;
    expect(number.digits).toBe(c.digits);
    expect(toHex(number.scannable)).toBe(c.scannable);
    expect(c.label).toBe('valid');
  } else {
    expect(result).toBe(c.matches);
    expect(c.label).toBe(c.matches ? 'valid' : 'invalid');
  }
}
