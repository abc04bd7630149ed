import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { relayAuthMessage, signRelayAuth, verifyRelayAuth } from '../../crypto/relay-auth.ts';
import {
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
  type RelayFrame,
} from '../../crypto/relay-frames.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

/** Byte fields as hex, so a decoded frame compares with the JSON in the vector file. */
const hexFields = (frame: RelayFrame): object =>
  Object.fromEntries(Object.entries(frame).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]));

const bytesFields = (decoded: Record<string, unknown>): RelayFrame =>
  Object.fromEntries(
    Object.entries(decoded).map(([k, v]) =>
      ['nonce', 'publicKey', 'signature', 'recipient', 'envelope'].includes(k)
        ? [k, fromHex(v as string)]
        : [k, v],
    ),
  ) as RelayFrame;

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.kind === 'auth') return checkAuth(c);
  const bytes = fromHex(c.frame as string);
  const decode = c.kind === 'client-frame' ? decodeClientFrame : decodeServerFrame;
  if (c.label === 'invalid') {
    expectProtocolError(() => decode(bytes), String(c.error));
    return;
  }
  expect(hexFields(decode(bytes))).toEqual(c.decoded);
  expect(toHex(encodeFrame(bytesFields(c.decoded as Record<string, unknown>)))).toBe(c.frame);
}

async function checkAuth(c: VectorCase): Promise<void> {
  const challenge = fromHex(c.challenge as string);
  const origin = c.origin as string;
  const publicKey = fromHex(c.publicKey as string);
  const signature = fromHex(c.signature as string);
  expect(toHex(relayAuthMessage(challenge, origin))).toBe(c.message);
  const expected = c.label === 'valid';
  for (const backend of [nodeEd25519(), nobleEd25519]) {
    expect(await verifyRelayAuth(backend, challenge, origin, publicKey, signature), backend.name).toBe(
      expected,
    );
  }
  if (expected) {
    const identity = await identityFromSeed(nobleEd25519, fromHex(c.seed as string));
    expect(toHex(identity.publicKey)).toBe(c.publicKey);
    expect(toHex(await signRelayAuth(identity.signer, challenge, origin))).toBe(c.signature);
  }
}
