/**
 * Replays a call signalling vector: valid payloads decode to the recorded body and the body encodes back to
 * the same payload; invalid ones raise the recorded ProtocolError code.
 */
import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { type CallBody, decodeCallBody, encodeCallBody } from '../../crypto/call-signaling.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

const BYTE_FIELDS = ['callId', 'sasCommitment', 'sasNonce', 'nonce'] as const;

/** Bytes as hex, as the vector files write them. */
export function bodyToJson(body: CallBody): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const field of BYTE_FIELDS) if (out[field] instanceof Uint8Array) out[field] = toHex(out[field]);
  return out;
}

export function bodyFromJson(json: Record<string, unknown>): CallBody {
  const out: Record<string, unknown> = { ...json };
  for (const field of BYTE_FIELDS) if (typeof out[field] === 'string') out[field] = fromHex(out[field]);
  return out as unknown as CallBody;
}

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label !== 'valid' && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  const kind = c.kind as number;
  const payload = fromHex(c.payload as string);
  if (c.label === 'invalid') {
    expectProtocolError(() => decodeCallBody(kind, payload), String(c.error));
    return;
  }
  const body = decodeCallBody(kind, payload);
  expect(bodyToJson(body)).toEqual(c.body);
  const encoded = encodeCallBody(bodyFromJson(c.body as Record<string, unknown>));
  expect(encoded.kind).toBe(kind);
  expect(toHex(encoded.payload)).toBe(c.payload);
}
