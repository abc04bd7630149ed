/**
 * Group bodies (client/core/group-bodies.ts, spec/groups.md, Group bodies), laid out here byte by byte from
 * the spec's diagram, independently of the encoder, and framed in the padded body frame. Valid cases: the
 * body decodes to `body` and encodes back to `bytes`. Invalid cases: decoding raises ProtocolError `error`.
 */
import { concatBytes, fromHex, toHex, u32be, u64be, utf8 } from '../../../crypto/bytes.ts';
import { nobleEd25519 } from '../../../crypto/ed25519.ts';
import { NO_PREVIOUS_STATE, signGroupStatement } from '../../../crypto/group-statement.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const BUCKETS = [256, 1024, 4096, 16384];

/** The body frame of chat.md: version 1, u16 length, payload, zeros to the smallest bucket that fits. */
function frame(payload: Uint8Array): Uint8Array {
  const size = BUCKETS.find((b) => b >= payload.length + 3)!;
  const out = new Uint8Array(size);
  out.set([1, payload.length >> 8, payload.length & 0xff]);
  out.set(payload, 3);
  return out;
}

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/group-bodies');
  const id = toHex(random(16));
  const groupId = toHex(random(16));
  const readId = toHex(random(16));
  const head = concatBytes(fromHex(id), fromHex(groupId));
  const alice = await identityFromSeed(nobleEd25519, random(32));
  const bob = await identityFromSeed(nobleEd25519, random(32));
  const statement = await signGroupStatement(alice, {
    groupId: fromHex(groupId),
    version: 1,
    previousHash: NO_PREVIOUS_STATE,
    signer: alice.publicKey,
    expiresInSeconds: 0,
    name: 'Trio',
    members: [
      { key: alice.publicKey, admin: true, name: 'Alice' },
      { key: bob.publicKey, admin: false, name: 'Bob' },
    ],
  });

  const cases: VectorCase[] = [];
  const valid = (comment: string, kind: number, payload: Uint8Array, body: unknown) =>
    cases.push({ label: 'valid', comment, kind, bytes: toHex(frame(payload)), body });
  const invalid = (comment: string, kind: number, payload: Uint8Array, error: string) =>
    cases.push({ label: 'invalid', comment, kind, bytes: toHex(frame(payload)), error });

  valid(
    'a text, no timer',
    16,
    concatBytes(head, Uint8Array.of(2), u64be(1_795_000_000_000), u32be(0), utf8('hello group')),
    { type: 'group', id, groupId, payload: { kind: 'text', sentAt: 1_795_000_000_000, text: 'hello group' } },
  );
  valid(
    'a text under a one-hour group timer',
    16,
    concatBytes(head, Uint8Array.of(2), u64be(1_795_000_000_000), u32be(3600), utf8('bye soon')),
    {
      type: 'group',
      id,
      groupId,
      payload: { kind: 'text', sentAt: 1_795_000_000_000, text: 'bye soon', expiresInSeconds: 3600 },
    },
  );
  valid('a read receipt naming one id', 16, concatBytes(head, Uint8Array.of(3, 1), fromHex(readId)), {
    type: 'group',
    id,
    groupId,
    payload: { kind: 'read', ids: [readId] },
  });
  valid('a signed statement (the creation)', 16, concatBytes(head, Uint8Array.of(1), statement.bytes), {
    type: 'group',
    id,
    groupId,
    payload: { kind: 'statement', statement: toHex(statement.bytes) },
  });
  valid('typing', 17, concatBytes(fromHex(groupId), Uint8Array.of(1)), {
    type: 'groupTyping',
    groupId,
    typing: true,
  });
  valid('stopped typing', 17, concatBytes(fromHex(groupId), Uint8Array.of(0)), {
    type: 'groupTyping',
    groupId,
    typing: false,
  });
  invalid('an unknown part (9)', 16, concatBytes(head, Uint8Array.of(9)), 'bad-type');
  invalid('a text with no text', 16, concatBytes(head, Uint8Array.of(2), u64be(1), u32be(0)), 'bad-length');
  invalid(
    'a text that is not UTF-8',
    16,
    concatBytes(head, Uint8Array.of(2), u64be(1), u32be(0), Uint8Array.of(0xff)),
    'bad-encoding',
  );
  invalid(
    'a timer over four weeks',
    16,
    concatBytes(head, Uint8Array.of(2), u64be(1), u32be(28 * 86400 + 1), utf8('x')),
    'bad-encoding',
  );
  invalid('a read receipt naming no id', 16, concatBytes(head, Uint8Array.of(3, 0)), 'bad-encoding');
  invalid(
    'a read receipt one id short',
    16,
    concatBytes(head, Uint8Array.of(3, 2), fromHex(readId)),
    'bad-length',
  );
  invalid(
    'a statement one byte short',
    16,
    concatBytes(head, Uint8Array.of(1), statement.bytes.subarray(1)),
    'bad-version',
  );
  invalid('a body cut inside the group id', 16, fromHex(id + groupId.slice(0, 8)), 'bad-length');
  invalid('typing 2', 17, concatBytes(fromHex(groupId), Uint8Array.of(2)), 'bad-encoding');
  invalid(
    'typing with a byte after it',
    17,
    concatBytes(fromHex(groupId), Uint8Array.of(1, 0)),
    'bad-length',
  );

  return {
    about:
      'Group bodies (client/core/group-bodies.ts, spec/groups.md, Group bodies) in their padded body frame: `kind` is the envelope kind (16 group, 17 groupTyping), `bytes` the frame. Valid: decodeBody gives `body` (a statement as hex) and encodeBody gives `bytes` back. Invalid: decodeBody raises ProtocolError `error`.',
    source:
      'spec/vectors/gen/group-bodies.ts: laid out from the spec diagram over deterministicRandom("tincan/spec/vectors/group-bodies")',
    cases,
  };
}
