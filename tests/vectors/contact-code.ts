import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { encodeContactCode, parseContactInput } from '../../crypto/contact-code.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label === 'invalid') {
    let thrown: unknown;
    try {
      parseContactInput(c.input as string);
    } catch (error) {
      thrown = error;
    }
    expect(
      isProtocolError(thrown, c.error as never),
      `expected ProtocolError ${String(c.error)}, got ${String(thrown)}`,
    ).toBe(true);
    return;
  }
  const contact = {
    publicKey: fromHex(c.publicKey as string),
    ...(c.displayName !== undefined && { displayName: c.displayName as string }),
    ...(c.relayUrl !== undefined && { relayUrl: c.relayUrl as string }),
  };
  expect(encodeContactCode(contact)).toBe(c.code);
  const decoded = parseContactInput((c.input ?? c.code) as string);
  expect({ ...decoded, publicKey: toHex(decoded.publicKey) }).toEqual({ ...contact, publicKey: c.publicKey });
}
