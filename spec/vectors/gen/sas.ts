/**
 * Short authentication strings, computed here with node:crypto (SHA-256, HKDF) independently of crypto/sas.ts;
 * only the word list is taken from the module (it is data, and the checker compares the words it names).
 * Valid cases: a commitment that opens, and the SAS of a call. Invalid cases: reveals that do not open the
 * commitment. Cases sharing a `group` show that changing any one input changes the words.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { concatBytes, toHex, utf8 } from '../../../crypto/bytes.ts';
import { nobleEd25519 } from '../../../crypto/ed25519.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { SAS_WORDS } from '../../../crypto/sas.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const framed = (...parts: Uint8Array[]) =>
  concatBytes(...parts.flatMap((p) => [Uint8Array.of(p.length >> 8, p.length & 0xff), p]));

const commit = (callId: Uint8Array, nonce: Uint8Array) =>
  new Uint8Array(
    createHash('sha256').update(utf8('tincan-sas-commit-v1\0')).update(callId).update(nonce).digest(),
  );

interface Party {
  key: Uint8Array;
  fingerprint: Uint8Array; // byte form: hash code 4 | sha-256 digest
  nonce: Uint8Array;
}

function sas(callId: Uint8Array, caller: Party, callee: Party): Uint8Array {
  const ikm = framed(
    callId,
    caller.key,
    caller.fingerprint,
    caller.nonce,
    callee.key,
    callee.fingerprint,
    callee.nonce,
  );
  return new Uint8Array(hkdfSync('sha256', ikm, utf8('tincan-sas-v1'), utf8('words'), 4));
}

const colonHex = (digest: Uint8Array) =>
  Array.from(digest, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/sas');
  const [alice, bob, mallory] = await Promise.all(
    [1, 2, 3].map(() => identityFromSeed(nobleEd25519, random(32))),
  );
  const fingerprint = () => concatBytes(Uint8Array.of(4), random(32));
  const callId = random(16);
  const caller: Party = { key: alice!.publicKey, fingerprint: fingerprint(), nonce: random(32) };
  const callee: Party = { key: bob!.publicKey, fingerprint: fingerprint(), nonce: random(32) };
  const party = (p: Party) => ({
    identityKey: toHex(p.key),
    fingerprint: { algorithm: 'sha-256', value: colonHex(p.fingerprint.subarray(1)) },
    nonce: toHex(p.nonce),
  });
  const cases: VectorCase[] = [];
  const call = (comment: string, id: Uint8Array, a: Party, b: Party) => {
    const bytes = sas(id, a, b);
    cases.push({
      label: 'valid',
      comment,
      kind: 'sas',
      callId: toHex(id),
      caller: party(a),
      callee: party(b),
      commitment: toHex(commit(id, a.nonce)),
      bytes: toHex(bytes),
      words: Array.from(bytes, (byte) => SAS_WORDS[byte]),
    });
  };
  call('Alice calls Bob', callId, caller, callee);
  call(
    'Bob calls Alice with the same values: roles order the inputs, so the words differ',
    callId,
    callee,
    caller,
  );
  call('Mallory’s key in place of Bob’s (a third identity)', callId, caller, {
    ...callee,
    key: mallory!.publicKey,
  });
  call('another callee certificate', callId, caller, { ...callee, fingerprint: fingerprint() });
  call('another caller nonce', callId, { ...caller, nonce: random(32) }, callee);
  call('another call id', random(16), caller, callee);

  const reveal = (label: 'valid' | 'invalid', comment: string, commitment: Uint8Array, nonce: Uint8Array) =>
    cases.push({
      label,
      comment,
      kind: 'reveal',
      callId: toHex(callId),
      commitment: toHex(commitment),
      nonce: toHex(nonce),
      ...(label === 'invalid' ? { error: 'bad-commitment' } : {}),
    });
  const commitment = commit(callId, caller.nonce);
  reveal('valid', 'the caller reveals the nonce it committed to', commitment, caller.nonce);
  reveal('invalid', 'a different nonce', commitment, random(32));
  const flipped = caller.nonce.slice();
  flipped[31]! ^= 1;
  reveal('invalid', 'the committed nonce with its last bit flipped', commitment, flipped);
  reveal('invalid', 'the callee’s nonce in place of the caller’s', commitment, callee.nonce);
  reveal('invalid', 'the right nonce for another call id', commit(random(16), caller.nonce), caller.nonce);

  return {
    about:
      'Short authentication strings (crypto/sas.ts, spec/drafts/calls.md). kind "sas": `commitment` = SHA-256("tincan-sas-commit-v1\\0" | callId | caller.nonce) and the four `words` (HKDF output `bytes`) both sides derive. kind "reveal": checking `nonce` against `commitment` for `callId` passes (valid) or raises ProtocolError `error` (invalid).',
    source:
      'spec/vectors/gen/sas.ts: node:crypto SHA-256 and HKDF over deterministicRandom("tincan/spec/vectors/sas") keys, fingerprints and nonces',
    cases,
  };
}
