/**
 * Handshake and session-envelope vectors, from fixed seeds. The checker (tests/vectors/session.ts) replays
 * them with our code and re-derives the valid ones with an independent stack (libsodium + node:crypto).
 */
import { toHex, utf8 } from '../../../crypto/bytes.ts';
import { nobleEd25519 } from '../../../crypto/ed25519.ts';
import { MESSAGE_KIND, newSessionState, type SessionState, sealEnvelope } from '../../../crypto/envelope.ts';
import {
  createAccept,
  createInit,
  openAccept,
  openInit,
  type SessionKeys,
} from '../../../crypto/handshake.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

export const NOW = 1_790_000_000_000;
export const seedOf = (name: string) => deterministicRandom(`vector-identity:${name}`)(32);
export const handshakeRandom = (label: string) => deterministicRandom(`vector-handshake:${label}`);

const receiverFields = (keys: SessionKeys) => ({
  receiverRole: keys.role,
  sessionId: toHex(keys.sessionId),
  receiverKey: toHex(keys.localKey),
  senderKey: toHex(keys.peerKey),
  receiveKey: toHex(keys.receiveKey),
});

export default async function generate(): Promise<VectorFile> {
  const [alice, bob, carol] = await Promise.all(
    ['alice', 'bob', 'carol'].map((n) => identityFromSeed(nobleEd25519, seedOf(n))),
  );
  const random = handshakeRandom('alice-bob');
  const init = await createInit(alice!, bob!.publicKey, random, NOW);
  const accept = await createAccept(bob!, await openInit(bob!, init.bytes, nobleEd25519), random);
  const aliceKeys = await openAccept(alice!, init.pending, accept.bytes, nobleEd25519);
  const cases: VectorCase[] = [];

  cases.push({
    label: 'valid',
    comment: 'handshake alice -> bob: INIT and ACCEPT bytes from fixed seeds, and the keys both sides derive',
    type: 'handshake',
    initiatorSeed: toHex(seedOf('alice')),
    responderSeed: toHex(seedOf('bob')),
    randomLabel: 'alice-bob',
    now: NOW,
    init: toHex(init.bytes),
    accept: toHex(accept.bytes),
    sessionId: toHex(aliceKeys.sessionId),
    initiatorToResponderKey: toHex(aliceKeys.sendKey),
    responderToInitiatorKey: toHex(aliceKeys.receiveKey),
  });
  const tamperedInit = init.bytes.slice();
  tamperedInit[100]! ^= 0x01;
  cases.push({
    label: 'invalid',
    comment: 'INIT with one ciphertext bit flipped',
    type: 'init',
    responderSeed: toHex(seedOf('bob')),
    bytes: toHex(tamperedInit),
    error: 'decrypt-failed',
  });
  cases.push({
    label: 'invalid',
    comment: 'INIT for bob delivered to carol',
    type: 'init',
    responderSeed: toHex(seedOf('carol')),
    bytes: toHex(init.bytes),
    error: 'decrypt-failed',
  });
  cases.push({
    label: 'invalid',
    comment: 'INIT with version 2',
    type: 'init',
    responderSeed: toHex(seedOf('bob')),
    bytes: toHex(Uint8Array.of(2, ...init.bytes.subarray(1))),
    error: 'bad-version',
  });
  cases.push({
    label: 'invalid',
    comment: 'INIT truncated by one byte',
    type: 'init',
    responderSeed: toHex(seedOf('bob')),
    bytes: toHex(init.bytes.subarray(0, init.bytes.length - 1)),
    error: 'bad-length',
  });

  let aliceState: SessionState = newSessionState(aliceKeys);
  const bobReceives = receiverFields(accept.keys);
  const sealed: Uint8Array[] = [];
  for (const [kind, body] of [
    [MESSAGE_KIND.chat, 'hello bob'],
    [MESSAGE_KIND.iceCandidate, 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host'],
    [MESSAGE_KIND.typing, ''],
    // Key confirmation: what an initiator with nothing queued sends right after ACCEPT.
    [MESSAGE_KIND.sessionConfirm, ''],
  ] as const) {
    const out = await sealEnvelope(aliceState, alice!.signer, kind, utf8(body));
    aliceState = out.state;
    sealed.push(out.bytes);
    cases.push({
      label: 'valid',
      comment: `alice -> bob envelope #${sealed.length - 1}, kind ${kind}`,
      type: 'envelope',
      ...bobReceives,
      before: [],
      bytes: toHex(out.bytes),
      kind,
      body: toHex(utf8(body)),
    });
  }
  const back = await sealEnvelope(
    newSessionState(accept.keys),
    bob!.signer,
    MESSAGE_KIND.receipt,
    utf8('read:0'),
  );
  cases.push({
    label: 'valid',
    comment: 'bob -> alice envelope #0 (the other direction, other key, direction byte 1 in the nonce)',
    type: 'envelope',
    ...receiverFields(aliceKeys),
    before: [],
    bytes: toHex(back.bytes),
    kind: MESSAGE_KIND.receipt,
    body: toHex(utf8('read:0')),
  });
  const invalidEnvelope = (
    comment: string,
    bytes: Uint8Array,
    error: string,
    before: Uint8Array[] = [],
    fields = bobReceives,
  ) =>
    cases.push({
      label: 'invalid',
      comment,
      type: 'envelope',
      ...fields,
      before: before.map(toHex),
      bytes: toHex(bytes),
      error,
    });
  const flip = (bytes: Uint8Array, index: number) => {
    const copy = bytes.slice();
    copy[index]! ^= 0x80;
    return copy;
  };
  invalidEnvelope('replayed: envelope #0 a second time', sealed[0]!, 'replayed', [sealed[0]!]);
  invalidEnvelope(
    'counter field changed (header is bound through the nonce)',
    flip(sealed[1]!, 21),
    'decrypt-failed',
  );
  invalidEnvelope('session id changed', flip(sealed[0]!, 5), 'unknown-session');
  invalidEnvelope('last tag byte flipped', flip(sealed[0]!, sealed[0]!.length - 1), 'decrypt-failed');
  invalidEnvelope('truncated below the minimum length', sealed[0]!.subarray(0, 40), 'bad-length');
  invalidEnvelope('one byte appended', Uint8Array.of(...sealed[0]!, 0), 'decrypt-failed');
  invalidEnvelope('reflected to its sender', sealed[0]!, 'decrypt-failed', [], receiverFields(aliceKeys));
  const aliceCarol = await createInit(alice!, carol!.publicKey, handshakeRandom('alice-carol'), NOW);
  const carolAccept = await createAccept(
    carol!,
    await openInit(carol!, aliceCarol.bytes, nobleEd25519),
    handshakeRandom('alice-carol'),
  );
  const carolReceives = receiverFields(carolAccept.keys);
  const readdressed = sealed[0]!.slice();
  readdressed.set(carolAccept.keys.sessionId, 2);
  invalidEnvelope(
    're-addressed: alice->bob envelope given to carol under her own session id',
    readdressed,
    'decrypt-failed',
    [],
    carolReceives,
  );
  return {
    about: 'Tincan session handshake (INIT, ACCEPT, derived keys) and session envelopes: spec/sessions.md.',
    source: 'Generated by spec/vectors/gen/session.ts from fixed seeds (SHA-256 counter-mode labels).',
    cases,
  };
}
