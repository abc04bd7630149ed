/**
 * Every group this member holds: one group machine each (group-machine.ts), the statements it keeps, and
 * what the app keeps at rest (the statements as hex, sealed in the vault with the contacts; spec/storage.md).
 */
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { type GroupStatement, groupStatementFromBytes } from '../../crypto/group-statement.ts';
import { type GroupEffect, type GroupMachineState, headOf, step } from './group-machine.ts';
import { type GroupId, type GroupView, isMember, viewOf } from './group-state.ts';
import type { PeerId } from './session-types.ts';

/** One group at rest: its log (oldest first, head last) and the statements waiting ahead of it. */
export interface SavedGroup {
  readonly log: readonly string[];
  readonly pending: readonly string[];
}

export class GroupRegistry {
  private readonly groups = new Map<GroupId, GroupMachineState>();

  constructor(readonly ownKey: PeerId) {}

  /** Runs one statement (signature already verified) through its group's machine. */
  apply(statement: GroupStatement, from: PeerId): GroupEffect[] {
    const id = toHex(statement.groupId);
    const result = step(this.groups.get(id) ?? null, this.ownKey, { type: 'statement', statement, from });
    if (result.state) this.groups.set(id, result.state);
    return result.effects;
  }

  get(id: GroupId): GroupView | undefined {
    const state = this.groups.get(id);
    return state ? viewOf(headOf(state)) : undefined;
  }

  head(id: GroupId): GroupStatement | undefined {
    const state = this.groups.get(id);
    return state ? headOf(state) : undefined;
  }

  list(): GroupView[] {
    return [...this.groups.values()].map((state) => viewOf(headOf(state)));
  }

  /** We are a member of the group's current state. */
  isActive(id: GroupId): boolean {
    const view = this.get(id);
    return view !== undefined && isMember(view, this.ownKey);
  }

  /** `peer` and we are both members of some group's current state. */
  isCoMember(peer: PeerId): boolean {
    if (peer === this.ownKey) return false;
    return this.list().some((view) => isMember(view, this.ownKey) && isMember(view, peer));
  }

  /** Every co-member of every group we are in (for presence). */
  coMembers(): PeerId[] {
    const out = new Set<PeerId>();
    for (const view of this.list()) {
      if (!isMember(view, this.ownKey)) continue;
      for (const member of view.members) if (member.key !== this.ownKey) out.add(member.key);
    }
    return [...out];
  }

  /** Deletes our copy of a group (after leaving it or being removed: nothing more arrives for it). */
  forget(id: GroupId): void {
    this.groups.delete(id);
  }

  save(): SavedGroup[] {
    return [...this.groups.values()].map((state) => ({
      log: state.log.map((s) => toHex(s.bytes)),
      pending: state.pending.map((s) => toHex(s.bytes)),
    }));
  }

  /** Statements at rest were verified when they arrived; their layout is checked again here. */
  restore(saved: readonly SavedGroup[]): void {
    for (const group of saved) {
      const log = group.log.map((hex) => groupStatementFromBytes(fromHex(hex)));
      const pending = group.pending.map((hex) => groupStatementFromBytes(fromHex(hex)));
      const head = log[log.length - 1];
      if (head) this.groups.set(toHex(head.groupId), { log, pending });
    }
  }
}
