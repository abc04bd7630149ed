/**
 * The chat service: chat bodies over the session manager, with the outbox (end-to-end acks, resends),
 * receiver de-duplication, presence and the contact-request policy. Isomorphic: it runs in the browser
 * client and in the Node CLI; time, randomness and the transport are injected, and timers are the
 * caller's (call tick() every second or so).
 *
 * Policy for peers that are not contacts (spec/chat.md, Contact requests and strangers): a stranger's
 * session may carry two things, a contact request, which is acknowledged and shown as a request, and a
 * contact's key rotation from its new key (inbound-policy.ts). Anything else from a stranger is dropped
 * unread and unacknowledged; nothing but acks is ever sent to one.
 */
import { fromHex, toHex } from '../../crypto/bytes.ts';
import type { MessageKind } from '../../crypto/envelope.ts';
import type { ProtocolError } from '../../crypto/errors.ts';
import {
  type ChatBody,
  encodeBody,
  isReliable,
  type MessageId,
  newMessageId,
  type ReliableBody,
} from './chat-protocol.ts';
import { PreparedGoodbyes } from './goodbyes.ts';
import { admitInbound, admitRotation } from './inbound-policy.ts';
import {
  type ChatMessage,
  eventFor,
  type MessengerEvent,
  type MessengerOptions,
  OutboxFullError,
} from './messenger-types.ts';
import { Outbox, type OutboxEntry, type SavedOutboxEntry, VIA_HANDSHAKE } from './outbox.ts';
import { PresenceTracker } from './presence.ts';
import { SeenIds } from './seen-ids.ts';
import { SerialQueue } from './serial-queue.ts';
import { assertPeerId, type PeerId, type SessionEvent, SessionManager } from './session-manager.ts';

export type { ChatMessage, ContactDirectory, MessengerEvent, MessengerOptions } from './messenger-types.ts';
export { OutboxFullError } from './messenger-types.ts';

export class Messenger {
  readonly sessions: SessionManager;
  readonly outbox: Outbox;
  readonly presence = new PresenceTracker();
  private readonly seen = new SeenIds();
  private readonly inbound = new SerialQueue();
  private readonly sending = new Set<OutboxEntry>();
  private readonly goodbyes = new PreparedGoodbyes();
  private lastSentAt = 0;
  /** Between relayLost() and relayReconnected(): nobody can be heard, whatever is still being processed. */
  private relayDown = false;

  constructor(private readonly options: MessengerOptions) {
    const { identity, backend, random, now, transport, contacts, maxStrangers } = options;
    this.outbox = new Outbox(() => options.onOutboxChanged?.());
    this.sessions = new SessionManager({
      identity,
      backend,
      random,
      now,
      transport: {
        send: (recipient, bytes) => {
          this.goodbyes.sent(toHex(recipient));
          return transport.send(recipient, bytes);
        },
      },
      peerStatus: (peer) => contacts.status(peer),
      onEvent: (event) => this.onSessionEvent(event),
      ...(maxStrangers === undefined ? {} : { maxStrangers }),
    });
  }

  /** An envelope from the relay. */
  receive(bytes: Uint8Array): Promise<void> {
    return this.sessions.receive(bytes);
  }

  sendText(peer: PeerId, text: string, options: { expiresInSeconds?: number } = {}): ChatMessage {
    // Strictly increasing, even if the clock stands still or steps back: the receiver orders our messages by it.
    const sentAt = Math.max(this.options.now(), this.lastSentAt + 1);
    this.lastSentAt = sentAt;
    const base = { id: newMessageId(this.options.random), sentAt, text };
    const message = options.expiresInSeconds ? { ...base, expiresInSeconds: options.expiresInSeconds } : base;
    this.sendReliable(peer, { type: 'chat', ...message });
    return message;
  }

  requestContact(peer: PeerId, displayName: string): MessageId {
    return this.sendReliable(peer, {
      type: 'contactRequest',
      id: newMessageId(this.options.random),
      displayName,
    });
  }

  /** Call after the directory lists `peer` as a contact. Declining sends nothing: see forgetPeer. */
  acceptContact(peer: PeerId, displayName?: string): MessageId {
    const id = newMessageId(this.options.random);
    return this.sendReliable(peer, {
      type: 'contactResponse',
      id,
      accepted: true,
      ...(displayName ? { displayName } : {}),
    });
  }

  markRead(peer: PeerId, ids: MessageId[]): MessageId {
    return this.sendReliable(peer, { type: 'receipt', id: newMessageId(this.options.random), read: ids });
  }

  setDisappearing(peer: PeerId, expiresInSeconds: number): MessageId {
    const id = newMessageId(this.options.random);
    return this.sendReliable(peer, { type: 'settings', id, setAt: this.options.now(), expiresInSeconds });
  }

  /** Typing goes only over a session that already exists: it is never worth a handshake. */
  setTyping(peer: PeerId, typing: boolean): void {
    if (this.sessions.hasSession(peer)) this.sendUnreliable(peer, { type: 'typing', typing });
  }

  /** Pings every contact now: call after (re)connecting to the relay. */
  announce(): void {
    for (const peer of this.presence.toPing(this.options.contacts.list(), this.options.now(), true))
      this.ping(peer);
  }

  /**
   * Says goodbye to contacts with a session: call before disconnecting on purpose. The goodbyes sealed
   * ahead (goodbyes.ts) reach the transport before this returns, as a closing page needs; any other is
   * sealed now and follows. Resolves when the transport has answered for all of them.
   */
  async leave(): Promise<void> {
    const { transport } = this.options;
    const ready = this.goodbyes.take().filter(([peer]) => !this.isBlocked(peer));
    const sent = ready.map(([peer, bytes]) => transport.send(fromHex(peer), bytes).catch(() => {}));
    const said = new Set(ready.map(([peer]) => peer));
    const rest = this.options.contacts
      .list()
      .filter((peer) => !said.has(peer) && this.sessions.hasSession(peer))
      .map((peer) => this.sendUnreliable(peer, { type: 'presence', state: 'leaving' }));
    await Promise.all([...sent, ...rest]);
  }

  /**
   * The relay connection came back: everything pending is resent, contacts are pinged. After a takeover
   * (another device held our address meanwhile) our contacts have probably replaced our sessions with that
   * device's, so every contact gets a new handshake: otherwise their answers go to sessions we do not have.
   */
  relayReconnected(options: { readonly takenOver?: boolean } = {}): void {
    this.relayDown = false;
    if (options.takenOver) for (const peer of this.options.contacts.list()) void this.sessions.rekey(peer);
    const now = this.options.now();
    this.outbox.relayReconnected(now);
    for (const entry of this.outbox.due(now)) void this.attempt(entry);
    this.announce();
  }

  /**
   * The relay connection is gone: nothing can be heard, so every contact is offline, and anything that
   * arrives after the reconnect shows its sender online again.
   */
  relayLost(): void {
    this.relayDown = true;
    for (const peer of this.presence.clear()) this.emit({ type: 'presence', peer, online: false });
  }

  /**
   * Bodies an earlier session left waiting (kept at rest): back in the outbox under their ids, so the
   * receiver shows each once, and sent until acknowledged. Expired ones come back in `expired`, never sent;
   * nothing goes to a blocked key.
   */
  restoreOutbox(saved: readonly SavedOutboxEntry[]): {
    restored: SavedOutboxEntry[];
    expired: SavedOutboxEntry[];
  } {
    const { restored, expired } = this.outbox.restore(saved, this.options.now(), (e) =>
      this.isBlocked(e.peer),
    );
    for (const entry of restored) {
      // What we write next is stamped after what we wrote before the reload, whatever the clock did since.
      if (entry.body.type === 'chat') this.lastSentAt = Math.max(this.lastSentAt, entry.body.sentAt);
      void this.attempt(entry);
    }
    return { restored, expired };
  }

  /** The person withdrew a body not yet acknowledged: it is not sent again. False if it was not waiting. */
  withdraw(peer: PeerId, id: MessageId): boolean {
    return this.outbox.remove(peer, id) !== undefined;
  }

  /** Timers: expiry, resends, presence. */
  tick(): void {
    const now = this.options.now();
    for (const entry of this.outbox.expire(now))
      this.emit({ type: 'send-failed', peer: entry.peer, id: entry.body.id, reason: 'expired' });
    for (const entry of this.outbox.due(now)) {
      // Twice unacknowledged on one established session: the peer has probably lost it.
      if (entry.state === 'in-flight' && entry.via !== VIA_HANDSHAKE && entry.sendsOnVia >= 2)
        void this.sessions.rekey(entry.peer);
      void this.attempt(entry);
    }
    for (const peer of this.presence.expire(now)) this.emit({ type: 'presence', peer, online: false });
    for (const peer of this.presence.toPing(this.options.contacts.list(), now)) this.ping(peer);
    this.prepareGoodbyes();
  }

  /** Sends our signed key rotation to a contact (from our new key, which is the one this messenger has). */
  sendKeyRotation(peer: PeerId, statement: Uint8Array): MessageId {
    return this.sendReliable(peer, { type: 'keyRotation', id: newMessageId(this.options.random), statement });
  }

  /**
   * A contact moved to a new key: the old key's sessions and memory go, and what still waits for the old key
   * in the outbox goes to the new one.
   */
  movePeer(from: PeerId, to: PeerId): void {
    assertPeerId(to);
    const waiting = this.outbox.clearPeer(from);
    this.forgetPeer(from);
    for (const entry of waiting) {
      if (this.outbox.add(to, entry.body, this.options.now()))
        void this.attempt(this.outbox.get(to, entry.body.id)!);
    }
  }

  /** Call once the directory no longer lists `peer` as blocked: completes the handshake it is waiting on. */
  unblocked(peer: PeerId): Promise<void> {
    return this.sessions.answerRefused(peer);
  }

  /** Declined, blocked or deleted: sessions, outbox, memory of ids and presence go. */
  forgetPeer(peer: PeerId): void {
    this.sessions.forget(peer);
    this.outbox.clearPeer(peer);
    this.seen.forget(peer);
    this.presence.forget(peer);
    this.goodbyes.invalidate(peer);
  }

  /** Queues a reliable body (one copy of a group body, say) for `peer` until its ack; returns its id. */
  sendReliable(peer: PeerId, body: ReliableBody): MessageId {
    assertPeerId(peer);
    encodeBody(body); // validates before anything is queued
    if (this.isBlocked(peer)) return body.id; // nothing ever goes to a blocked key, not even a receipt
    if (!this.outbox.add(peer, body, this.options.now())) throw new OutboxFullError('the outbox is full');
    void this.attempt(this.outbox.get(peer, body.id)!);
    return body.id;
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    if (this.sending.has(entry)) return;
    this.sending.add(entry);
    try {
      const { kind, bytes } = encodeBody(entry.body);
      this.outbox.record(entry, await this.sessions.send(entry.peer, kind, bytes), this.options.now());
    } finally {
      this.sending.delete(entry);
    }
  }

  /** Contacts and co-members: whose presence we follow. */
  private isHeardFrom(peer: PeerId): boolean {
    const status = this.options.contacts.status(peer);
    return status === 'contact' || status === 'member';
  }

  private isBlocked(peer: PeerId): boolean {
    return this.options.contacts.status(peer) === 'blocked';
  }

  /** Sends a body that needs no ack (a typing signal) over the session, opening one if needed. */
  async sendUnreliable(peer: PeerId, body: ChatBody): Promise<void> {
    if (this.isBlocked(peer)) return;
    const { kind, bytes } = encodeBody(body);
    await this.sessions.send(peer, kind, bytes);
  }

  /** Seals a goodbye for each of `among` (default: every contact) that has a session and none yet. */
  private prepareGoodbyes(among: readonly PeerId[] = this.options.contacts.list()): void {
    const { kind, bytes } = encodeBody({ type: 'presence', state: 'leaving' });
    const peers = among.filter((peer) => this.sessions.hasSession(peer));
    for (const peer of this.goodbyes.missing(peers))
      void this.goodbyes.prepare(peer, () => this.sessions.seal(peer, kind, bytes)).catch(() => {});
  }

  private ping(peer: PeerId): void {
    void this.sendUnreliable(peer, { type: 'presence', state: 'ping' });
  }

  private flush(peer: PeerId, sessionId: string | null): void {
    for (const entry of this.outbox.flushable(peer, sessionId)) void this.attempt(entry);
  }

  private onSessionEvent(event: SessionEvent): void {
    const now = this.options.now();
    switch (event.type) {
      case 'established':
        // The goodbye sealed in the session this one replaces is sealed again in this one.
        this.goodbyes.invalidate(event.peer);
        if (this.isHeardFrom(event.peer)) this.heard(event.peer);
        this.emit({ type: 'established', peer: event.peer, sessionId: event.sessionId });
        this.flush(event.peer, event.sessionId);
        this.prepareGoodbyes();
        return;
      case 'deliver':
        void this.inbound.run(event.peer, () => this.handleDeliver(event.peer, event.kind, event.body));
        return;
      case 'undeliverable':
        this.outbox.peerUnreachable(event.peer, now);
        this.emit({ type: 'unreachable', peer: event.peer });
        if (this.presence.lost(event.peer)) this.emit({ type: 'presence', peer: event.peer, online: false });
        return;
      case 'handshake-abandoned':
        this.outbox.peerUnreachable(event.peer, now, VIA_HANDSHAKE);
        return;
      case 'dropped':
        this.drop(event.peer, event.error);
    }
  }

  private heard(peer: PeerId): void {
    // A message still being processed when the relay went says nothing about now: we cannot hear anyone.
    if (!this.relayDown && this.presence.heard(peer, this.options.now()))
      this.emit({ type: 'presence', peer, online: true });
    this.flush(peer, null);
    // A contact just accepted has a session but no goodbye yet: seal it now, not at the next tick.
    this.prepareGoodbyes([peer]);
  }

  private async handleDeliver(peer: PeerId, kind: MessageKind, bytes: Uint8Array): Promise<void> {
    const status = this.options.contacts.status(peer);
    const admission = admitInbound(status, kind, bytes);
    if (admission.action === 'pass') return this.emit({ type: 'envelope', peer, kind, body: bytes });
    if (admission.action === 'drop') return this.drop(peer, admission.error);
    const { body } = admission;
    if (body.type === 'keyRotation') {
      const { backend, contacts } = this.options;
      const refused = await admitRotation(
        backend,
        peer,
        status,
        (key) => contacts.status(key),
        body.statement,
      );
      if (refused) return this.drop(peer, refused);
    }
    if (status === 'contact' || status === 'member') this.heard(peer);
    if (isReliable(body)) {
      await this.receiveReliable(peer, body);
      // A rotation (or a request crossing ours) just made its sender a contact: it is online, and what
      // waits for it can go now.
      if (status === 'stranger' && this.options.contacts.status(peer) === 'contact') this.heard(peer);
      return;
    }
    if (body.type === 'ack') {
      const acked = this.outbox.ack(peer, body.ids).map((entry) => entry.body.id);
      if (acked.length) this.emit({ type: 'delivered', peer, ids: acked });
    } else if (body.type === 'typing') this.emit({ type: 'typing', peer, typing: body.typing });
    else if (body.type === 'groupTyping')
      this.emit({ type: 'group-typing', peer, groupId: body.groupId, typing: body.typing });
    else if (body.type === 'presence' && body.state === 'ping')
      void this.sendUnreliable(peer, { type: 'presence', state: 'pong' });
    else if (body.type === 'presence' && body.state === 'leaving' && this.presence.lost(peer)) {
      this.emit({ type: 'presence', peer, online: false });
    }
  }

  private async receiveReliable(peer: PeerId, body: ReliableBody): Promise<void> {
    if (!this.seen.has(peer, body.id)) {
      this.seen.add(peer, body.id);
      try {
        await this.options.onEvent(eventFor(peer, body));
      } catch {
        // Not stored: forget the id and send no ack, so the sender's resend gets another chance.
        this.seen.delete(peer, body.id);
        return;
      }
    }
    await this.sendUnreliable(peer, { type: 'ack', ids: [body.id] });
  }

  private drop(peer: PeerId | null, error: ProtocolError): void {
    this.emit({ type: 'dropped', peer, code: error.code, detail: error.message });
  }

  /** Notifications are not awaited; a listener's failure is its own business. */
  private emit(event: MessengerEvent): void {
    try {
      void Promise.resolve(this.options.onEvent(event)).catch(() => {});
    } catch {}
  }
}
