/**
 * The per-contact session state machine: `step(state, event, context) -> { state, effects }`. It owns no
 * socket and no clock; a service feeds it events one at a time per contact (steps for one contact must not
 * overlap, or two copies of a replay window could both accept the same counter) and performs the effects.
 *
 *            send / connect                 accept ok
 *   idle ───────────────────▶ initiating ─────────────▶ established
 *     │                          │  ▲                      │   ▲
 *     │ init ok                  │  └── connect / unknown  │   │ init ok (peer re-keyed):
 *     └──────────────────────────┴─────── session ─────────┘   │ current becomes previous
 *                   init ok (their INIT wins the tie)          └──────────────────────────
 *
 * Simultaneous open: when both sides send INIT, the INIT of the side with the lower identity key wins.
 */
import { compareBytes, equalBytes, type RandomSource, toHex } from './bytes.ts';
import type { Ed25519Backend } from './ed25519.ts';
import {
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
/** Messages queued while a handshake is in flight; the caller's outbox holds anything beyond. */
export const MAX_QUEUED_MESSAGES = 256;
const MAX_SEEN_INITS = 64;

export interface PeerState {
  readonly peerKey: Uint8Array;
  readonly pending: PendingHandshake | null;
  readonly current: SessionState | null;
  /** The session `current` replaced, kept so that envelopes already in flight still open. */
  readonly previous: SessionState | null;
  readonly queued: readonly { kind: MessageKind; body: Uint8Array }[];
  readonly seenInits: readonly { sessionId: string; expiresAt: number }[];
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
    queued: [],
    seenInits: [],
  };
}

export const sessionIdOf = (session: SessionState): string => toHex(session.keys.sessionId);

export async function step(state: PeerState, event: PeerEvent, context: StepContext): Promise<StepResult> {
  try {
    switch (event.type) {
      case 'connect':
        return startHandshake(state, context, []);
      case 'send':
        return await send(state, event.kind, event.body, context);
      case 'init':
        return await receiveInit(state, event.init, context);
      case 'accept':
        return await receiveAccept(state, event.bytes, context);
      case 'message':
        return await receiveMessage(state, event.bytes, context);
    }
  } catch (error) {
    if (isProtocolError(error)) return { state, effects: [{ type: 'dropped', error }] };
    throw error;
  }
}

async function startHandshake(
  state: PeerState,
  context: StepContext,
  effects: PeerEffect[],
): Promise<StepResult> {
  const { bytes, pending } = await createInit(context.identity, state.peerKey, context.random, context.now);
  return { state: { ...state, pending }, effects: [...effects, { type: 'transmit', bytes }] };
}

async function send(
  state: PeerState,
  kind: MessageKind,
  body: Uint8Array,
  context: StepContext,
): Promise<StepResult> {
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
  if (state.pending) return { state: { ...state, queued }, effects: [] };
  return startHandshake({ ...state, queued }, context, []);
}

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
  for (const message of state.queued) {
    const sealed = await sealEnvelope(current, context.identity.signer, message.kind, message.body);
    current = sealed.state;
    out.push({ type: 'transmit', bytes: sealed.bytes });
  }
  return { state: { ...state, pending: null, current, previous: state.current, queued: [] }, effects: out };
}

async function receiveInit(state: PeerState, init: OpenedInit, context: StepContext): Promise<StepResult> {
  if (!equalBytes(init.initiatorKey, state.peerKey))
    throw new ProtocolError('wrong-peer', 'init from another key');
  if (Math.abs(context.now - init.timestamp) > HANDSHAKE_FRESHNESS_MS) {
    throw new ProtocolError('stale-handshake', 'init outside the freshness window');
  }
  const sessionId = toHex(init.sessionId);
  const seenInits = state.seenInits.filter((seen) => seen.expiresAt > context.now);
  if (seenInits.some((seen) => seen.sessionId === sessionId))
    throw new ProtocolError('replayed', 'handshake init');
  // Both sides opened at once: the INIT of the lower identity key wins, so exactly one session results.
  if (state.pending && compareBytes(context.identity.publicKey, state.peerKey) < 0) {
    return { state: { ...state, seenInits }, effects: [] };
  }
  const remembered = [...seenInits, { sessionId, expiresAt: init.timestamp + HANDSHAKE_FRESHNESS_MS }].slice(
    -MAX_SEEN_INITS,
  );
  const { bytes, keys } = await createAccept(context.identity, init, context.random);
  return establish({ ...state, seenInits: remembered }, newSessionState(keys), context, [
    { type: 'transmit', bytes },
  ]);
}

async function receiveAccept(state: PeerState, bytes: Uint8Array, context: StepContext): Promise<StepResult> {
  if (!state.pending) throw new ProtocolError('unexpected-message', 'no handshake in flight');
  const keys = await openAccept(context.identity, state.pending, bytes, context.backend);
  // Forward secrecy rests on this secret being gone once the session keys exist.
  state.pending.ephemeralSecret.fill(0);
  return establish(state, newSessionState(keys), context, []);
}

async function receiveMessage(
  state: PeerState,
  bytes: Uint8Array,
  context: StepContext,
): Promise<StepResult> {
  const target = [state.current, state.previous].find(
    (s) => s && equalBytes(bytes.subarray(2, 18), s.keys.sessionId),
  );
  if (!target) {
    // The peer holds a session we lost (say, after a reload): re-key so its retries can get through.
    const error = new ProtocolError('unknown-session', 'no such session');
    if (state.pending) return { state, effects: [{ type: 'dropped', error }] };
    return startHandshake(state, context, [{ type: 'dropped', error }]);
  }
  const { opened, state: next } = await openEnvelope(target, bytes, context.backend);
  const updated = target === state.current ? { ...state, current: next } : { ...state, previous: next };
  return {
    state: updated,
    effects: [{ type: 'deliver', kind: opened.kind, body: opened.body, sessionId: sessionIdOf(next) }],
  };
}
