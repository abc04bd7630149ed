/**
 * Replays a group-statement vector: a single statement opens with its recorded hash or raises its code; a
 * chain is applied by the group machine, its last statement applied (with the recorded head) or refused.
 */
import { expect } from 'vitest';
import { type GroupMachineState, headOf, step } from '../../client/core/group-machine.ts';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { openGroupStatement } from '../../crypto/group-statement.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolErrorAsync } from '../support/protocol-errors.ts';

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label !== 'valid' && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  if (Array.isArray(c.chain)) return checkChain(c);
  const bytes = fromHex(c.bytes as string);
  if (c.label === 'valid') {
    const statement = await openGroupStatement(nobleEd25519, bytes);
    expect(toHex(statement.hash)).toBe(c.hash);
    expect(toHex(statement.bytes)).toBe(c.bytes);
    return;
  }
  await expectProtocolErrorAsync(() => openGroupStatement(nobleEd25519, bytes), String(c.error));
}

async function checkChain(c: VectorCase): Promise<void> {
  const statements = await Promise.all(
    (c.chain as string[]).map((hex) => openGroupStatement(nobleEd25519, fromHex(hex))),
  );
  let state: GroupMachineState | null = null;
  let refused: string | undefined;
  for (const [i, statement] of statements.entries()) {
    const result = step(state, c.member as string, {
      type: 'statement',
      statement,
      from: toHex(statement.signer),
    });
    state = result.state;
    const error = result.effects.find((e) => e.type === 'refused');
    if (error?.type === 'refused') {
      expect(i, `statement ${i} refused early: ${error.error.code}`).toBe(statements.length - 1);
      refused = error.error.code;
    }
  }
  if (c.label === 'valid') {
    expect(refused).toBeUndefined();
    expect(toHex(headOf(state!).hash)).toBe(c.head);
  } else expect(refused).toBe(c.error);
}
