/**
 * Groups over the pairwise messenger (spec/groups.md). Every group body goes out as one ordinary pairwise
 * copy per member, through the messenger's outbox (one entry and one ack per copy), so a member who is
 * offline gets what was sent meanwhile exactly as in a one-to-one chat. A change to the group is a signed
 * statement, applied here first and then sent to every member of the state before and after it (so a
 * removed member learns of its removal, and gets nothing after it). Isomorphic: no DOM, no Node APIs.
 */
import { fromHex, toHex } from '../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import { isProtocolError, ProtocolError, type ProtocolErrorCode } from '../../crypto/errors.ts';
import {
  type GroupMember,
  type GroupStatement,
  NO_PREVIOUS_STATE,
  openGroupStatement,
  signGroupStatement,
} from '../../crypto/group-statement.ts';
import type { Identity } from '../../crypto/identity.ts';
import { type MessageId, newMessageId } from './chat-protocol.ts';
import type { GroupBody, GroupPayload } from './group-bodies.ts';
import type { GroupRegistry } from './group-registry.ts';
import {
  describeChange,
  type GroupChange,
  type GroupId,
  type GroupMemberView,
  type GroupView,
  isMember,
  viewOf,
} from './group-state.ts';
import type { ChatMessage, ContactDirectory, MessengerEvent } from './messenger-types.ts';
import type { PeerId } from './session-types.ts';

export type GroupEvent =
  /** A statement was applied (ours or a member's): keep the groups at rest, show `changes` as lines. */
  | {
      type: 'group-changed';
      groupId: GroupId;
      view: GroupView;
      previous: GroupView | null;
      changes: GroupChange[];
    }
  | { type: 'group-message'; groupId: GroupId; peer: PeerId; message: ChatMessage }
  | { type: 'group-read'; groupId: GroupId; peer: PeerId; ids: MessageId[] }
  | { type: 'group-typing'; groupId: GroupId; peer: PeerId; typing: boolean }
  | { type: 'group-refused'; groupId: GroupId; peer: PeerId; code: ProtocolErrorCode; detail: string };

/** What the group messenger needs of the messenger (messenger.ts). */
export interface PairwiseSender {
  sendReliable(peer: PeerId, body: GroupBody): MessageId;
  sendUnreliable(
    peer: PeerId,
    body: { type: 'groupTyping'; groupId: GroupId; typing: boolean },
  ): Promise<void>;
  readonly sessions: { hasSession(peer: PeerId): boolean };
}

export interface GroupMessengerOptions {
  readonly identity: Identity;
  readonly backend: Ed25519Backend;
  readonly random: (length: number) => Uint8Array;
  readonly now: () => number;
  readonly messenger: PairwiseSender;
  readonly registry: GroupRegistry;
  readonly contacts: Pick<ContactDirectory, 'status'>;
  /** group-changed and group-message are stored once the promise resolves (then the body is acknowledged). */
  readonly onEvent: (event: GroupEvent) => void | Promise<void>;
}

export interface GroupEdit {
  readonly name?: string;
  readonly expiresInSeconds?: number;
  readonly members?: readonly GroupMemberView[];
}

export class GroupMessenger {
  private readonly ownKey: PeerId;
  private lastSentAt = 0;

  constructor(private readonly options: GroupMessengerOptions) {
    this.ownKey = toHex(options.identity.publicKey);
  }

  get registry(): GroupRegistry {
    return this.options.registry;
  }

  /** Makes a group of us (its admin, named `selfName`) and `members`; returns its id. */
  async create(
    name: string,
    selfName: string,
    members: readonly { key: PeerId; name: string }[],
    expiresInSeconds = 0,
  ): Promise<GroupId> {
    const all: GroupMember[] = [
      { key: this.options.identity.publicKey, admin: true, name: selfName },
      ...members
        .filter((m) => m.key !== this.ownKey)
        .map((m) => ({ key: fromHex(m.key), admin: false, name: m.name })),
    ];
    const statement = await signGroupStatement(this.options.identity, {
      groupId: this.options.random(16),
      version: 1,
      previousHash: NO_PREVIOUS_STATE,
      signer: this.options.identity.publicKey,
      expiresInSeconds,
      name,
      members: all,
    });
    await this.publish(statement, []);
    return toHex(statement.groupId);
  }

  /** Signs the next state of a group we are an admin of (or, for leaving, a member of) and sends it. */
  async change(groupId: GroupId, edit: GroupEdit): Promise<GroupView> {
    const head = this.options.registry.head(groupId);
    if (!head) throw new RangeError(`no group ${groupId}`);
    const before = viewOf(head);
    const members = edit.members ?? before.members;
    const statement = await signGroupStatement(this.options.identity, {
      groupId: head.groupId,
      version: head.version + 1,
      previousHash: head.hash,
      signer: this.options.identity.publicKey,
      expiresInSeconds: edit.expiresInSeconds ?? before.expiresInSeconds,
      name: edit.name ?? before.name,
      members: members.map((m) => ({ key: fromHex(m.key), admin: m.admin, name: m.name })),
    });
    const view = await this.publish(
      statement,
      before.members.map((m) => m.key),
    );
    return view;
  }

  addMembers(groupId: GroupId, added: readonly { key: PeerId; name: string }[]): Promise<GroupView> {
    const view = this.view(groupId);
    const fresh = added.filter((m) => !isMember(view, m.key)).map((m) => ({ ...m, admin: false }));
    return this.change(groupId, { members: [...view.members, ...fresh] });
  }

  removeMember(groupId: GroupId, key: PeerId): Promise<GroupView> {
    const view = this.view(groupId);
    return this.change(groupId, { members: view.members.filter((m) => m.key !== key) });
  }

  /** Leaves the group. The last admin to leave hands the admin role to the first remaining member. */
  leave(groupId: GroupId): Promise<GroupView> {
    const view = this.view(groupId);
    const rest = view.members.filter((m) => m.key !== this.ownKey);
    if (rest.length === 0) throw new RangeError('the last member cannot leave: forget the group instead');
    const members =
      rest.some((m) => m.admin) || !view.members.find((m) => m.key === this.ownKey)?.admin
        ? rest
        : rest.map((m, i) => (i === 0 ? { ...m, admin: true } : m));
    return this.change(groupId, { members });
  }

  /** Sends a text to every other member of the group's current state; the group's timer applies. */
  sendText(groupId: GroupId, text: string): ChatMessage {
    const view = this.activeView(groupId);
    const sentAt = Math.max(this.options.now(), this.lastSentAt + 1);
    this.lastSentAt = sentAt;
    const expires = view.expiresInSeconds;
    const message: ChatMessage = expires
      ? { id: newMessageId(this.options.random), sentAt, text, expiresInSeconds: expires }
      : { id: newMessageId(this.options.random), sentAt, text };
    const payload: GroupPayload = expires
      ? { kind: 'text', sentAt, text, expiresInSeconds: expires }
      : { kind: 'text', sentAt, text };
    this.fanOut(groupId, message.id, payload, this.others(view));
    return message;
  }

  /** Tells the author of `ids` (messages of this group) that we read them. */
  markRead(groupId: GroupId, author: PeerId, ids: MessageId[]): MessageId {
    this.activeView(groupId);
    const id = newMessageId(this.options.random);
    this.fanOut(groupId, id, { kind: 'read', ids }, [author]);
    return id;
  }

  /** Typing goes only over sessions that exist, as in a one-to-one chat. */
  setTyping(groupId: GroupId, typing: boolean): void {
    const { messenger } = this.options;
    for (const peer of this.others(this.activeView(groupId)))
      if (messenger.sessions.hasSession(peer))
        void messenger.sendUnreliable(peer, { type: 'groupTyping', groupId, typing });
  }

  /**
   * A group event from the messenger. For a group body, resolving means "stored, acknowledge it"; a body we
   * refuse for good (a forged or stale statement) is acknowledged too, so that its sender stops; a body
   * from someone who is not (yet) a member is not, so that it comes again once we hold the state it follows.
   */
  async receive(event: Extract<MessengerEvent, { type: 'group' | 'group-typing' }>): Promise<void> {
    if (event.type === 'group-typing') {
      const view = this.options.registry.get(event.groupId);
      if (view && isMember(view, this.ownKey) && isMember(view, event.peer))
        await this.options.onEvent({
          type: 'group-typing',
          groupId: event.groupId,
          peer: event.peer,
          typing: event.typing,
        });
      return;
    }
    const { peer, body } = event;
    const { payload } = body;
    if (payload.kind === 'statement') return this.receiveStatement(peer, body.groupId, payload.statement);
    const view = this.options.registry.get(body.groupId);
    if (!view || !isMember(view, this.ownKey) || !isMember(view, peer)) {
      const error = new ProtocolError('group-not-member', `${payload.kind} from outside the group`);
      await this.refused(body.groupId, peer, error);
      throw error;
    }
    if (payload.kind === 'read') {
      await this.options.onEvent({ type: 'group-read', groupId: body.groupId, peer, ids: [...payload.ids] });
      return;
    }
    const base = { id: body.id, sentAt: payload.sentAt, text: payload.text };
    const message: ChatMessage = payload.expiresInSeconds
      ? { ...base, expiresInSeconds: payload.expiresInSeconds }
      : base;
    await this.options.onEvent({ type: 'group-message', groupId: body.groupId, peer, message });
  }

  private async receiveStatement(peer: PeerId, groupId: GroupId, bytes: Uint8Array): Promise<void> {
    let statement: GroupStatement;
    try {
      statement = await openGroupStatement(this.options.backend, bytes);
      if (toHex(statement.groupId) !== groupId)
        throw new ProtocolError('group-fork', 'statement of another group');
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      return this.refused(groupId, peer, error);
    }
    // A group we do not hold is taken only from a contact: a stranger cannot pull us into a group.
    if (!this.options.registry.get(groupId) && this.options.contacts.status(peer) !== 'contact')
      return this.refused(
        groupId,
        peer,
        new ProtocolError('group-not-member', 'a new group from a non-contact'),
      );
    await this.applyAndReport(statement, peer);
  }

  /** Applies our own statement, then sends it to everyone in the state before and after it. */
  private async publish(statement: GroupStatement, before: readonly PeerId[]): Promise<GroupView> {
    const effects = await this.applyAndReport(statement, this.ownKey);
    const refused = effects.find((e) => e.type === 'refused');
    if (refused) throw refused.error;
    const after = viewOf(statement);
    const to = new Set([...before, ...after.members.map((m) => m.key)]);
    to.delete(this.ownKey);
    const groupId = toHex(statement.groupId);
    this.fanOut(
      groupId,
      newMessageId(this.options.random),
      { kind: 'statement', statement: statement.bytes },
      [...to],
    );
    return after;
  }

  private async applyAndReport(statement: GroupStatement, from: PeerId) {
    const groupId = toHex(statement.groupId);
    const effects = this.options.registry.apply(statement, from);
    for (const effect of effects) {
      if (effect.type === 'applied') {
        const view = viewOf(effect.statement);
        const changes = describeChange(effect.previous, view, this.ownKey);
        await this.options.onEvent({
          type: 'group-changed',
          groupId,
          view,
          previous: effect.previous,
          changes,
        });
      } else if (effect.type === 'refused') await this.refused(groupId, from, effect.error);
    }
    return effects;
  }

  private fanOut(groupId: GroupId, id: MessageId, payload: GroupPayload, to: readonly PeerId[]): void {
    for (const peer of to) this.options.messenger.sendReliable(peer, { type: 'group', id, groupId, payload });
  }

  private async refused(groupId: GroupId, peer: PeerId, error: ProtocolError): Promise<void> {
    await this.options.onEvent({
      type: 'group-refused',
      groupId,
      peer,
      code: error.code,
      detail: error.message,
    });
  }

  private others(view: GroupView): PeerId[] {
    return view.members.map((m) => m.key).filter((key) => key !== this.ownKey);
  }

  private view(groupId: GroupId): GroupView {
    const view = this.options.registry.get(groupId);
    if (!view) throw new RangeError(`no group ${groupId}`);
    return view;
  }

  /** A group we are a member of now: nothing is sent to, or in, a group we left or were removed from. */
  private activeView(groupId: GroupId): GroupView {
    const view = this.view(groupId);
    if (!isMember(view, this.ownKey)) throw new RangeError(`not a member of group ${groupId}`);
    return view;
  }
}
