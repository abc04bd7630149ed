import { createHash, hkdfSync } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { expect } from 'vitest';
import { concatBytes, fromHex, toHex, u64be, utf8 } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { newSessionState, openEnvelope, type SessionState } from '../../crypto/envelope.ts';
import type { ProtocolError } from '../../crypto/errors.ts';
import { createAccept, createInit, openAccept, openInit, type SessionKeys } from '../../crypto/handshake.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { handshakeRandom } from '../../spec/vectors/gen/session.ts';

const backend = nodeEd25519();
const hex = (value: unknown): Uint8Array => fromHex(String(value));

/** Re-derives a valid handshake with libsodium + node:crypto only: nothing of crypto/ is used. */
async function independentHandshakeCheck(c: VectorCase): Promise<void> {
  await sodium.ready;
  const responder = sodium.crypto_sign_seed_keypair(hex(c.responderSeed));
  const initiator = sodium.crypto_sign_seed_keypair(hex(c.initiatorSeed));
  const responderBox = sodium.crypto_sign_ed25519_sk_to_curve25519(responder.privateKey);
  const responderBoxPublic = sodium.crypto_sign_ed25519_pk_to_curve25519(responder.publicKey);
  const init = hex(c.init);
  const ei = init.subarray(2, 34);
  const initNonce = sodium
    .crypto_hash(concatBytes(utf8('tincan-init-nonce-v1'), ei, responderBoxPublic))
    .subarray(0, 24);
  const plain = sodium.crypto_box_open_easy(init.subarray(34), initNonce, ei, responderBox);
  expect(toHex(plain.subarray(0, 32))).toBe(toHex(initiator.publicKey));
  const sid = plain.subarray(32, 48);
  const ts = plain.subarray(48, 56);
  expect(ts).toEqual(u64be(Number(c.now)));
  const initSigned = concatBytes(
    utf8('tincan-handshake-init-v1\0'),
    Uint8Array.of(1),
    responder.publicKey,
    initiator.publicKey,
    ei,
    sid,
    ts,
  );
  expect(sodium.crypto_sign_verify_detached(plain.subarray(56, 120), initSigned, initiator.publicKey)).toBe(
    true,
  );
  const accept = hex(c.accept);
  expect(accept.subarray(2, 18)).toEqual(sid);
  const er = accept.subarray(18, 50);
  // The responder's ephemeral secret is not on the wire; libsodium checks what the initiator can check.
  const shared = sodium.crypto_scalarmult(handshakeRandom(String(c.randomLabel))(32), er);
  const transcript = concatBytes(Uint8Array.of(1), initiator.publicKey, responder.publicKey, ei, er, sid, ts);
  const salt = createHash('sha256')
    .update(concatBytes(utf8('tincan-transcript-v1\0'), transcript))
    .digest();
  const okm = new Uint8Array(hkdfSync('sha256', shared, salt, utf8('tincan-session-keys-v1'), 64));
  expect(toHex(okm.subarray(0, 32))).toBe(c.initiatorToResponderKey);
  expect(toHex(okm.subarray(32))).toBe(c.responderToInitiatorKey);
}

async function checkHandshake(c: VectorCase): Promise<void> {
  const initiator = await identityFromSeed(backend, hex(c.initiatorSeed));
  const responder = await identityFromSeed(backend, hex(c.responderSeed));
  const random = handshakeRandom(String(c.randomLabel));
  const init = await createInit(initiator, responder.publicKey, random, Number(c.now));
  expect(toHex(init.bytes)).toBe(c.init);
  const opened = await openInit(responder, init.bytes, nobleEd25519);
  const accept = await createAccept(responder, opened, random);
  expect(toHex(accept.bytes)).toBe(c.accept);
  const keys = await openAccept(initiator, init.pending, accept.bytes, backend);
  expect(toHex(keys.sessionId)).toBe(c.sessionId);
  expect(toHex(keys.sendKey)).toBe(c.initiatorToResponderKey);
  expect(toHex(keys.receiveKey)).toBe(c.responderToInitiatorKey);
  await independentHandshakeCheck(c);
}

function receiverState(c: VectorCase): SessionState {
  const keys: SessionKeys = {
    sessionId: hex(c.sessionId),
    role: c.receiverRole === 'initiator' ? 'initiator' : 'responder',
    localKey: hex(c.receiverKey),
    peerKey: hex(c.senderKey),
    receiveKey: hex(c.receiveKey),
    sendKey: new Uint8Array(32),
  };
  return newSessionState(keys);
}

async function checkEnvelope(c: VectorCase): Promise<void> {
  let state = receiverState(c);
  for (const earlier of c.before as string[])
    state = (await openEnvelope(state, fromHex(earlier), backend)).state;
  const result = openEnvelope(state, hex(c.bytes), backend);
  if (c.label === 'valid') {
    const { opened } = await result;
    expect(opened.kind).toBe(c.kind);
    expect(toHex(opened.body)).toBe(c.body);
  } else {
    const error = (await result.then(
      () => null,
      (e: unknown) => e,
    )) as ProtocolError | null;
    expect(error?.code).toBe(c.error);
  }
}

async function checkInit(c: VectorCase): Promise<void> {
  const responder = await identityFromSeed(backend, hex(c.responderSeed));
  const error = (await openInit(responder, hex(c.bytes), backend).then(
    () => null,
    (e: unknown) => e,
  )) as ProtocolError | null;
  expect(c.label).toBe('invalid');
  expect(error?.code).toBe(c.error);
}

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.type === 'handshake') return checkHandshake(c);
  if (c.type === 'envelope') return checkEnvelope(c);
  if (c.type === 'init') return checkInit(c);
  throw new Error(`unknown case type ${String(c.type)}`);
}
