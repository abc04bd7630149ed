/** The CLI commands that talk through a relay: send, listen, chat. */
import { createInterface } from 'node:readline';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { encodeContactCode } from '../../crypto/contact-code.ts';
import type { Identity } from '../../crypto/identity.ts';
import { safetyNumber } from '../../crypto/safety-number.ts';
import type { ContactDirectory, MessengerEvent } from '../core/messenger.ts';
import type { PeerId } from '../core/session-manager.ts';
import { type ChatNode, startChatNode } from './chat-node.ts';
import { GroupSide } from './commands-groups.ts';
import type { Output } from './commands-local.ts';
import { type ContactBook, contactsPathFor } from './contacts-file.ts';
import { CliError } from './identity-file.ts';
import { outboxFile, outboxPathFor } from './outbox-file.ts';
import { describe, inert } from './terminal.ts';

export interface NetContext {
  readonly identity: Identity;
  readonly name: string;
  readonly identityPath: string;
  /** The relay nodes to use, in order (several: failover). */
  readonly relayUrls: readonly string[];
  readonly book: ContactBook;
  readonly out: Output;
}

/** The book, plus peers reached by code this run (they must count as contacts, or their acks are dropped). */
function directory(book: ContactBook, extra: Set<PeerId>): ContactDirectory {
  return {
    status: (peer) => (book.byKey(peer) || extra.has(peer) ? 'contact' : 'stranger'),
    list: () => [...book.list().map((c) => c.publicKey), ...extra],
  };
}

const nameOf = (book: ContactBook) => (peer: PeerId) => book.byKey(peer)?.name ?? `${peer.slice(0, 8)}…`;

/** send: connect, (request contact if needed), send, wait for the end-to-end ack, leave. */
export async function send(
  context: NetContext,
  target: string,
  text: string,
  options: { timeoutMs: number; wait: boolean },
): Promise<number> {
  const { book, out } = context;
  const { publicKey: peer, contact } = book.resolve(target);
  if (peer === toHex(context.identity.publicKey)) throw new CliError('cannot send to yourself');
  const label = contact?.name ?? `${peer.slice(0, 8)}…`;
  let settle: (outcome: 'delivered' | 'undeliverable' | 'timeout') => void = () => {};
  const outcome = new Promise<'delivered' | 'undeliverable' | 'timeout'>((resolve) => {
    settle = resolve;
  });
  let messageId = '';
  const node = await startChatNode({
    url: context.relayUrls[0]!,
    otherUrls: context.relayUrls.slice(1),
    identity: context.identity,
    outbox: outboxFile(outboxPathFor(context.identityPath), context.identity),
    contacts: directory(book, new Set([peer])),
    reconnect: false,
    onConnection: (state, detail) => {
      if (state === 'stopped') out.line(`relay connection closed (${detail})`);
    },
    onEvent: async (event) => {
      if (event.peer !== peer) return;
      if (event.type === 'delivered' && event.ids.includes(messageId)) settle('delivered');
      if (event.type === 'unreachable' && !options.wait) settle('undeliverable');
      if (event.type === 'unreachable' && options.wait)
        out.line(`${label} is offline; waiting for them to come online…`);
      if (event.type === 'contact-response' && event.accepted && contact) {
        contact.confirmed = true;
        await book.save();
      }
    },
  });
  const timer = setTimeout(() => settle('timeout'), options.timeoutMs);
  try {
    if (!contact?.confirmed) node.messenger.requestContact(peer, context.name);
    messageId = node.messenger.sendText(peer, text).id;
    const result = await outcome;
    if (result === 'delivered') out.line(`delivered to ${label} (end-to-end acknowledged)`);
    if (result === 'undeliverable')
      out.line(`undeliverable: ${label} is not connected to ${context.relayUrls.join(', ')}`);
    if (result === 'timeout') {
      const hint = contact?.confirmed ? '' : ` (${label} may not have accepted your contact request yet)`;
      out.line(`not acknowledged by ${label} within ${Math.round(options.timeoutMs / 1000)}s${hint}`);
    }
    if (result !== 'delivered')
      out.line('kept: it is sent again by the next tincan send, chat or listen until acknowledged');
    return result === 'delivered' ? 0 : result === 'undeliverable' ? 2 : 3;
  } finally {
    clearTimeout(timer);
    await node.messenger.leave();
    await node.close();
  }
}

/** Contact requests, as listen and chat handle them. */
async function onContactRequest(
  context: NetContext,
  node: ChatNode,
  event: Extract<MessengerEvent, { type: 'contact-request' }>,
  acceptRequests: boolean,
): Promise<void> {
  const { book, out } = context;
  const display = inert(event.displayName);
  const known = book.byKey(event.peer);
  if (known || acceptRequests) {
    // Asked by someone we added ourselves: adding them was already our consent.
    const contact =
      known ??
      book.add(
        { publicKey: fromHex(event.peer), displayName: event.displayName },
        book.freeName(event.displayName),
        new Date(),
      );
    contact.confirmed = true;
    await book.save();
    node.messenger.acceptContact(event.peer, context.name);
    if (!known) out.line(`* accepted contact request from "${display}" as ${contact.name}`);
    return;
  }
  const digits = safetyNumber(context.identity.publicKey, fromHex(event.peer)).groups.join(' ');
  out.line(`* contact request from "${display}" (safety number ${digits})`);
  out.line(`  to accept: tincan add ${encodeContactCode({ publicKey: fromHex(event.peer) })} --name NAME`);
}

/** listen (and chat): print what arrives until interrupted; returns a stop function. */
export async function listen(
  context: NetContext,
  options: { acceptRequests: boolean; extraPeers?: Set<PeerId>; onEvent?: (event: MessengerEvent) => void },
): Promise<ChatNode> {
  const { book, out } = context;
  let node: ChatNode | undefined;
  const groups = await GroupSide.open(context);
  const started = startChatNode({
    url: context.relayUrls[0]!,
    otherUrls: context.relayUrls.slice(1),
    identity: context.identity,
    outbox: outboxFile(outboxPathFor(context.identityPath), context.identity),
    contacts: groups.directory(options.extraPeers ?? new Set()),
    reconnect: true,
    onConnection: (state, detail) => {
      if (state !== 'connected') out.line(`* relay connection ${state}${detail ? ` (${detail})` : ''}`);
    },
    onEvent: async (event) => {
      options.onEvent?.(event);
      if (event.type === 'group' || event.type === 'group-typing') return groups.receive(event);
      if (event.type === 'contact-request') {
        if (node) return onContactRequest(context, node, event, options.acceptRequests);
        throw new Error('not ready'); // not stored: the sender's outbox resends it
      }
      if (event.type === 'contact-response' && event.accepted) {
        const contact = book.byKey(event.peer);
        if (contact) contact.confirmed = true;
        await book.save();
      }
      const line = describe(event, { nameOf: nameOf(book) }, Date.now());
      if (line) out.line(line);
    },
  });
  node = await started;
  groups.attach(node);
  node.messenger.announce();
  out.line(
    `listening on ${context.relayUrls.join(', ')} as ${context.name} (contacts in ${contactsPathFor(context.identityPath)})`,
  );
  return node;
}

/** chat: listen, and send every line typed to one contact; `ended` resolves when input ends. */
export async function chat(
  context: NetContext,
  target: string,
  acceptRequests: boolean,
): Promise<{ node: ChatNode; ended: Promise<void> }> {
  const { publicKey: peer, contact } = context.book.resolve(target);
  const node = await listen(context, {
    acceptRequests,
    extraPeers: new Set([peer]),
    onEvent: (event) => {
      if (event.type === 'unreachable' && event.peer === peer)
        context.out.line('* offline: messages will go out when they come online');
    },
  });
  if (!contact?.confirmed) node.messenger.requestContact(peer, context.name);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim()) node.messenger.sendText(peer, line);
  });
  const ended = new Promise<void>((resolve) => lines.once('close', resolve));
  return { node, ended };
}
