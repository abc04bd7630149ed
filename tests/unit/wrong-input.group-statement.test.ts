/** Wrong arguments to the group statement functions are TypeError / RangeError naming the argument. */
import { beforeAll, describe, expect, it } from 'vitest';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import {
  type GroupStateFields,
  groupStateHash,
  groupStatementFromBytes,
  MAX_GROUP_EXPIRY_SECONDS,
  MAX_GROUP_MEMBERS,
  NO_PREVIOUS_STATE,
  signGroupStatement,
  verifyGroupStatement,
} from '../../crypto/group-statement.ts';
import type { Identity } from '../../crypto/identity.ts';
import { testIdentity } from '../support/identities.ts';

const notBytes: unknown[] = [undefined, null, 'ab', 42, [1, 2], new ArrayBuffer(32), {}];
let alice: Identity;
let fields: GroupStateFields;

beforeAll(async () => {
  alice = await testIdentity('wrong-input:group');
  fields = {
    groupId: new Uint8Array(16),
    version: 1,
    previousHash: NO_PREVIOUS_STATE,
    signer: alice.publicKey,
    expiresInSeconds: 0,
    name: 'Team',
    members: [{ key: alice.publicKey, admin: true, name: 'Alice' }],
  };
});

describe('signGroupStatement', () => {
  it('TypeError for non-bytes, RangeError for wrong lengths and values', async () => {
    for (const bad of notBytes) {
      await expect(signGroupStatement(alice, { ...fields, groupId: bad as Uint8Array })).rejects.toThrow(
        /groupId must be a Uint8Array/,
      );
      await expect(signGroupStatement(alice, { ...fields, previousHash: bad as Uint8Array })).rejects.toThrow(
        /previousHash must be a Uint8Array/,
      );
    }
    await expect(signGroupStatement(alice, { ...fields, groupId: new Uint8Array(15) })).rejects.toThrow(
      RangeError,
    );
    for (const version of [0, -1, 1.5, 2 ** 32])
      await expect(signGroupStatement(alice, { ...fields, version })).rejects.toThrow(RangeError);
    await expect(signGroupStatement(alice, { ...fields, version: 2 })).rejects.toThrow(/previousHash/);
    for (const expiresInSeconds of [-1, 0.5, MAX_GROUP_EXPIRY_SECONDS + 1])
      await expect(signGroupStatement(alice, { ...fields, expiresInSeconds })).rejects.toThrow(RangeError);
    for (const name of ['', 'x'.repeat(65), 'bell\u0007', 'e\u0301'])
      await expect(signGroupStatement(alice, { ...fields, name })).rejects.toThrow(RangeError);
    await expect(signGroupStatement(alice, { ...fields, members: [] })).rejects.toThrow(RangeError);
    const many = Array.from({ length: MAX_GROUP_MEMBERS + 1 }, (_, i) => ({
      key: new Uint8Array(32).fill(i),
      admin: false,
      name: 'M',
    }));
    await expect(signGroupStatement(alice, { ...fields, members: many })).rejects.toThrow(RangeError);
    const twice = [fields.members[0]!, fields.members[0]!];
    await expect(signGroupStatement(alice, { ...fields, members: twice })).rejects.toThrow(/twice/);
    await expect(signGroupStatement(alice, { ...fields, signer: new Uint8Array(32) })).rejects.toThrow(
      /signing identity/,
    );
  });
});

describe('groupStatementFromBytes / groupStateHash / verifyGroupStatement', () => {
  it('TypeError for non-bytes', async () => {
    for (const bad of notBytes) {
      expect(() => groupStatementFromBytes(bad as Uint8Array)).toThrow(/bytes must be a Uint8Array/);
    }
    const statement = await signGroupStatement(alice, fields);
    expect(groupStateHash(statement.bytes)).toEqual(statement.hash);
    await expect(verifyGroupStatement(nobleEd25519, statement)).resolves.toBeUndefined();
  });
});
