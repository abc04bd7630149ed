/**
 * A signed group statement: the whole state of a group (its name, members, admins and disappearing timer)
 * at one version, naming the hash of the state before it, signed by the identity key of the member who made
 * the change. A group is the chain of these statements; the rules for who may sign which statement are the
 * group machine's (client/core/group-machine.ts), this module only says what was signed and by whom.
 *
 *    0      1              17             21               53            85              89
 *    +------+--------------+--------------+----------------+-------------+---------------+
 *    | 0x01 | group id 16  | version u32  | prev hash 32   | signer 32   | expiresIn u32 |
 *    +------+--------------+--------------+----------------+-------------+---------------+
 *    | name n u8 (1..64) | name n | count u8 (1..64) | count × member | signature 64 |
 *    member = | key 32 | role u8 (0 member, 1 admin) | name m u8 (1..64) | name m |
 *
 *    signed = "tincan-group-statement-v1" 0x00 || every byte before the signature
 *    hash   = SHA-256("tincan-group-state-v1" 0x00 || the whole statement, signature included)
 *
 * Canonical: version 1 (the creation) and only it has an all-zero prev hash; members are sorted by key with
 * no key twice; names are NFC UTF-8 without control or bidi characters. One state has one encoding, so
 * equal states have equal hashes. The signer is not always a member of the state it signs (someone leaving
 * signs the state without them); that it was a member, and an admin, of the state before is the group
 * machine's to check.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  assertBytes,
  assertString,
  compareBytes,
  concatBytes,
  equalBytes,
  fromUtf8,
  readU32be,
  u32be,
  utf8,
} from './bytes.ts';
import {
  type Ed25519Backend,
  isIdentityKey,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  verify,
} from './ed25519.ts';
import { ProtocolError } from './errors.ts';
import type { Identity } from './identity.ts';

export const GROUP_STATEMENT_VERSION = 1;
export const GROUP_ID_LENGTH = 16;
export const GROUP_HASH_LENGTH = 32;
/** The most members a group may have (spec/groups.md, Limits): its statement still fits one body frame. */
export const MAX_GROUP_MEMBERS = 64;
export const MAX_GROUP_NAME_BYTES = 64;
/** Four weeks, as for a one-to-one chat. */
export const MAX_GROUP_EXPIRY_SECONDS = 28 * 24 * 3600;
export const MAX_GROUP_VERSION = 0xffff_ffff;
const LABEL = utf8('tincan-group-statement-v1\0');
const HASH_LABEL = utf8('tincan-group-state-v1\0');
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
export const NO_PREVIOUS_STATE: Uint8Array = new Uint8Array(GROUP_HASH_LENGTH);

export interface GroupMember {
  readonly key: Uint8Array;
  readonly admin: boolean;
  /** The name the group gives this member: shown to members who do not have them as a contact. */
  readonly name: string;
}

/** A group's state as one statement carries it. */
export interface GroupStateFields {
  readonly groupId: Uint8Array;
  readonly version: number;
  readonly previousHash: Uint8Array;
  readonly signer: Uint8Array;
  /** The disappearing-messages timer of the group in seconds (0 = off). */
  readonly expiresInSeconds: number;
  readonly name: string;
  /** Sorted by key. */
  readonly members: readonly GroupMember[];
}

export interface GroupStatement extends GroupStateFields {
  readonly signature: Uint8Array;
  /** The statement as signed and sent. */
  readonly bytes: Uint8Array;
  /** SHA-256 of the statement: what the next statement names as its previous hash. */
  readonly hash: Uint8Array;
}

export const isAcceptableGroupName = (name: string): boolean => {
  const length = utf8(name).length;
  return (
    length >= 1 &&
    length <= MAX_GROUP_NAME_BYTES &&
    name === name.normalize('NFC') &&
    !FORBIDDEN_IN_NAME.test(name)
  );
};

/** Members in canonical order (by key). */
export const sortMembers = (members: readonly GroupMember[]): GroupMember[] =>
  [...members].sort((a, b) => compareBytes(a.key, b.key));

export const groupStateHash = (statement: Uint8Array): Uint8Array =>
  sha256(concatBytes(HASH_LABEL, statement));

function encodeUnsigned(fields: GroupStateFields): Uint8Array {
  assertBytes(fields.groupId, 'groupId', GROUP_ID_LENGTH);
  assertBytes(fields.previousHash, 'previousHash', GROUP_HASH_LENGTH);
  assertBytes(fields.signer, 'signer', PUBLIC_KEY_LENGTH);
  const { version, expiresInSeconds, members } = fields;
  if (!Number.isInteger(version) || version < 1 || version > MAX_GROUP_VERSION)
    throw new RangeError(`version must be 1..${MAX_GROUP_VERSION}`);
  if ((version === 1) !== equalBytes(fields.previousHash, NO_PREVIOUS_STATE))
    throw new RangeError('previousHash must be all zero exactly for version 1');
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 0 ||
    expiresInSeconds > MAX_GROUP_EXPIRY_SECONDS
  )
    throw new RangeError(`expiresInSeconds must be 0..${MAX_GROUP_EXPIRY_SECONDS}`);
  if (!Array.isArray(members) || members.length < 1 || members.length > MAX_GROUP_MEMBERS)
    throw new RangeError(`members must hold 1..${MAX_GROUP_MEMBERS} members`);
  const sorted = sortMembers(members);
  for (let i = 0; i < sorted.length; i++) {
    assertBytes(sorted[i]!.key, `members[${i}].key`, PUBLIC_KEY_LENGTH);
    if (i > 0 && equalBytes(sorted[i - 1]!.key, sorted[i]!.key))
      throw new RangeError('a member is listed twice');
  }
  return concatBytes(
    Uint8Array.of(GROUP_STATEMENT_VERSION),
    fields.groupId,
    u32be(version),
    fields.previousHash,
    fields.signer,
    u32be(expiresInSeconds),
    nameBytes(fields.name, 'name'),
    Uint8Array.of(sorted.length),
    ...sorted.map((m) =>
      concatBytes(m.key, Uint8Array.of(m.admin ? 1 : 0), nameBytes(m.name, 'member name')),
    ),
  );
}

function nameBytes(name: string, what: string): Uint8Array {
  assertString(name, what);
  if (!isAcceptableGroupName(name)) throw new RangeError(`${what} is not an acceptable name`);
  const bytes = utf8(name);
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

/** Signs `fields` with `signer`, whose key must be `fields.signer`. */
export async function signGroupStatement(
  signer: Identity,
  fields: GroupStateFields,
): Promise<GroupStatement> {
  if (!equalBytes(signer.publicKey, fields.signer))
    throw new RangeError('fields.signer must be the signing identity');
  const unsigned = encodeUnsigned(fields);
  const signature = await signer.signer.sign(concatBytes(LABEL, unsigned));
  return groupStatementFromBytes(concatBytes(unsigned, signature));
}

/** The layout only (canonical encoding, keys, names, limits). Signature: verifyGroupStatement. */
export function groupStatementFromBytes(bytes: Uint8Array): GroupStatement {
  assertBytes(bytes, 'bytes');
  const reader = new _Reader(bytes);
  const version = reader.u8();
  if (version !== GROUP_STATEMENT_VERSION)
    throw new ProtocolError('bad-version', `group statement version ${version}`);
  const groupId = reader.take(GROUP_ID_LENGTH);
  const stateVersion = reader.u32();
  const previousHash = reader.take(GROUP_HASH_LENGTH);
  const signer = reader.key();
  const expiresInSeconds = reader.u32();
  if (stateVersion < 1) throw new ProtocolError('bad-encoding', 'group version 0');
  if ((stateVersion === 1) !== equalBytes(previousHash, NO_PREVIOUS_STATE))
    throw new ProtocolError('bad-encoding', 'previous hash must be zero exactly at version 1');
  if (expiresInSeconds > MAX_GROUP_EXPIRY_SECONDS)
    throw new ProtocolError('bad-encoding', 'group expiry too long');
  const name = reader.name();
  const count = reader.u8();
  if (count < 1) throw new ProtocolError('bad-encoding', 'a group without members');
  if (count > MAX_GROUP_MEMBERS) throw new ProtocolError('group-too-many-members', `${count} members`);
  const members: GroupMember[] = [];
  for (let i = 0; i < count; i++) {
    const key = reader.key();
    if (i > 0 && compareBytes(members[i - 1]!.key, key) >= 0)
      throw new ProtocolError('bad-encoding', 'members not in ascending key order, or listed twice');
    const role = reader.u8();
    if (role > 1) throw new ProtocolError('bad-encoding', `member role ${role}`);
    members.push({ key, admin: role === 1, name: reader.name() });
  }
  const signature = reader.take(SIGNATURE_LENGTH);
  reader.end();
  return {
    groupId,
    version: stateVersion,
    previousHash,
    signer,
    expiresInSeconds,
    name,
    members,
    signature,
    bytes: bytes.slice(),
    hash: groupStateHash(bytes),
  };
}

/** Throws ProtocolError('group-bad-signature') unless the statement's signer signed it. */
export async function verifyGroupStatement(
  backend: Ed25519Backend,
  statement: GroupStatement,
): Promise<void> {
  const unsigned = statement.bytes.subarray(0, statement.bytes.length - SIGNATURE_LENGTH);
  if (!(await verify(backend, statement.signature, concatBytes(LABEL, unsigned), statement.signer)))
    throw new ProtocolError('group-bad-signature', 'group statement not signed by its signer');
}

/** Decodes and verifies: the one call a receiver needs before the group machine judges it. */
export async function openGroupStatement(
  backend: Ed25519Backend,
  bytes: Uint8Array,
): Promise<GroupStatement> {
  const statement = groupStatementFromBytes(bytes);
  await verifyGroupStatement(backend, statement);
  return statement;
}

/** Untrusted bytes in, ProtocolError out: never reads past the end, never leaves bytes unread. */
class _Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  take(length: number): Uint8Array {
    if (this.at + length > this.bytes.length)
      throw new ProtocolError('bad-length', `group statement ends at ${this.bytes.length}`);
    const out = this.bytes.slice(this.at, this.at + length);
    this.at += length;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u32(): number {
    return readU32be(this.take(4), 0);
  }
  key(): Uint8Array {
    const key = this.take(PUBLIC_KEY_LENGTH);
    if (!isIdentityKey(key)) throw new ProtocolError('bad-key', 'group statement: not a usable identity key');
    return key;
  }
  name(): string {
    const length = this.u8();
    const bytes = this.take(length);
    let name: string;
    try {
      name = fromUtf8(bytes);
    } catch {
      throw new ProtocolError('bad-encoding', 'group name is not UTF-8');
    }
    if (length < 1 || !isAcceptableGroupName(name))
      throw new ProtocolError('bad-encoding', 'group or member name');
    return name;
  }
  end(): void {
    if (this.at !== this.bytes.length)
      throw new ProtocolError('bad-length', 'bytes after the group statement');
  }
}
