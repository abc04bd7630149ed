/**
 * Drives crypto/session.ts for every peer: turns envelope bytes from the relay into steps, performs the
 * steps' effects, and reports what happened as SessionEvents. Isomorphic: no DOM, no Node APIs; time,
 * randomness and the transport are injected.
 *
 * - Routing: the relay does not say who sent an envelope. An INIT names its sender once opened; ACCEPTs
 *   and session messages carry a session id, looked up in an index of every peer's pending, answered,
 *   current and previous session. Unknown ids are dropped without a peer.
 * - Session ids are owned: the first peer to hold an id keeps it, and an INIT that names an id another peer
 *   holds is refused ('session-id-taken'). Initiators choose ids, so without this anyone could answer with a
 *   handshake that reuses a contact's live id and have the contact's envelopes routed to its own session.
 * - One step at a time per peer (SerialQueue); steps of different peers interleave.
 * - INITs are budgeted by the key they claim before their signature is checked (handshake-budget.ts):
 *   strangers share a small budget of their own, so no volume of them costs a contact anything.
 * - Strangers (a valid INIT from a key that is not a contact) get a session, so that a contact request
 *   can be read, but at most `maxStrangers` of them hold state at once (oldest evicted). Blocked keys get
 *   nothing: their INIT is dropped unanswered (the last one is kept, and answered if they are unblocked).
 *   What a stranger may say is the messenger's policy.
 * - A handshake whose INIT comes back undeliverable is abandoned with its queue: the peer is offline, and
 *   the outbox (not the session queue) owns reliability.
 */
import { fromHex, toHex } from '../../crypto/bytes.ts';
import type { MessageKind } from '../../crypto/envelope.ts';
import { isProtocolError, ProtocolError } from '../../crypto/errors.ts';
import { type OpenedInit, openInit } from '../../crypto/handshake.ts';
import {
  newPeerState,
  type PeerEffect,
  type PeerEvent,
  type PeerState,
  sessionIdOf,
  step,
} from '../../crypto/session.ts';
import { classifyEnvelope, ENVELOPE_TYPE } from '../../crypto/wire.ts';
import { HandshakeBudget } from './handshake-budget.ts';
import { SerialQueue } from './serial-queue.ts';
import {
  assertPeerId,
  type PeerId,
  type PeerStatus,
  type SendOutcome,
  type SessionEvent,
  type SessionManagerOptions,
} from './session-types.ts';

export * from './session-types.ts';

/** A delivered INIT that got no ACCEPT within this is replaced by a fresh one on the next send. */
export const HANDSHAKE_RETRY_MS = 30_000;
export const DEFAULT_MAX_STRANGERS = 32;
/** Blocked keys whose last refused INIT is kept (see answerRefused); the oldest goes first. */
export const MAX_REFUSED_INITS = 32;

export class SessionManager {
  private readonly states = new Map<PeerId, PeerState>();
  private readonly ownerOfSession = new Map<string, PeerId>();
  private readonly sessionsOfPeer = new Map<PeerId, string[]>();
  /** The relay's answer to each peer's handshake in flight (our INIT or our ACCEPT): bodies queued behind it
   * share its fate. */
  private readonly handshakeResults = new Map<PeerId, Transmit['result']>();
  private strangers: PeerId[] = [];
  /** The last INIT each blocked key sent, left unanswered. */
  private readonly refused = new Map<PeerId, OpenedInit>();
  private readonly queue = new SerialQueue();
  private readonly self: PeerId;
  private readonly budget: HandshakeBudget;

  constructor(private readonly options: SessionManagerOptions) {
    this.self = toHex(options.identity.publicKey);
    this.budget = new HandshakeBudget(options.now(), options.handshakeLimits);
  }

  /** Handles one envelope from the relay. Never throws for hostile bytes: they become 'dropped' events. */
  async receive(bytes: Uint8Array): Promise<void> {
    try {
      const classified = classifyEnvelope(bytes);
      if (classified.type === 'handshakeInit') return await this.receiveInit(bytes);
      const peer = this.ownerOfSession.get(classified.sessionId);
      if (peer === undefined) throw new ProtocolError('unknown-session', 'no such session');
      const event: PeerEvent =
        classified.type === 'handshakeAccept' ? { type: 'accept', bytes } : { type: 'message', bytes };
      await this.queue.run(peer, async () => {
        // The index may have moved on while this envelope waited its turn.
        if (this.ownerOfSession.get(classified.sessionId) !== peer) {
          this.emit({ type: 'dropped', peer, error: new ProtocolError('unknown-session', 'session ended') });
          return;
        }
        await this.runStep(peer, event);
      });
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.emit({ type: 'dropped', peer: null, error });
    }
  }

  private async receiveInit(bytes: Uint8Array): Promise<void> {
    const init = await openInit(this.options.identity, bytes, this.options.backend, (claimed) => {
      const claimedPeer = toHex(claimed);
      const status = this.options.peerStatus(claimedPeer);
      const stranger = status !== 'contact' && status !== 'member';
      this.budget.admit(claimedPeer, stranger, this.options.now());
    });
    const peer = toHex(init.initiatorKey);
    if (peer === this.self) throw new ProtocolError('wrong-peer', 'init from our own key');
    const status = this.options.peerStatus(peer);
    if (status === 'blocked') {
      this.refused.delete(peer);
      this.refused.set(peer, init);
      if (this.refused.size > MAX_REFUSED_INITS) this.refused.delete(this.refused.keys().next().value!);
      this.emit({ type: 'dropped', peer, error: new ProtocolError('unexpected-message', 'blocked key') });
      return;
    }
    await this.answerInit(peer, status, init);
  }

  private assertIdFree(peer: PeerId, init: OpenedInit): void {
    const owner = this.ownerOfSession.get(toHex(init.sessionId));
    if (owner !== undefined && owner !== peer)
      throw new ProtocolError('session-id-taken', 'init names a session id another peer holds');
  }

  private admitStranger(peer: PeerId): void {
    const { peerStatus, maxStrangers = DEFAULT_MAX_STRANGERS } = this.options;
    this.strangers = this.strangers.filter((p) => p !== peer && peerStatus(p) === 'stranger');
    while (this.strangers.length >= maxStrangers) this.forget(this.strangers.shift()!);
    this.strangers.push(peer);
  }

  /** Seals `body` for `peer`, opening a session first if there is none. Resolves once the relay answered. */
  async send(peer: PeerId, kind: MessageKind, body: Uint8Array): Promise<SendOutcome> {
    assertPeerId(peer);
    const attempt = await this.queue.run(peer, async (): Promise<Transmit | SendOutcome> => {
      const stale = this.states.get(peer)?.pending;
      if (
        stale &&
        !this.states.get(peer)?.current &&
        this.options.now() - stale.timestamp > HANDSHAKE_RETRY_MS
      ) {
        await this.runStep(peer, { type: 'connect' });
      }
      const queuedBefore = this.states.get(peer)?.queued.length ?? 0;
      const transmits = await this.runStep(peer, { type: 'send', kind, body });
      const after = this.states.get(peer);
      const sealed = transmits.find((t) => t.type === ENVELOPE_TYPE.sessionMessage);
      if (sealed && after?.current) return sealed;
      const handshake = this.handshakeResults.get(peer);
      // No session yet: the body waits in the handshake's queue, unless the queue refused it.
      if (!handshake || !after || after.queued.length <= queuedBefore) return { status: 'failed' };
      return { type: ENVELOPE_TYPE.handshakeInit, sessionId: undefined, result: handshake };
    });
    if (!('result' in attempt)) return attempt;
    const result = await attempt.result;
    if (result !== 'sent') return { status: result };
    return attempt.sessionId === undefined
      ? { status: 'queued' }
      : { status: 'sent', sessionId: attempt.sessionId };
  }

  /**
   * Seals `body` on the current session with `peer` without sending it, for a body that must later leave
   * without waiting for a signature (a goodbye from a page that is closing). Null when there is no session.
   * The counter it takes is used up; the receiver's replay window accepts it while fewer than
   * REPLAY_WINDOW later envelopes have reached it.
   */
  seal(peer: PeerId, kind: MessageKind, body: Uint8Array): Promise<Uint8Array | null> {
    assertPeerId(peer);
    return this.queue.run(peer, async () => {
      const before = this.states.get(peer);
      if (!before?.current) return null;
      const { identity, backend, random, now } = this.options;
      const { state, effects } = await step(
        before,
        { type: 'send', kind, body },
        {
          identity,
          backend,
          random,
          now: now(),
        },
      );
      this.states.set(peer, state);
      this.reindex(peer, state);
      const sealed = effects.find((effect) => effect.type === 'transmit');
      return sealed?.type === 'transmit' ? sealed.bytes : null;
    });
  }

  /** Starts a new handshake unless one is already in flight: for a peer that seems to have lost our session. */
  rekey(peer: PeerId): Promise<void> {
    assertPeerId(peer);
    return this.queue.run(peer, async () => {
      const pending = this.states.get(peer)?.pending;
      if (pending && this.options.now() - pending.timestamp <= HANDSHAKE_RETRY_MS) return;
      await this.runStep(peer, { type: 'connect' });
    });
  }

  /**
   * `peer` is no longer blocked: answers the last INIT it sent while blocked, if still fresh. The peer waits
   * on that handshake, and the lower key of two waits out its retry rather than answer ours (the tie rule
   * in crypto/session.ts), so without this neither side could write for up to HANDSHAKE_RETRY_MS.
   */
  async answerRefused(peer: PeerId): Promise<void> {
    const init = this.refused.get(peer);
    const status = this.options.peerStatus(peer);
    if (!init || status === 'blocked') return;
    this.refused.delete(peer);
    await this.answerInit(peer, status, init);
  }
  /** Answers an opened INIT from a contact or a stranger (the id it names must be free, or its own). */
  private async answerInit(peer: PeerId, status: PeerStatus, init: OpenedInit): Promise<void> {
    try {
      this.assertIdFree(peer, init);
      if (status === 'stranger') this.admitStranger(peer);
      await this.queue.run(peer, async () => {
        this.assertIdFree(peer, init);
        await this.runStep(peer, { type: 'init', init });
      });
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.emit({ type: 'dropped', peer, error });
    }
  }

  /** Drops every session with `peer` (declined, blocked or evicted). */
  forget(peer: PeerId): void {
    this.refused.delete(peer);
    this.states.get(peer)?.pending?.ephemeralSecret.fill(0);
    this.states.delete(peer);
    this.reindex(peer, undefined);
    this.strangers = this.strangers.filter((p) => p !== peer);
  }

  hasSession(peer: PeerId): boolean {
    return Boolean(this.states.get(peer)?.current);
  }

  /** How many peers hold session state (contacts and strangers). */
  get peerCount(): number {
    return this.states.size;
  }

  private async runStep(peer: PeerId, event: PeerEvent): Promise<Transmit[]> {
    const { identity, backend, random, now } = this.options;
    const before = this.states.get(peer) ?? newPeerState(peerKey(peer));
    const { state, effects } = await step(before, event, { identity, backend, random, now: now() });
    this.states.set(peer, state);
    this.reindex(peer, state);
    return this.perform(peer, state, effects);
  }

  private perform(peer: PeerId, state: PeerState, effects: PeerEffect[]): Transmit[] {
    const transmits: Transmit[] = [];
    for (const effect of effects) {
      if (effect.type === 'transmit') transmits.push(this.transmit(peer, state, effect.bytes));
      else if (effect.type === 'established') this.emit({ ...effect, peer });
      else if (effect.type === 'deliver') this.emit({ ...effect, peer });
      else this.emit({ type: 'dropped', peer, error: effect.error });
    }
    return transmits;
  }

  private transmit(peer: PeerId, state: PeerState, bytes: Uint8Array): Transmit {
    const type = bytes[1]!;
    const handshake =
      type === ENVELOPE_TYPE.handshakeInit && state.pending
        ? toHex(state.pending.sessionId)
        : type === ENVELOPE_TYPE.handshakeAccept && state.answered
          ? sessionIdOf(state.answered.session)
          : null;
    const result = this.options.transport.send(peerKey(peer), bytes).then(
      (answer) => answer,
      () => 'failed' as const,
    );
    if (handshake !== null) this.handshakeResults.set(peer, result);
    void result.then((answer) => {
      if (answer === 'undeliverable') this.emit({ type: 'undeliverable', peer });
      if (answer !== 'sent' && handshake !== null) void this.abandonHandshake(peer, handshake);
    });
    const sessionId = type === ENVELOPE_TYPE.sessionMessage ? toHex(bytes.subarray(2, 18)) : undefined;
    return { type, sessionId, result };
  }

  /** Our INIT or ACCEPT did not reach the peer: that handshake is over, and with the last one, its queue. */
  private abandonHandshake(peer: PeerId, sessionId: string): Promise<void> {
    return this.queue.run(peer, async () => {
      const state = this.states.get(peer);
      if (!state) return;
      const ours = state.pending && toHex(state.pending.sessionId) === sessionId;
      const theirs = state.answered && sessionIdOf(state.answered.session) === sessionId;
      if (!ours && !theirs) return;
      if (ours) state.pending?.ephemeralSecret.fill(0);
      const left = {
        ...state,
        pending: ours ? null : state.pending,
        answered: theirs ? null : state.answered,
      };
      const over = !left.pending && !left.answered;
      const next = over ? { ...left, queued: [] } : left;
      this.states.set(peer, next);
      this.reindex(peer, next);
      // An unanswered ACCEPT alone (to a replayed INIT, say) carried nothing of ours.
      if (over && (ours || state.queued.length > 0)) this.emit({ type: 'handshake-abandoned', peer });
    });
  }

  private reindex(peer: PeerId, state: PeerState | undefined): void {
    for (const id of this.sessionsOfPeer.get(peer) ?? []) this.ownerOfSession.delete(id);
    const ids = state
      ? [
          state.pending?.sessionId,
          state.answered?.session.keys.sessionId,
          state.current?.keys.sessionId,
          state.previous?.keys.sessionId,
        ]
          .filter((id): id is Uint8Array => id !== undefined)
          .map(toHex)
          // First owner keeps an id: a racing INIT that reused it gets a session nothing is routed to.
          .filter((id) => (this.ownerOfSession.get(id) ?? peer) === peer)
      : [];
    for (const id of ids) this.ownerOfSession.set(id, peer);
    if (!state?.pending && !state?.answered) this.handshakeResults.delete(peer);
    if (ids.length) this.sessionsOfPeer.set(peer, ids);
    else this.sessionsOfPeer.delete(peer);
  }

  private emit(event: SessionEvent): void {
    this.options.onEvent(event);
  }
}

interface Transmit {
  readonly type: number;
  /** The session a session message was sealed in. */
  readonly sessionId: string | undefined;
  readonly result: Promise<'sent' | 'undeliverable' | 'failed'>;
}

function peerKey(peer: PeerId): Uint8Array {
  assertPeerId(peer);
  return fromHex(peer);
}
