import type { RandomSource } from '../../crypto/bytes.ts';
import { type Ed25519Backend, nobleEd25519 } from '../../crypto/ed25519.ts';
import { type Identity, identityFromSeed } from '../../crypto/identity.ts';
import { deterministicRandom } from './deterministic-random.ts';

/** A reproducible identity per label; tests use the fast native backend unless they say otherwise. */
export function testIdentity(label: string, backend: Ed25519Backend = nobleEd25519): Promise<Identity> {
  return identityFromSeed(backend, deterministicRandom(`identity:${label}`)(32));
}

export const testRandom = (label: string): RandomSource => deterministicRandom(`random:${label}`);

/** A contact directory holding exactly one contact: what a Node messenger in a two-person test needs. */
export const onlyContact = (other: string) => ({
  status: (peer: string) => (peer === other ? ('contact' as const) : ('stranger' as const)),
  list: () => [other],
});
