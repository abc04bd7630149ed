/** The CLI's group commands: group-create, groups, group-send; and the group side of listen. */

import { randomBytes } from 'node:crypto';
import { toHex } from '../../crypto/bytes.ts';
import type { Identity } from '../../crypto/identity.ts';
import { type GroupEvent, GroupMessenger } from '../core/group-messenger.ts';
import type { GroupRegistry } from '../core/group-registry.ts';
import { type GroupChange, isMember } from '../core/group-state.ts';
import type { ContactDirectory, MessengerEvent } from '../core/messenger.ts';
import type { PeerId } from '../core/session-manager.ts';
import { type ChatNode, startChatNode } from './chat-node.ts';
import type { Output } from './commands-local.ts';
import type { ContactBook } from './contacts-file.ts';
import { findGroup, groupsPathFor, loadGroups, saveGroups } from './groups-file.ts';
import { backend, CliError } from './identity-file.ts';
import { outboxFile, outboxPathFor } from './outbox-file.ts';
import { inert } from './terminal.ts';

/** What the group commands need of a command's context (commands-net.ts NetContext has it all). */
export interface NetContext {
  readonly identity: Identity;
  readonly name: string;
  readonly identityPath: string;
  readonly relayUrls: readonly string[];
  readonly book: ContactBook;
  readonly out: Output;
}

type GroupMessengerEvent = Extract<MessengerEvent, { type: 'group' | 'group-typing' }>;
const clock = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);

/** The groups of one run: loaded from groups.json, kept there after every change, printed as they happen. */
export class GroupSide {
  private groups: GroupMessenger | undefined;

  private constructor(
    readonly registry: GroupRegistry,
    private readonly path: string,
    private readonly context: NetContext,
  ) {}

  static async open(context: NetContext): Promise<GroupSide> {
    const path = groupsPathFor(context.identityPath);
    return new GroupSide(await loadGroups(path, toHex(context.identity.publicKey)), path, context);
  }

  /** Contacts from the book; co-members who are not contacts count as members. */
  directory(extra: ReadonlySet<PeerId> = new Set()): ContactDirectory {
    const { book } = this.context;
    return {
      status: (peer) =>
        book.byKey(peer) || extra.has(peer)
          ? 'contact'
          : this.registry.isCoMember(peer)
            ? 'member'
            : 'stranger',
      list: () => [
        ...new Set([...book.list().map((c) => c.publicKey), ...extra, ...this.registry.coMembers()]),
      ],
    };
  }

  attach(node: ChatNode, onEvent: (event: GroupEvent) => void = () => {}): GroupMessenger {
    const { book, identity } = this.context;
    this.groups = new GroupMessenger({
      identity,
      backend,
      random: (n) => new Uint8Array(randomBytes(n)),
      now: Date.now,
      messenger: node.messenger,
      registry: this.registry,
      contacts: { status: (peer) => (book.byKey(peer) ? 'contact' : 'stranger') },
      onEvent: async (event) => {
        if (event.type === 'group-changed') await saveGroups(this.path, this.registry);
        const line = this.describe(event);
        if (line) this.context.out.line(line);
        onEvent(event);
      },
    });
    return this.groups;
  }

  /** For the messenger's onEvent: resolving acknowledges the body. */
  receive(event: GroupMessengerEvent): Promise<void> {
    if (!this.groups) throw new Error('not ready'); // not stored: the sender's outbox resends it
    return this.groups.receive(event);
  }

  nameOf(groupId: string, peer: PeerId): string {
    if (peer === toHex(this.context.identity.publicKey)) return 'you';
    const contact = this.context.book.byKey(peer);
    if (contact) return contact.name;
    const member = this.registry.get(groupId)?.members.find((m) => m.key === peer);
    return member ? `${inert(member.name)} (not a contact, ${peer.slice(0, 8)}…)` : `${peer.slice(0, 8)}…`;
  }

  private describe(event: GroupEvent): string | undefined {
    const group = inert(this.registry.get(event.groupId)?.name ?? event.groupId.slice(0, 8));
    const name = (peer: PeerId) => this.nameOf(event.groupId, peer);
    switch (event.type) {
      case 'group-message':
        return `[${clock(event.message.sentAt)}] [${group}] ${name(event.peer)}: ${inert(event.message.text)}`;
      case 'group-changed':
        return event.changes.map((change) => changeLine(group, change, name)).join('\n');
      case 'group-read':
        return `* [${group}] ${name(event.peer)} read ${event.ids.length} message(s)`;
      default:
        return undefined;
    }
  }
}

function changeLine(group: string, change: GroupChange, name: (peer: PeerId) => string): string {
  switch (change.type) {
    case 'created':
      return `* [${group}] ${name(change.by)} created the group`;
    case 'added':
      return `* [${group}] ${name(change.by)} added ${name(change.member)}`;
    case 'removed':
      return `* [${group}] ${name(change.by)} removed ${name(change.member)}`;
    case 'left':
      return `* [${group}] ${name(change.member)} left`;
    case 'renamed':
      return `* [${group}] ${name(change.by)} renamed the group`;
    case 'timer':
      return `* [${group}] ${name(change.by)} set disappearing messages to ${change.expiresInSeconds ? `${change.expiresInSeconds}s` : 'off'}`;
    case 'admin':
      return `* [${group}] ${name(change.by)} changed ${name(change.member)}'s role`;
  }
}

/** groups: the groups this identity holds, with their members. */
export async function listGroups(
  context: Pick<NetContext, 'identityPath' | 'identity' | 'book'>,
  out: Output,
) {
  const registry = await loadGroups(groupsPathFor(context.identityPath), toHex(context.identity.publicKey));
  const me = toHex(context.identity.publicKey);
  const groups = registry.list();
  if (groups.length === 0) out.line('no groups');
  for (const group of groups) {
    const state = isMember(group, me) ? '' : ' (you are no longer in it)';
    out.line(`${group.id}  ${inert(group.name)}  v${group.version}${state}`);
    for (const m of group.members) {
      const contact = m.key === me ? 'you' : context.book.byKey(m.key)?.name;
      out.line(
        `  ${m.admin ? 'admin ' : '      '}${contact ?? `${inert(m.name)} (not a contact)`}  ${m.key}`,
      );
    }
  }
}

/**
 * Runs one group action on a fresh relay connection, then waits until no copy of a body of that group waits
 * in the outbox for its member's ack (or the timeout).
 */
async function oneShot(
  context: NetContext,
  timeoutMs: number,
  action: (groups: GroupMessenger, side: GroupSide) => Promise<{ groupId: string; to: PeerId[] }>,
): Promise<number> {
  const side = await GroupSide.open(context);
  const node = await startChatNode({
    url: context.relayUrls[0]!,
    otherUrls: context.relayUrls.slice(1),
    identity: context.identity,
    outbox: outboxFile(outboxPathFor(context.identityPath), context.identity),
    contacts: side.directory(),
    reconnect: false,
    onEvent: (event) =>
      event.type === 'group' || event.type === 'group-typing' ? side.receive(event) : undefined,
  });
  try {
    const groups = side.attach(node);
    node.messenger.announce();
    const { groupId, to } = await action(groups, side);
    const waitingFor = () =>
      to.filter((peer) =>
        node.messenger.outbox
          .forPeer(peer)
          .some((e) => e.body.type === 'group' && e.body.groupId === groupId),
      );
    const deadline = Date.now() + timeoutMs;
    while (waitingFor().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const waiting = waitingFor();
    context.out.line(`acknowledged by ${to.length - waiting.length} of ${to.length} member(s)`);
    if (waiting.length)
      context.out.line(
        `kept for ${waiting.map((peer) => side.nameOf(groupId, peer)).join(', ')}: sent again by the next tincan run (listen, group-send)`,
      );
    return waiting.length === 0 ? 0 : 3;
  } finally {
    await node.messenger.leave();
    await node.close();
  }
}

/** group-create: a group of us and these contacts. */
export function createGroup(
  context: NetContext,
  name: string,
  members: readonly string[],
  timeoutMs: number,
): Promise<number> {
  const keys = members.map((member) => resolveContact(context.book, member));
  return oneShot(context, timeoutMs, async (groups) => {
    const groupId = await groups.create(
      name,
      context.name,
      keys.map((key) => ({ key, name: context.book.byKey(key)?.name ?? key.slice(0, 8) })),
    );
    context.out.line(`created group ${groupId} "${inert(name)}"`);
    return { groupId, to: keys };
  });
}

/** group-send: one message to every other member of a group. */
export function sendToGroup(context: NetContext, nameOrId: string, text: string, timeoutMs: number) {
  return oneShot(context, timeoutMs, async (groups, side) => {
    const group = findGroup(side.registry, nameOrId);
    if (!side.registry.isActive(group.id)) throw new CliError(`you are no longer in "${group.name}"`);
    groups.sendText(group.id, text);
    const me = toHex(context.identity.publicKey);
    return { groupId: group.id, to: group.members.map((m) => m.key).filter((k) => k !== me) };
  });
}

function resolveContact(book: ContactBook, member: string): PeerId {
  const { publicKey, contact } = book.resolve(member);
  if (!contact) throw new CliError(`"${member}" is not a contact: a group is made of your contacts`);
  return publicKey;
}
