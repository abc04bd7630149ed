/** Signed group statements for tests: a creator, and the next state of any state, signed by anyone. */
import { fromHex, toHex } from '../../crypto/bytes.ts';
import {
  type GroupMember,
  type GroupStatement,
  NO_PREVIOUS_STATE,
  signGroupStatement,
} from '../../crypto/group-statement.ts';
import type { Identity } from '../../crypto/identity.ts';

export const GROUP_ID = fromHex('00112233445566778899aabbccddeeff');

export const member = (identity: Identity, admin = false, name = 'Member'): GroupMember => ({
  key: identity.publicKey,
  admin,
  name,
});

export function create(
  creator: Identity,
  others: readonly Identity[],
  options: { name?: string; groupId?: Uint8Array } = {},
): Promise<GroupStatement> {
  return signGroupStatement(creator, {
    groupId: options.groupId ?? GROUP_ID,
    version: 1,
    previousHash: NO_PREVIOUS_STATE,
    signer: creator.publicKey,
    expiresInSeconds: 0,
    name: options.name ?? 'Team',
    members: [member(creator, true, 'Creator'), ...others.map((o) => member(o))],
  });
}

export interface Edit {
  name?: string;
  expiresInSeconds?: number;
  members?: readonly GroupMember[];
  version?: number;
  previousHash?: Uint8Array;
}

/** The state after `head`, signed by `signer`, with `edit` applied. */
export function next(head: GroupStatement, signer: Identity, edit: Edit = {}): Promise<GroupStatement> {
  return signGroupStatement(signer, {
    groupId: head.groupId,
    version: edit.version ?? head.version + 1,
    previousHash: edit.previousHash ?? head.hash,
    signer: signer.publicKey,
    expiresInSeconds: edit.expiresInSeconds ?? head.expiresInSeconds,
    name: edit.name ?? head.name,
    members: edit.members ?? head.members,
  });
}

export const without = (head: GroupStatement, who: Identity): GroupMember[] =>
  head.members.filter((m) => toHex(m.key) !== toHex(who.publicKey));
