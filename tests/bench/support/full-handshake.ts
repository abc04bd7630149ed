/** A full handshake, both sides, as two Tincan clients run it (crypto/handshake.ts); for the benchmarks. */
import type { RandomSource } from '../../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../../crypto/ed25519.ts';
import {
  createAccept,
  createInit,
  openAccept,
  openInit,
  type SessionKeys,
} from '../../../crypto/handshake.ts';
import type { Identity } from '../../../crypto/identity.ts';

export async function fullHandshake(
  initiator: Identity,
  responder: Identity,
  backend: Ed25519Backend,
  random: RandomSource,
): Promise<{ initiatorKeys: SessionKeys; responderKeys: SessionKeys }> {
  const init = await createInit(initiator, responder.publicKey, random, Date.now());
  const opened = await openInit(responder, init.bytes, backend);
  const accept = await createAccept(responder, opened, random);
  const initiatorKeys = await openAccept(initiator, init.pending, accept.bytes, backend);
  return { initiatorKeys, responderKeys: accept.keys };
}
