import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { encodeContactCode, parseContactInput } from '../../crypto/contact-code.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label === 'invalid') {
    expectProtocolError(() => parseContactInput(c.input as string), String(c.error));
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
