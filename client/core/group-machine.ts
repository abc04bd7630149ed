/**
 * One member's copy of one group, as a state machine: step(state, input) → { state, effects }. The input is
 * a statement whose signature is already verified (openGroupStatement); the machine decides whether it
 * follows the state held, and never merges anything silently (spec/groups.md, The group machine).
 *
 *   first statement   accepted only from its own signer, an admin of it, listing us      else refused
 *   version = head+1  must name the head's hash (else group-fork) and be signed with authority over the head
 *   version > head+1  kept aside (at most MAX_PENDING) until the statements between arrive    group-gap
 *   version ≤ head    the same statement again: group-stale; another one at that version: a fork
 *
 * Authority: an admin of the state a statement follows may change anything (the result keeps an admin); any
 * other member may only remove itself, changing nothing else (group-not-admin); a non-member nothing
 * (group-not-member).
 *
 * Forks: two admins who change the same state at once make two statements of one version. Every member
 * keeps the one with the lower hash, whichever came first: a member holding the other rewinds to their
 * common parent (if within the last LOG_DEPTH statements) and drops what was built on the loser. A
 * statement naming a state we do not hold is refused (group-fork) but kept aside (within MAX_PENDING), in
 * case its branch wins later. So every member that gets the same statements, in any order, holds the
 * same state.
 */
import { compareBytes, equalBytes, toHex } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import type { GroupStatement } from '../../crypto/group-statement.ts';
import { type GroupView, isAdmin, memberOf, viewOf } from './group-state.ts';
import type { PeerId } from './session-types.ts';

/** Statements kept behind the head: how far back a fork can still be resolved. */
export const LOG_DEPTH = 16;
/** Statements kept ahead of the head, waiting for the ones between. */
export const MAX_PENDING = 16;

export interface GroupMachineState {
  /** Oldest first; the last is the head, the state in force. Never empty. */
  readonly log: readonly GroupStatement[];
  readonly pending: readonly GroupStatement[];
}

export interface GroupInput {
  readonly type: 'statement';
  readonly statement: GroupStatement;
  /** Who handed it to us (the pairwise session's peer, or ourselves for our own change). */
  readonly from: PeerId;
}

export type GroupEffect =
  /** `statement` is now the head; `previous` was (null: the first state we hold of this group). */
  | { type: 'applied'; previous: GroupView | null; statement: GroupStatement }
  /** A fork was resolved for a statement of lower hash: these statements are no longer in force. */
  | { type: 'rewound'; dropped: readonly GroupStatement[] }
  | { type: 'buffered'; statement: GroupStatement }
  | { type: 'refused'; statement: GroupStatement; error: ProtocolError };

export interface GroupStep {
  readonly state: GroupMachineState | null;
  readonly effects: GroupEffect[];
}

export const headOf = (state: GroupMachineState): GroupStatement => state.log[state.log.length - 1]!;

export function step(state: GroupMachineState | null, ownKey: PeerId, input: GroupInput): GroupStep {
  const { statement, from } = input;
  const effects: GroupEffect[] = [];
  const refuse = (error: ProtocolError): GroupStep => ({
    state,
    effects: [{ type: 'refused', statement, error }],
  });
  const head = state ? headOf(state) : null;
  if (!state || !head || (!memberOf(viewOf(head), ownKey) && statement.version > head.version + 1)) {
    // A group we do not hold, or were removed from and are now added to again past what we missed.
    const error = firstStateError(statement, ownKey, from);
    if (error) return refuse(error);
    const previous = head && statement.version > head.version ? viewOf(head) : null;
    effects.push({ type: 'applied', previous, statement });
    return drain({ log: [statement], pending: [] }, effects);
  }
  if (statement.version <= head.version) return sibling(state, statement, refuse, effects);
  if (statement.version > head.version + 1) {
    if (state.pending.some((p) => equalBytes(p.hash, statement.hash)))
      return refuse(new ProtocolError('group-stale', 'statement already waiting'));
    if (state.pending.length >= MAX_PENDING)
      return refuse(new ProtocolError('group-gap', 'too many statements ahead of the state held'));
    effects.push({ type: 'buffered', statement });
    return { state: { ...state, pending: [...state.pending, statement] }, effects };
  }
  if (!equalBytes(statement.previousHash, head.hash)) return forkAside(state, statement);
  const error = successorError(head, statement);
  if (error) return refuse(error);
  return drain(append(state, statement, effects), effects);
}

/**
 * A statement that names a state we do not hold is refused (group-fork), but kept aside while there is room:
 * if the branch it belongs to wins a fork later (its first statement has the lower hash), it follows then.
 */
function forkAside(state: GroupMachineState, statement: GroupStatement): GroupStep {
  const error = new ProtocolError('group-fork', 'names a state we do not hold');
  const known = state.pending.some((p) => equalBytes(p.hash, statement.hash));
  const room = state.pending.length < MAX_PENDING;
  return {
    state: known || !room ? state : { ...state, pending: [...state.pending, statement] },
    effects: [{ type: 'refused', statement, error }],
  };
}

/** A statement of a version we already passed: a replay, a stale fork, or a fork of lower hash that wins. */
function sibling(
  state: GroupMachineState,
  statement: GroupStatement,
  refuse: (error: ProtocolError) => GroupStep,
  effects: GroupEffect[],
): GroupStep {
  const index = state.log.findIndex((s) => s.version === statement.version);
  const held = state.log[index];
  if (!held)
    return refuse(new ProtocolError('group-stale', `version ${statement.version} is behind what we keep`));
  if (equalBytes(held.hash, statement.hash))
    return refuse(new ProtocolError('group-stale', 'statement already applied'));
  const parent = state.log[index - 1];
  if (!parent) return refuse(new ProtocolError('group-fork', 'a fork of the oldest state we keep'));
  if (!equalBytes(parent.hash, statement.previousHash)) return forkAside(state, statement);
  const error = successorError(parent, statement);
  if (error) return refuse(error);
  if (compareBytes(statement.hash, held.hash) >= 0)
    return refuse(new ProtocolError('group-fork', 'another statement of this version has the lower hash'));
  const dropped = state.log.slice(index);
  effects.push({ type: 'rewound', dropped });
  const kept: GroupMachineState = { ...state, log: state.log.slice(0, index) };
  return drain(append(kept, statement, effects), effects);
}

function append(
  state: GroupMachineState,
  statement: GroupStatement,
  effects: GroupEffect[],
): GroupMachineState {
  effects.push({ type: 'applied', previous: viewOf(headOf(state)), statement });
  return { ...state, log: [...state.log, statement].slice(-LOG_DEPTH) };
}

/** Applies the statements waiting for the new head, in order; drops those it passed. */
function drain(state: GroupMachineState, effects: GroupEffect[]): GroupStep {
  let current = state;
  for (;;) {
    const head = headOf(current);
    // Statements at or behind the head stay aside too (another branch may still win), until the log holds
    // them or has moved past their version.
    const oldest = current.log[0]!.version;
    const pending = current.pending.filter(
      (p) => p.version > oldest && !current.log.some((l) => equalBytes(l.hash, p.hash)),
    );
    // Only a statement that names the head follows it; one of the same version built on another branch
    // waits, in case its branch wins a fork later.
    // Of two waiting statements that both follow the head (a fork that arrived early), the lower hash wins.
    const next = pending
      .filter((p) => p.version === head.version + 1 && equalBytes(p.previousHash, head.hash))
      .sort((a, b) => compareBytes(a.hash, b.hash))[0];
    if (!next) return { state: { ...current, pending }, effects };
    const rest = pending.filter((p) => p !== next);
    const error = successorError(head, next);
    if (error) {
      effects.push({ type: 'refused', statement: next, error });
      current = { ...current, pending: rest };
    } else current = append({ ...current, pending: rest }, next, effects);
  }
}

/** Why `next` may not follow `head`, or undefined if it may. */
export function successorError(head: GroupStatement, next: GroupStatement): ProtocolError | undefined {
  if (!equalBytes(head.groupId, next.groupId)) return new ProtocolError('group-fork', 'another group');
  if (next.version !== head.version + 1) return new ProtocolError('group-gap', `version ${next.version}`);
  if (!equalBytes(next.previousHash, head.hash))
    return new ProtocolError('group-fork', 'names another state');
  const before = viewOf(head);
  const signer = toHex(next.signer);
  if (!memberOf(before, signer)) return new ProtocolError('group-not-member', 'signed by a non-member');
  const after = viewOf(next);
  if (isAdmin(before, signer)) {
    if (!after.members.some((m) => m.admin))
      return new ProtocolError('group-not-admin', 'a group left without admin');
    return undefined;
  }
  return isOwnLeave(before, after, signer)
    ? undefined
    : new ProtocolError('group-not-admin', 'only an admin may change the group');
}

/** `after` is `before` without `member`, and nothing else changed. */
function isOwnLeave(before: GroupView, after: GroupView, member: PeerId): boolean {
  if (after.name !== before.name || after.expiresInSeconds !== before.expiresInSeconds) return false;
  const rest = before.members.filter((m) => m.key !== member);
  return (
    rest.length === after.members.length &&
    rest.every((m, i) => {
      const other = after.members[i]!;
      return other.key === m.key && other.admin === m.admin && other.name === m.name;
    })
  );
}

/** A first state is taken on its signer's word alone: it must come from the signer, an admin of it, and list us. */
function firstStateError(statement: GroupStatement, ownKey: PeerId, from: PeerId): ProtocolError | undefined {
  const view = viewOf(statement);
  if (!memberOf(view, ownKey)) return new ProtocolError('group-not-member', 'a group that does not list us');
  if (toHex(statement.signer) !== from)
    return new ProtocolError('group-gap', 'a group we do not hold, not from the signer of its state');
  if (!isAdmin(view, from))
    return new ProtocolError('group-not-admin', 'a group state its signer is no admin of');
  return undefined;
}
