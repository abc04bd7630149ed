/** Wrong types, short, long and empty input to every public function of wire, handshake, envelope, session. */
import { describe, expect, it } from 'vitest';
import { MESSAGE_KIND, newSessionState, openEnvelope, sealEnvelope } from '../../crypto/envelope.ts';
import { isProtocolError, ProtocolError } from '../../crypto/errors.ts';
import { createAccept, createInit, openAccept, openInit } from '../../crypto/handshake.ts';
import {
  createIdentity,
  ed25519PublicToX25519,
  ed25519SeedToX25519,
  identityFromSeed,
} from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { newPeerState, step } from '../../crypto/session.ts';
import { classifyEnvelope, MAX_ENVELOPE_BYTES } from '../../crypto/wire.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const backend = nodeEd25519();
const alice = await testIdentity('alice', backend);
const bob = await testIdentity('bob', backend);
const NOW = 1_790_000_000_000;
const init = await createInit(alice, bob.publicKey, testRandom('w'), NOW);
const opened = await openInit(bob, init.bytes, backend);
const accept = await createAccept(bob, opened, testRandom('w2'));
const keys = await openAccept(alice, init.pending, accept.bytes, backend);
const session = newSessionState(keys);

const notBytes: unknown[] = [
  undefined,
  null,
  'abc',
  42,
  [1, 2, 3],
  {},
  new Uint16Array(32),
  new ArrayBuffer(32),
];
const wrongLengths = [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(64)];
const garbage = [
  new Uint8Array(0),
  new Uint8Array(1),
  new Uint8Array(2),
  new Uint8Array(170),
  new Uint8Array(MAX_ENVELOPE_BYTES + 1),
];
// Untrusted bytes must only ever raise the typed error.
const expectProtocolError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isProtocolError(error), String(error)).toBe(true);
};

describe('wrong input', () => {
  it('identity functions reject wrong types and lengths', async () => {
    for (const value of notBytes) {
      await expect(identityFromSeed(backend, value as Uint8Array)).rejects.toThrow(TypeError);
      expect(() => ed25519SeedToX25519(value as Uint8Array)).toThrow(TypeError);
      expect(() => ed25519PublicToX25519(value as Uint8Array)).toThrow(TypeError);
    }
    for (const value of wrongLengths) {
      await expect(identityFromSeed(backend, value)).rejects.toThrow(RangeError);
      expect(() => ed25519PublicToX25519(value)).toThrow(RangeError);
    }
    await expect(createIdentity(backend, () => new Uint8Array(5))).rejects.toThrow(RangeError);
    // A small-order key is a protocol error, not a usable box key.
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    expect(() => ed25519PublicToX25519(identityPoint)).toThrow(ProtocolError);
  });

  it('classifyEnvelope: wrong types throw TypeError; bad bytes a ProtocolError', () => {
    for (const value of notBytes) expect(() => classifyEnvelope(value as Uint8Array)).toThrow(TypeError);
    for (const bytes of [...garbage, Uint8Array.of(2, 1), Uint8Array.of(1, 9), Uint8Array.of(1, 3, 0)]) {
      expect(() => classifyEnvelope(bytes)).toThrow(ProtocolError);
    }
  });

  it('handshake functions', async () => {
    for (const value of notBytes) {
      await expect(createInit(alice, value as Uint8Array, testRandom('x'), NOW)).rejects.toThrow(TypeError);
      await expect(openInit(bob, value as Uint8Array, backend)).rejects.toThrow(TypeError);
      await expect(openAccept(alice, init.pending, value as Uint8Array, backend)).rejects.toThrow(TypeError);
    }
    for (const value of wrongLengths) {
      await expect(createInit(alice, value, testRandom('x'), NOW)).rejects.toThrow(RangeError);
    }
    for (const bytes of garbage) {
      await expectProtocolError(openInit(bob, bytes, backend));
      await expectProtocolError(openAccept(alice, init.pending, bytes, backend));
    }
    await expect(createInit(alice, bob.publicKey, () => new Uint8Array(3), NOW)).rejects.toThrow(RangeError);
    await expect(createInit(alice, bob.publicKey, testRandom('x'), -1)).rejects.toThrow(RangeError);
    await expect(createInit(alice, bob.publicKey, testRandom('x'), 1.5)).rejects.toThrow(RangeError);
  });

  it('envelope functions', async () => {
    for (const value of notBytes) {
      await expect(
        sealEnvelope(session, alice.signer, MESSAGE_KIND.chat, value as Uint8Array),
      ).rejects.toThrow(TypeError);
      await expect(openEnvelope(session, value as Uint8Array, backend)).rejects.toThrow(TypeError);
    }
    for (const kind of [0, 99, 1.5, -1, '1']) {
      await expect(sealEnvelope(session, alice.signer, kind as 1, new Uint8Array(1))).rejects.toThrow(
        RangeError,
      );
    }
    for (const bytes of garbage) await expectProtocolError(openEnvelope(session, bytes, backend));
  });

  it('the session step turns bad bytes into a dropped effect, never a throw', async () => {
    const context = { identity: bob, backend, random: testRandom('step'), now: NOW };
    for (const bytes of garbage) {
      for (const type of ['accept', 'message'] as const) {
        const { effects } = await step(newPeerState(alice.publicKey), { type, bytes }, context);
        expect(effects.some((e) => e.type === 'dropped')).toBe(true);
      }
    }
  });

  it('the session step refuses to send a confirm on request: only the session itself sends one', async () => {
    const context = { identity: alice, backend, random: testRandom('confirm'), now: NOW };
    const event = { type: 'send', kind: MESSAGE_KIND.sessionConfirm, body: new Uint8Array(0) } as const;
    await expect(step(newPeerState(bob.publicKey), event, context)).rejects.toThrow(RangeError);
  });
});
