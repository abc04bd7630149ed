/** Replays a group-body vector: a valid frame decodes to its body and encodes back; an invalid one raises its code. */
import { expect } from 'vitest';
import { type ChatBody, decodeBody, encodeBody } from '../../client/core/chat-protocol.ts';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

/** Statements travel as bytes; the vector writes them as hex. */
function asJson(body: ChatBody): unknown {
  if (body.type === 'group' && body.payload.kind === 'statement')
    return { ...body, payload: { kind: 'statement', statement: toHex(body.payload.statement) } };
  return body;
}

function fromJson(body: Record<string, unknown>): ChatBody {
  const payload = body.payload as Record<string, unknown> | undefined;
  if (payload?.kind === 'statement')
    return {
      ...body,
      payload: { kind: 'statement', statement: fromHex(payload.statement as string) },
    } as ChatBody;
  return body as unknown as ChatBody;
}

export async function checkCase(c: VectorCase): Promise<void> {
  const bytes = fromHex(c.bytes as string);
  const kind = c.kind as number;
  if (c.label === 'valid') {
    expect(asJson(decodeBody(kind, bytes))).toEqual(c.body);
    const encoded = encodeBody(fromJson(c.body as Record<string, unknown>));
    expect(encoded.kind).toBe(kind);
    expect(toHex(encoded.bytes)).toBe(c.bytes);
    return;
  }
  if (c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  expectProtocolError(() => decodeBody(kind, bytes), String(c.error));
}
