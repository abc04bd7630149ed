/**
 * Signed group statements, laid out and signed here with node:crypto's Ed25519 and SHA-256 (independently of
 * crypto/group-statement.ts) over deterministicRandom seeds. Single cases: one statement, valid (it opens, with
 * the recorded state hash) or invalid (the ProtocolError code it raises). Chain cases: statements a member
 * applies in order, each handed over by its signer; the last one is applied (valid, with the recorded head)
 * or refused by the group machine with the recorded code.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { compareBytes, concatBytes, toHex, u32be, utf8 } from '../../../crypto/bytes.ts';
import { ED25519_PKCS8_PREFIX, nobleEd25519 } from '../../../crypto/ed25519.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const LABEL = utf8('tincan-group-statement-v1\0');
const HASH_LABEL = utf8('tincan-group-state-v1\0');

interface Key {
  seed: Uint8Array;
  publicKey: Uint8Array;
}
interface Member {
  key: Key | Uint8Array;
  /** true/false, or a raw role byte. */
  admin: boolean | number;
  name: string;
}
interface State {
  format?: number;
  groupId: Uint8Array;
  version: number;
  previousHash: Uint8Array;
  signer: Key;
  expiresInSeconds?: number;
  name: string;
  members: Member[];
  /** Keep the members in the order given (for the unsorted case). */
  unsorted?: boolean;
}

const keyOf = (m: Member) => (m.key instanceof Uint8Array ? m.key : m.key.publicKey);
const named = (text: string) => concatBytes(Uint8Array.of(utf8(text).length), utf8(text));

function unsigned(state: State): Uint8Array {
  const members = state.unsorted
    ? state.members
    : [...state.members].sort((a, b) => compareBytes(keyOf(a), keyOf(b)));
  return concatBytes(
    Uint8Array.of(state.format ?? 1),
    state.groupId,
    u32be(state.version),
    state.previousHash,
    state.signer.publicKey,
    u32be(state.expiresInSeconds ?? 0),
    named(state.name),
    Uint8Array.of(members.length),
    ...members.map((m) =>
      concatBytes(
        keyOf(m),
        Uint8Array.of(typeof m.admin === 'number' ? m.admin : m.admin ? 1 : 0),
        named(m.name),
      ),
    ),
  );
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

const signed = (state: State, by: Key = state.signer): Uint8Array => {
  const body = unsigned(state);
  return concatBytes(body, signWith(by, concatBytes(LABEL, body)));
};
const hashOf = (statement: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(concatBytes(HASH_LABEL, statement)).digest());

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/group-statement');
  const keys: Key[] = [];
  for (let i = 0; i < 5; i++) {
    const seed = random(32);
    keys.push({ seed, publicKey: (await identityFromSeed(nobleEd25519, seed)).publicKey });
  }
  const [alice, bob, carol, dave, mallory] = keys as [Key, Key, Key, Key, Key];
  const groupId = random(16);
  const zero = new Uint8Array(32);
  const trio: Member[] = [
    { key: alice, admin: true, name: 'Alice' },
    { key: bob, admin: false, name: 'Bob' },
    { key: carol, admin: false, name: 'Carol' },
  ];
  const created: State = {
    groupId,
    version: 1,
    previousHash: zero,
    signer: alice,
    name: 'Trio',
    members: trio,
  };
  const v1 = signed(created);
  const after = (previous: Uint8Array, version: number, signer: Key, change: Partial<State>): State => ({
    ...created,
    version,
    previousHash: hashOf(previous),
    signer,
    ...change,
  });

  const cases: VectorCase[] = [];
  const one = (label: 'valid' | 'invalid', comment: string, bytes: Uint8Array, error?: string) =>
    cases.push({
      label,
      comment,
      bytes: toHex(bytes),
      ...(label === 'valid' ? { hash: toHex(hashOf(bytes)) } : {}),
      ...(error ? { error } : {}),
    });
  const chain = (
    label: 'valid' | 'invalid',
    comment: string,
    member: Key,
    statements: Uint8Array[],
    error?: string,
  ) =>
    cases.push({
      label,
      comment,
      member: toHex(member.publicKey),
      chain: statements.map(toHex),
      ...(label === 'valid' ? { head: toHex(hashOf(statements.at(-1)!)) } : {}),
      ...(error ? { error } : {}),
    });
  const flip = (bytes: Uint8Array, at: number) => {
    const out = bytes.slice();
    out[at < 0 ? out.length + at : at]! ^= 0x01;
    return out;
  };

  one('valid', 'Alice creates "Trio" with Bob and Carol: version 1, zero previous hash', v1);
  const v2 = signed(
    after(v1, 2, alice, {
      members: [...trio, { key: dave, admin: false, name: 'Dave' }],
      expiresInSeconds: 3600,
    }),
  );
  one('valid', 'Alice adds Dave and sets a one-hour timer: version 2 names version 1’s hash', v2);
  one('invalid', 'the signature with one bit flipped', flip(v1, -1), 'group-bad-signature');
  one('invalid', 'the group name changed after signing', flip(v1, 90), 'group-bad-signature');
  one(
    'invalid',
    'signed by Mallory, naming Alice as the signer',
    signed(created, mallory),
    'group-bad-signature',
  );
  one('invalid', 'format byte 2', signed({ ...created, format: 2 }), 'bad-version');
  one('invalid', 'one byte short', v1.subarray(0, v1.length - 1), 'bad-length');
  one('invalid', 'one byte too many', concatBytes(v1, Uint8Array.of(0)), 'bad-length');
  one('invalid', 'version 0', signed({ ...created, version: 0 }), 'bad-encoding');
  one(
    'invalid',
    'version 1 with a previous hash',
    signed({ ...created, previousHash: hashOf(v1) }),
    'bad-encoding',
  );
  one('invalid', 'version 2 with a zero previous hash', signed({ ...created, version: 2 }), 'bad-encoding');
  const sorted = [...trio].sort((a, b) => compareBytes(keyOf(a), keyOf(b)));
  one(
    'invalid',
    'members not in ascending key order',
    signed({ ...created, members: [...sorted].reverse(), unsorted: true }),
    'bad-encoding',
  );
  one(
    'invalid',
    'a member listed twice',
    signed({ ...created, members: [...sorted, sorted[2]!], unsorted: true }),
    'bad-encoding',
  );
  one('invalid', 'no members', signed({ ...created, members: [] }), 'bad-encoding');
  one(
    'invalid',
    'a member role of 2',
    signed({ ...created, members: [...trio.slice(0, 2), { key: carol, admin: 2, name: 'Carol' }] }),
    'bad-encoding',
  );
  const many: Member[] = Array.from({ length: 65 }, (_, i) => ({
    key: new Uint8Array(32).fill(i + 1),
    admin: i === 0,
    name: `M${i}`,
  }));
  one(
    'invalid',
    '65 members: one over the cap (checked before the keys)',
    signed({ ...created, members: many, unsorted: true }),
    'group-too-many-members',
  );
  const smallOrder = new Uint8Array(32);
  smallOrder[0] = 1;
  one(
    'invalid',
    'a small-order point as a member key',
    signed({ ...created, members: [...trio, { key: smallOrder, admin: false, name: 'Nobody' }] }),
    'bad-key',
  );
  one(
    'invalid',
    'a member name with a control character',
    signed({ ...created, members: [...trio.slice(0, 2), { key: carol, admin: false, name: 'Ca\u0007rol' }] }),
    'bad-encoding',
  );
  one(
    'invalid',
    'a disappearing timer over four weeks',
    signed({ ...created, expiresInSeconds: 28 * 86400 + 1 }),
    'bad-encoding',
  );

  chain('valid', 'Bob applies the creation and the change that follows it', bob, [v1, v2]);
  const bobLeaves = signed(after(v1, 2, bob, { members: trio.filter((m) => m.key !== bob) }));
  chain('valid', 'Bob leaves on his own signature; Carol applies it', carol, [v1, bobLeaves]);
  const bobRenames = signed(after(v1, 2, bob, { name: 'Bob’s' }));
  chain('invalid', 'Bob, not an admin, renames the group', carol, [v1, bobRenames], 'group-not-admin');
  const bobRemovesCarol = signed(after(v1, 2, bob, { members: trio.filter((m) => m.key !== carol) }));
  chain('invalid', 'Bob, not an admin, removes Carol', carol, [v1, bobRemovesCarol], 'group-not-admin');
  const malloryAdds = signed(
    after(v1, 2, mallory, { members: [...trio, { key: mallory, admin: true, name: 'Mallory' }] }),
  );
  chain(
    'invalid',
    'Mallory, not a member, adds herself as an admin',
    bob,
    [v1, malloryAdds],
    'group-not-member',
  );
  chain('invalid', 'version 2 delivered again (a replay)', bob, [v1, v2, v2], 'group-stale');
  const otherV2 = signed(after(v1, 2, alice, { name: 'Other' }));
  const [, loser] = compareBytes(hashOf(v2), hashOf(otherV2)) < 0 ? [v2, otherV2] : [otherV2, v2];
  const winner = loser === v2 ? otherV2 : v2;
  chain(
    'invalid',
    'a second version 2 of higher hash (a fork) after the first',
    bob,
    [v1, winner, loser],
    'group-fork',
  );
  chain('valid', 'a second version 2 of lower hash replaces the first everywhere', bob, [v1, loser, winner]);
  chain(
    'invalid',
    'a version 3 naming a state that is not version 2',
    bob,
    [v1, v2, signed(after(v1, 3, alice, { name: 'Three' }))],
    'group-fork',
  );
  const noAdmin = signed(after(v1, 2, alice, { members: trio.map((m) => ({ ...m, admin: false })) }));
  chain('invalid', 'a state left without an admin', bob, [v1, noAdmin], 'group-not-admin');
  chain('invalid', 'a group that does not list the member', dave, [v1], 'group-not-member');

  return {
    about:
      'Signed group statements (crypto/group-statement.ts) and the group machine (client/core/group-machine.ts), spec/groups.md. Single cases: `bytes` opens (valid; `hash` is its state hash) or raises ProtocolError `error`. Chain cases: `member` applies `chain` in order, each from its signer; the last is applied (valid; `head` is then the state hash) or refused with `error`.',
    source:
      'spec/vectors/gen/group-statement.ts: node:crypto Ed25519 signatures and SHA-256 over deterministicRandom("tincan/spec/vectors/group-statement") seeds',
    cases,
  };
}
