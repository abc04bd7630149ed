/**
 * The per-contact session state machine: `step(state, event, context) -> { state, effects }`. It owns no
 * socket and no clock; a service feeds it events one at a time per contact (steps for one contact must not
 * overlap, or two copies of a replay window could both accept the same counter) and performs the effects.
 *
 *            send / connect                 ACCEPT ok (its box proves the responder holds the keys)
 *   idle ───────────────────▶ initiating ──────────────────────────────────────────▶ established
 *     │                                                                                 ▲
 *     │ INIT ok: ACCEPT sent         the initiator's first envelope on it opens (confirmed) │
 *     └──────────────────────▶ answered ────────────────────────────────────────────────┘
 *                                 │ not confirmed within HANDSHAKE_CONFIRM_MS: given up
 *
 * A responder's session counts only once the initiator has proven it holds the keys: an INIT can be
 * replayed by the relay, and its answer is useless to everyone but the holder of the INIT's ephemeral
 * secret. Until then the answered session carries nothing of ours, and never replaces a working one.
 *
 * Simultaneous open: when both sides send INIT, the INIT of the side with the lower identity key wins.
 * The higher side answers it and keeps its own INIT in flight until the answered session is confirmed.
 */
import { compareBytes, equalBytes, type RandomSource, toHex } from './bytes.ts';
import type { Ed25519Backend } from './ed25519.ts';
import {
  MESSAGE_KIND,
  type MessageKind,
  newSessionState,
  openEnvelope,
  type SessionState,
  sealEnvelope,
} from './envelope.ts';
import { isProtocolError, ProtocolError } from './errors.ts';
import {
  createAccept,
  createInit,
  type OpenedInit,
  openAccept,
  type PendingHandshake,
  type Role,
} from './handshake.ts';
import type { Identity } from './identity.ts';

/** An INIT older (or further in the future) than this is refused; INITs seen within it are remembered. */
export const HANDSHAKE_FRESHNESS_MS = 10 * 60 * 1000;
/** An answered INIT whose initiator has not used the session within this is given up. */
export const HANDSHAKE_CONFIRM_MS = 30_000;
/** Messages queued while a handshake is in flight; the caller's outbox holds anything beyond. */
export const MAX_QUEUED_MESSAGES = 256;
const MAX_SEEN_INITS = 64;

export interface PeerState {
  readonly peerKey: Uint8Array;
  readonly pending: PendingHandshake | null;
  readonly current: SessionState | null;
  /** The session `current` replaced, kept so that envelopes already in flight still open. */
  readonly previous: SessionState | null;
  /** A session we answered as responder, not yet confirmed by the initiator's first envelope. */
  readonly answered: AnsweredSession | null;
  readonly queued: readonly { kind: MessageKind; body: Uint8Array }[];
  readonly seenInits: readonly { sessionId: string; expiresAt: number }[];
}

export interface AnsweredSession {
  readonly session: SessionState;
  /** The INIT's timestamp (the initiator's clock). */
  readonly initAt: number;
  /** When we answered (our clock). */
  readonly answeredAt: number;
}

export type PeerEvent =
  | { type: 'connect' }
  | { type: 'send'; kind: MessageKind; body: Uint8Array }
  | { type: 'init'; init: OpenedInit }
  | { type: 'accept'; bytes: Uint8Array }
  | { type: 'message'; bytes: Uint8Array };

export type PeerEffect =
  | { type: 'transmit'; bytes: Uint8Array }
  | { type: 'established'; sessionId: string; role: Role }
  | { type: 'deliver'; kind: MessageKind; body: Uint8Array; sessionId: string }
  | { type: 'dropped'; error: ProtocolError };

export interface StepContext {
  readonly identity: Identity;
  readonly backend: Ed25519Backend;
  readonly random: RandomSource;
  readonly now: number;
}

export interface StepResult {
  readonly state: PeerState;
  readonly effects: PeerEffect[];
}

export function newPeerState(peerKey: Uint8Array): PeerState {
  return {
    peerKey: peerKey.slice(),
    pending: null,
    current: null,
    previous: null,
    answered: null,
    queued: [],
    seenInits: [],
  };
}

export const sessionIdOf = (session: SessionState): string => toHex(session.keys.sessionId);

export async function step(state: PeerState, event: PeerEvent, context: StepContext): Promise<StepResult> {
  const { state: live, effects } = expireAnswered(state, context.now);
  try {
    const result = await stepLive(live, event, context);
    return { state: result.state, effects: [...effects, ...result.effects] };
  } catch (error) {
    if (isProtocolError(error)) return { state: live, effects: [...effects, { type: 'dropped', error }] };
    throw error;
  }
}

function stepLive(state: PeerState, event: PeerEvent, context: StepContext): Promise<StepResult> {
  switch (event.type) {
    case 'connect':
      return startHandshake(state, context, []);
    case 'send':
      return send(state, event.kind, event.body, context);
    case 'init':
      return receiveInit(state, event.init, context);
    case 'accept':
      return receiveAccept(state, event.bytes, context);
    case 'message':
      return receiveMessage(state, event.bytes, context);
  }
}

/** An answered session nobody confirmed in time was answered to a replayed or abandoned INIT. */
function expireAnswered(state: PeerState, now: number): StepResult {
  if (!state.answered || now - state.answered.answeredAt <= HANDSHAKE_CONFIRM_MS)
    return { state, effects: [] };
  const error = new ProtocolError('unconfirmed-handshake', 'the initiator never used the answered session');
  return { state: { ...state, answered: null }, effects: [{ type: 'dropped', error }] };
}

async function startHandshake(
  state: PeerState,
  context: StepContext,
  effects: PeerEffect[],
): Promise<StepResult> {
  state.pending?.ephemeralSecret.fill(0);
  const { bytes, pending } = await createInit(context.identity, state.peerKey, context.random, context.now);
  return { state: { ...state, pending }, effects: [...effects, { type: 'transmit', bytes }] };
}

async function send(
  state: PeerState,
  kind: MessageKind,
  body: Uint8Array,
  context: StepContext,
): Promise<StepResult> {
  if (kind === MESSAGE_KIND.sessionConfirm)
    throw new RangeError('sessionConfirm is sent by the session itself');
  if (state.current) {
    const sealed = await sealEnvelope(state.current, context.identity.signer, kind, body);
    return {
      state: { ...state, current: sealed.state },
      effects: [{ type: 'transmit', bytes: sealed.bytes }],
    };
  }
  if (state.queued.length >= MAX_QUEUED_MESSAGES)
    throw new ProtocolError('too-large', 'handshake queue is full');
  const queued = [...state.queued, { kind, body: body.slice() }];
  // An answered session is no reason to wait: its INIT may be a replay. Our own INIT crossing it is
  // resolved like any crossing.
  if (state.pending) return { state: { ...state, queued }, effects: [] };
  return startHandshake({ ...state, queued }, context, []);
}

/**
 * `session` becomes current (the one it replaces stays as `previous`, so envelopes in flight still open)
 * and the queue goes out on it. An initiator with nothing queued sends an empty confirm, so the responder
 * can count the session without waiting for our next message.
 */
async function establish(
  state: PeerState,
  session: SessionState,
  context: StepContext,
  effects: PeerEffect[],
): Promise<StepResult> {
  let current = session;
  const out: PeerEffect[] = [
    ...effects,
    { type: 'established', sessionId: sessionIdOf(session), role: session.keys.role },
  ];
  const queued =
    state.queued.length === 0 && session.keys.role === 'initiator'
      ? [{ kind: MESSAGE_KIND.sessionConfirm, body: new Uint8Array(0) }]
      : state.queued;
  for (const message of queued) {
    const sealed = await sealEnvelope(current, context.identity.signer, message.kind, message.body);
    current = sealed.state;
    out.push({ type: 'transmit', bytes: sealed.bytes });
  }
  return { state: { ...state, current, previous: state.current, queued: [] }, effects: out };
}

const ownSessionIds = (state: PeerState): Uint8Array[] =>
  [
    state.pending?.sessionId,
    state.current?.keys.sessionId,
    state.previous?.keys.sessionId,
    state.answered?.session.keys.sessionId,
  ].filter((id): id is Uint8Array => id !== undefined);

async function receiveInit(state: PeerState, init: OpenedInit, context: StepContext): Promise<StepResult> {
  if (!equalBytes(init.initiatorKey, state.peerKey))
    throw new ProtocolError('wrong-peer', 'init from another key');
  if (Math.abs(context.now - init.timestamp) > HANDSHAKE_FRESHNESS_MS) {
    throw new ProtocolError('stale-handshake', 'init outside the freshness window');
  }
  const sessionId = toHex(init.sessionId);
  const seenInits = state.seenInits.filter((seen) => seen.expiresAt > context.now);
  if (
    seenInits.some((seen) => seen.sessionId === sessionId) ||
    ownSessionIds(state).some((id) => equalBytes(id, init.sessionId))
  )
    throw new ProtocolError('replayed', 'handshake init');
  // The peer's clock orders its own INITs: one older than the INIT we are waiting on was overtaken.
  if (state.answered && init.timestamp < state.answered.initAt)
    throw new ProtocolError('stale-handshake', 'init older than the one already answered');
  // Both sides opened at once: the INIT of the lower identity key wins, so exactly one session results.
  if (state.pending && compareBytes(context.identity.publicKey, state.peerKey) < 0) {
    return { state: { ...state, seenInits }, effects: [] };
  }
  const remembered = [...seenInits, { sessionId, expiresAt: init.timestamp + HANDSHAKE_FRESHNESS_MS }].slice(
    -MAX_SEEN_INITS,
  );
  const { bytes, keys } = await createAccept(context.identity, init, context.random);
  const answered = { session: newSessionState(keys), initAt: init.timestamp, answeredAt: context.now };
  return {
    state: { ...state, seenInits: remembered, answered },
    effects: [{ type: 'transmit', bytes }],
  };
}

async function receiveAccept(state: PeerState, bytes: Uint8Array, context: StepContext): Promise<StepResult> {
  if (!state.pending) throw new ProtocolError('unexpected-message', 'no handshake in flight');
  const keys = await openAccept(context.identity, state.pending, bytes, context.backend);
  // Forward secrecy rests on this secret being gone once the session keys exist.
  state.pending.ephemeralSecret.fill(0);
  return establish({ ...state, pending: null }, newSessionState(keys), context, []);
}

async function receiveMessage(
  state: PeerState,
  bytes: Uint8Array,
  context: StepContext,
): Promise<StepResult> {
  const id = bytes.subarray(2, 18);
  const answered = state.answered?.session;
  const target = [state.current, state.previous, answered].find((s) => s && equalBytes(id, s.keys.sessionId));
  if (!target) {
    // The peer holds a session we lost (say, after a reload): re-key so its retries can get through.
    const error = new ProtocolError('unknown-session', 'no such session');
    if (state.pending) return { state, effects: [{ type: 'dropped', error }] };
    return startHandshake(state, context, [{ type: 'dropped', error }]);
  }
  const { opened, state: next } = await openEnvelope(target, bytes, context.backend);
  const delivered: PeerEffect[] =
    opened.kind === MESSAGE_KIND.sessionConfirm
      ? []
      : [{ type: 'deliver', kind: opened.kind, body: opened.body, sessionId: sessionIdOf(next) }];
  if (target === answered) {
    // Key confirmation: only the holder of the INIT's ephemeral secret could seal this. Our own INIT, if one
    // crossed theirs, is no longer needed.
    state.pending?.ephemeralSecret.fill(0);
    const confirmed = await establish({ ...state, pending: null, answered: null }, next, context, []);
    return { state: confirmed.state, effects: [...confirmed.effects, ...delivered] };
  }
  const updated = target === state.current ? { ...state, current: next } : { ...state, previous: next };
  return { state: updated, effects: delivered };
}
