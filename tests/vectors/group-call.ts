/** Replays a group call vector: a body decoded and encoded back to its bytes, a refusal, or a leg call id. */
import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { decodeGroupCallBody, encodeGroupCallBody, legCallId } from '../../crypto/group-call-body.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

interface BodyJson {
  action: string;
  groupId: string;
  callId: string;
  media: string;
  reason: string;
  sentAt: number;
  participants: string[];
}

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label !== 'valid' && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  if (c.kind === 'leg') {
    const id = legCallId(
      fromHex(c.callId as string),
      fromHex(c.offerer as string),
      fromHex(c.answerer as string),
    );
    expect(toHex(id)).toBe(c.legCallId);
    return;
  }
  const payload = fromHex(c.payload as string);
  if (c.label === 'invalid') {
    expectProtocolError(() => decodeGroupCallBody(c.kind as number, payload), String(c.error));
    return;
  }
  const json = c.body as BodyJson;
  const body = decodeGroupCallBody(c.kind as number, payload);
  expect({
    ...body,
    groupId: toHex(body.groupId),
    callId: toHex(body.callId),
    participants: body.participants.map(toHex),
  }).toEqual(json);
  const encoded = encodeGroupCallBody(body);
  expect(encoded.kind).toBe(c.kind);
  expect(toHex(encoded.payload)).toBe(c.payload);
}
