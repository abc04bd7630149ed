/** Replays a key-rotation vector: a statement both keys signed opens; every other one raises its code. */
import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { keyRotationToBytes, openKeyRotation } from '../../crypto/key-rotation.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolErrorAsync } from '../support/protocol-errors.ts';

export async function checkCase(c: VectorCase): Promise<void> {
  const bytes = fromHex(c.bytes as string);
  if (c.label === 'valid') {
    const rotation = await openKeyRotation(nobleEd25519, bytes);
    expect(toHex(rotation.oldKey)).toBe((c.bytes as string).slice(2, 66));
    expect(toHex(keyRotationToBytes(rotation))).toBe(c.bytes);
    return;
  }
  if (c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  await expectProtocolErrorAsync(() => openKeyRotation(nobleEd25519, bytes), String(c.error));
}
