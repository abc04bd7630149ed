/**
 * Key rotations, signed here with node:crypto's Ed25519 (independently of crypto/key-rotation.ts) over
 * deterministicRandom seeds. Valid cases: statements both keys signed. Invalid cases: each way a statement can
 * be wrong, with the ProtocolError code a receiver must raise.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { concatBytes, toHex, u64be, utf8 } from '../../../crypto/bytes.ts';
import { ED25519_PKCS8_PREFIX, nobleEd25519 } from '../../../crypto/ed25519.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const LABEL = utf8('tincan-key-rotation-v1\0');

interface Key {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

const signWith = (key: Key, message: Uint8Array): Uint8Array =>
  new Uint8Array(
    sign(
      null,
      message,
      createPrivateKey({
        key: Buffer.from(concatBytes(ED25519_PKCS8_PREFIX, key.seed)),
        format: 'der',
        type: 'pkcs8',
      }),
    ),
  );

function statement(version: number, oldKey: Uint8Array, newKey: Uint8Array, issuedAt: number) {
  return concatBytes(Uint8Array.of(version), oldKey, newKey, u64be(issuedAt));
}

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/key-rotation');
  const keys: Key[] = [];
  for (let i = 0; i < 4; i++) {
    const seed = random(32);
    keys.push({ seed, publicKey: (await identityFromSeed(nobleEd25519, seed)).publicKey });
  }
  const [alice, aliceNext, aliceLater, mallory] = keys as [Key, Key, Key, Key];
  const issuedAt = 1_795_000_000_000;

  const signed = (from: Key, to: Key, at = issuedAt, signers: [Key, Key] = [from, to]) => {
    const body = statement(1, from.publicKey, to.publicKey, at);
    const message = concatBytes(LABEL, body);
    return concatBytes(body, signWith(signers[0], message), signWith(signers[1], message));
  };
  const cases: VectorCase[] = [];
  const add = (label: 'valid' | 'invalid', comment: string, bytes: Uint8Array, error?: string) =>
    cases.push({ label, comment, bytes: toHex(bytes), ...(error ? { error } : {}) });
  const flip = (bytes: Uint8Array, at: number) => {
    const out = bytes.slice();
    out[at]! ^= 0x01;
    return out;
  };

  const first = signed(alice, aliceNext);
  add('valid', 'Alice hands over to her next key; both keys sign', first);
  add('valid', 'and that key hands over again, later', signed(aliceNext, aliceLater, issuedAt + 86_400_000));
  add('valid', 'issuedAt 0 is a valid encoding (it is shown, never trusted)', signed(alice, aliceNext, 0));
  add('invalid', 'the old key’s signature with one bit flipped', flip(first, 73 + 10), 'bad-signature');
  add('invalid', 'the new key’s signature with one bit flipped', flip(first, 137 + 10), 'bad-signature');
  add('invalid', 'issuedAt changed after signing', flip(first, 72), 'bad-signature');
  add(
    'invalid',
    'old and new keys swapped, signatures kept',
    concatBytes(Uint8Array.of(1), first.subarray(33, 65), first.subarray(1, 33), first.subarray(65)),
    'bad-signature',
  );
  add(
    'invalid',
    'Mallory names Alice’s key as her successor: Alice’s key never signed',
    signed(mallory, alice, issuedAt, [mallory, mallory]),
    'bad-signature',
  );
  add(
    'invalid',
    'Alice’s old key names Mallory’s key, but Mallory’s key did not sign (Alice signed twice)',
    signed(alice, mallory, issuedAt, [alice, alice]),
    'bad-signature',
  );
  const v2 = statement(2, alice.publicKey, aliceNext.publicKey, issuedAt);
  add('invalid', 'version 2', concatBytes(v2, first.subarray(73)), 'bad-version');
  add('invalid', 'one byte short', first.subarray(0, first.length - 1), 'bad-length');
  add('invalid', 'one byte too many', concatBytes(first, Uint8Array.of(0)), 'bad-length');
  add('invalid', 'old key equals new key', signed(alice, alice, issuedAt, [alice, alice]), 'bad-key');
  const smallOrder = new Uint8Array(32);
  smallOrder[0] = 1; // the identity point
  add(
    'invalid',
    'a small-order point as the new key',
    concatBytes(statement(1, alice.publicKey, smallOrder, issuedAt), first.subarray(73)),
    'bad-key',
  );

  return {
    about:
      'Signed key rotations (crypto/key-rotation.ts, spec/chat.md, Signed key rotation): `bytes` is the 201-byte statement 0x01 | old key | new key | issuedAt u64 ms | sig old | sig new, both signatures over "tincan-key-rotation-v1\\0" | the first 73 bytes. Valid: openKeyRotation accepts it; invalid: it raises ProtocolError `error`.',
    source:
      'spec/vectors/gen/key-rotation.ts: node:crypto Ed25519 signatures over deterministicRandom("tincan/spec/vectors/key-rotation") seeds',
    cases,
  };
}
