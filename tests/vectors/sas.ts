/** Replays a SAS vector: the commitment and the words of a call, or a reveal checked against a commitment. */
import { expect } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { type DtlsFingerprint, parseFingerprint } from '../../crypto/dtls-fingerprint.ts';
import { checkSasReveal, deriveSas, type SasParty, sasCommitment } from '../../crypto/sas.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

interface PartyJson {
  identityKey: string;
  fingerprint: DtlsFingerprint;
  nonce: string;
}

const party = (json: PartyJson): SasParty => ({
  identityKey: fromHex(json.identityKey),
  fingerprint: parseFingerprint(json.fingerprint.algorithm, json.fingerprint.value),
  nonce: fromHex(json.nonce),
});

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label !== 'valid' && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  const callId = fromHex(c.callId as string);
  if (c.kind === 'sas') {
    expect(c.label).toBe('valid');
    const caller = party(c.caller as PartyJson);
    const callee = party(c.callee as PartyJson);
    expect(toHex(sasCommitment(callId, caller.nonce))).toBe(c.commitment);
    checkSasReveal(callId, fromHex(c.commitment as string), caller.nonce);
    const sas = deriveSas(callId, caller, callee);
    expect(toHex(sas.bytes)).toBe(c.bytes);
    expect(sas.words).toEqual(c.words);
    return;
  }
  if (c.kind !== 'reveal') throw new Error(`unknown kind ${String(c.kind)}`);
  const reveal = () => checkSasReveal(callId, fromHex(c.commitment as string), fromHex(c.nonce as string));
  if (c.label === 'valid') reveal();
  else expectProtocolError(reveal, String(c.error));
}
