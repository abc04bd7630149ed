/**
 * Replays a passkey-record vector: a valid record parses, re-encodes byte for byte, opens with its PRF output
 * to its vault key, and sealing that key again with the record's IV gives the same bytes; every other raises
 * its code.
 */

import { webcrypto } from 'node:crypto';
import { expect } from 'vitest';
import { unwrapVaultKey, wrapVaultKey } from '../../client/services/passkey-vault.ts';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { passkeyRecordFromBytes, passkeyRecordToBytes } from '../../crypto/passkey-wrap.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolErrorAsync } from '../support/protocol-errors.ts';

const subtle = webcrypto.subtle as SubtleCrypto;

export async function checkCase(c: VectorCase): Promise<void> {
  const bytes = fromHex(c.record as string);
  const prf = fromHex(c.prf as string);
  if (c.label === 'valid') {
    const record = passkeyRecordFromBytes(bytes);
    expect(toHex(passkeyRecordToBytes(record))).toBe(c.record);
    const vaultKey = await unwrapVaultKey(record, prf, subtle);
    expect(toHex(vaultKey)).toBe(c.vaultKey);
    const again = await wrapVaultKey(vaultKey, prf, record, { subtle, random: () => record.iv.slice() });
    expect(toHex(passkeyRecordToBytes(again))).toBe(c.record);
    return;
  }
  if (c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  await expectProtocolErrorAsync(
    async () => unwrapVaultKey(passkeyRecordFromBytes(bytes), prf, subtle),
    String(c.error),
  );
}
