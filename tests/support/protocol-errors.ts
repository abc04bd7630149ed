import { expect } from 'vitest';
import { isProtocolError, type ProtocolErrorCode } from '../../crypto/errors.ts';

/** The ProtocolError code `fn` throws, a marker string for any other throw, undefined if it returns. */
export function protocolErrorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isProtocolError(error) ? error.code : `not a ProtocolError: ${String(error)}`;
  }
  return undefined;
}

export function expectProtocolError(fn: () => unknown, code: ProtocolErrorCode | string): void {
  expect(protocolErrorCodeOf(fn), `expected ProtocolError ${code}`).toBe(code);
}

/** As expectProtocolError, for a function whose promise rejects. */
export async function expectProtocolErrorAsync(
  fn: () => Promise<unknown>,
  code: ProtocolErrorCode | string,
): Promise<void> {
  let got: string | undefined;
  try {
    await fn();
  } catch (error) {
    got = isProtocolError(error) ? error.code : `not a ProtocolError: ${String(error)}`;
  }
  expect(got, `expected ProtocolError ${code}`).toBe(code);
}
