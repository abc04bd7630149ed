/**
 * A group as the app sees it: the state one signed statement carries (crypto/group-statement.ts), with keys
 * in hex, and what changed between two states (the lines every member sees in the chat: "Alice added Dave").
 */
import { toHex } from '../../crypto/bytes.ts';
import type { GroupStatement } from '../../crypto/group-statement.ts';
import type { PeerId } from './session-types.ts';

/** 32 lower-case hex characters (16 random bytes, chosen by the creator). */
export type GroupId = string;

export interface GroupMemberView {
  readonly key: PeerId;
  readonly admin: boolean;
  /** The name the group gives this member. */
  readonly name: string;
}

export interface GroupView {
  readonly id: GroupId;
  readonly version: number;
  /** The state's hash in hex. */
  readonly hash: string;
  /** Who signed this state. */
  readonly signer: PeerId;
  readonly name: string;
  readonly expiresInSeconds: number;
  readonly members: readonly GroupMemberView[];
}

export type GroupChange =
  | { type: 'created'; by: PeerId; name: string }
  | { type: 'added'; by: PeerId; member: PeerId }
  | { type: 'removed'; by: PeerId; member: PeerId }
  | { type: 'left'; member: PeerId }
  | { type: 'renamed'; by: PeerId; name: string }
  | { type: 'timer'; by: PeerId; expiresInSeconds: number }
  | { type: 'admin'; by: PeerId; member: PeerId; admin: boolean };

export const isGroupId = (value: unknown): value is GroupId =>
  typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);

export function viewOf(statement: GroupStatement): GroupView {
  return {
    id: toHex(statement.groupId),
    version: statement.version,
    hash: toHex(statement.hash),
    signer: toHex(statement.signer),
    name: statement.name,
    expiresInSeconds: statement.expiresInSeconds,
    members: statement.members.map((m) => ({ key: toHex(m.key), admin: m.admin, name: m.name })),
  };
}

export const memberOf = (view: GroupView, peer: PeerId): GroupMemberView | undefined =>
  view.members.find((m) => m.key === peer);
export const isMember = (view: GroupView, peer: PeerId): boolean => memberOf(view, peer) !== undefined;
export const isAdmin = (view: GroupView, peer: PeerId): boolean => memberOf(view, peer)?.admin === true;

/**
 * What `next` changed from `previous`, in a stable order. With no previous state, `next` is the first we hold:
 * the group's creation, or (a later version) the statement that added `ownKey` to it.
 */
export function describeChange(previous: GroupView | null, next: GroupView, ownKey?: PeerId): GroupChange[] {
  const by = next.signer;
  if (previous === null)
    return next.version === 1 || ownKey === undefined
      ? [{ type: 'created', by, name: next.name }]
      : [{ type: 'added', by, member: ownKey }];
  const changes: GroupChange[] = [];
  if (next.name !== previous.name) changes.push({ type: 'renamed', by, name: next.name });
  if (next.expiresInSeconds !== previous.expiresInSeconds)
    changes.push({ type: 'timer', by, expiresInSeconds: next.expiresInSeconds });
  for (const member of next.members) {
    const before = memberOf(previous, member.key);
    if (!before) changes.push({ type: 'added', by, member: member.key });
    else if (before.admin !== member.admin)
      changes.push({ type: 'admin', by, member: member.key, admin: member.admin });
  }
  for (const member of previous.members) {
    if (isMember(next, member.key)) continue;
    changes.push(
      member.key === by ? { type: 'left', member: by } : { type: 'removed', by, member: member.key },
    );
  }
  return changes;
}
