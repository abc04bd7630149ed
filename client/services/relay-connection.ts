/**
 * The browser's one connection to the relay: WebSocket, challenge/AUTH/READY, SEND/DELIVER, and reconnects
 * with jittered exponential backoff. It knows nothing of content: envelopes in, envelopes out.
 *
 * A deployment with several relay nodes lists them (`otherUrls`): when the node in use fails, or cannot be
 * reached, the next one is tried at once, and the backoff applies only once every node has failed in a row
 * (relay-rotation.ts). Each node is signed for with its own origin (crypto/relay-auth.ts).
 *
 *            start()                 CHALLENGE -> AUTH        READY
 *   idle ─────────────▶ connecting ───────────────────────────────▶ online
 *                          ▲   │ close / error / timeout              │ close
 *                          │   ▼                                      ▼
 *                          └─ retrying (timer: backoff with jitter) ◀─┘
 *        close code advising "stop" (replaced, auth-failed, ...) ──▶ stopped   (reconnectNow() leaves it)
 *
 * Sends are paced below the relay's announced rate (send-pacer.ts: a token bucket at 80% of its rate and
 * burst), so a
 * burst from the outbox after a reconnect is queued here instead of getting the socket closed for
 * flooding. Every send asks for a receipt; when a socket closes, sends still waiting for one are rejected:
 * the messenger's end-to-end acknowledgements, not this layer, decide what is resent.
 */

import type { Ed25519Signer } from '../../crypto/ed25519.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { originOfRelayUrl, signRelayAuth } from '../../crypto/relay-auth.ts';
import { RELAY_CLOSE_ADVICE, RELAY_CLOSE_CODES, relayCloseReason } from '../../crypto/relay-close-codes.ts';
import {
  type AnnouncedLimits,
  decodeServerFrame,
  encodeFrame,
  type ServerFrame,
} from '../../crypto/relay-frames.ts';
import type { TurnCredentialsBody } from '../../crypto/relay-turn-credentials.ts';
import { RelayRotation } from '../core/relay-rotation.ts';
import { SendPacer } from '../core/send-pacer.ts';

export { sameOriginRelayUrl } from '../core/relay-rotation.ts';

export type RelayStatus = 'idle' | 'connecting' | 'online' | 'retrying' | 'stopped';

export interface RelayConnectionState {
  readonly status: RelayStatus;
  /** Consecutive attempts that did not reach a stable READY. */
  readonly attempt: number;
  /** Wall-clock ms of the next attempt while `retrying`. */
  readonly retryAt?: number;
  /** Why the connection stopped for good (a relay close reason such as 'replaced'). */
  readonly stopReason?: string;
  readonly turnAvailable: boolean;
}

/** The part of the DOM WebSocket this service uses; tests pass a fake. */
export interface WebSocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Online at least this long before the attempt counter resets (a relay that kicks at once still backs off). */
  readonly stableMs: number;
}

export interface RelayConnectionOptions {
  /** ws:// or wss:// URL of the relay endpoint: the one tried first. */
  readonly url: string;
  /** The deployment's other relay nodes, tried in turn when one fails. */
  readonly otherUrls?: readonly string[];
  readonly identity: { readonly publicKey: Uint8Array; readonly signer: Ed25519Signer };
  readonly onEnvelope: (envelope: Uint8Array) => void;
  readonly onStateChange?: (state: RelayConnectionState) => void;
  readonly createSocket?: (url: string) => WebSocketLike;
  readonly timers?: Timers;
  /** Uniform in [0, 1), for jitter only; it protects the relay from herds, not a secret. */
  readonly jitter?: () => number;
  readonly backoff?: Partial<BackoffOptions>;
  /** From opening the socket to READY. */
  readonly connectTimeoutMs?: number;
}

export interface RelayConnection {
  readonly state: RelayConnectionState;
  start(): void;
  /**
   * Writes what is still queued for the socket (a goodbye must not wait for the pace), closes it, and stays
   * idle until start() (used by lock and by a page that is going away).
   */
  stop(): void;
  /** Skips any backoff wait, also out of `stopped` (network is back, the user asked). */
  reconnectNow(): void;
  /**
   * Sends one envelope. Resolves 'sent' when the relay handed it to the recipient's connection,
   * 'undeliverable' when the recipient is not connected; rejects with RelayUnavailableError when not online
   * or when the connection ends before the relay answered (whether the frame got through is then unknown).
   */
  send(recipient: Uint8Array, envelope: Uint8Array): Promise<'sent' | 'undeliverable'>;
  /** Calls: TURN credentials minted for this socket; null when the relay has none. Rejects offline. */
  requestTurn(): Promise<TurnCredentialsBody | null>;
}

export class RelayUnavailableError extends Error {
  constructor(readonly status: RelayStatus) {
    super(`relay not available (${status})`);
    this.name = 'RelayUnavailableError';
  }
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, stableMs: 5_000 };
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const CONNECTING = 0;
const OPEN = 1;
/** Sends waiting for the relay's answer (FORWARDED / UNDELIVERABLE), queued ones included. */
const MAX_PENDING_SENDS = 1024;

/** Equal jitter: half the exponential step fixed, half random, so no retry is ever immediate. */
export function backoffDelay(attempt: number, backoff: BackoffOptions, jitter: number): number {
  const step = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (jitter * step) / 2);
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  now: () => Date.now(),
};

/** How long one TURN credential serves new calls at most, whatever its expiry says. */
export const TURN_REUSE_MAX_MS = 120_000;
export function createRelayConnection(options: RelayConnectionOptions): RelayConnection {
  const timers = options.timers ?? browserTimers;
  const jitter = options.jitter ?? Math.random;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const createSocket =
    options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
  const rotation = new RelayRotation([options.url, ...(options.otherUrls ?? [])]);
  // A URL that is not ws(s) is the caller's mistake: refused now, not at the first challenge.
  for (const url of [options.url, ...(options.otherUrls ?? [])]) originOfRelayUrl(url);

  let state: RelayConnectionState = { status: 'idle', attempt: 0, turnAvailable: false };
  let socket: WebSocketLike | undefined;
  let timer: unknown;
  let onlineSince = 0;
  let nextFrameId = 1;
  const inFlight = new Map<
    number,
    { resolve: (answer: 'sent' | 'undeliverable') => void; reject: (error: Error) => void }
  >();
  let limits: AnnouncedLimits | undefined;
  const pacer = new SendPacer(timers);
  // Calls: TURN_REQUESTs waiting for TURN_CREDENTIALS / TURN_UNAVAILABLE, answered in order.
  const turnWaiters: {
    resolve: (turn: TurnCredentialsBody | null) => void;
    reject: (error: Error) => void;
  }[] = [];
  // A credential serves any number of calls until it expires: it is reused while more than half its lifetime
  // is left, so everyday calling costs a few of the relay's per-key budget (spec/relay.md, TURN credentials)
  // and a call renewing at half the lifetime gets a fresh one. Requests made together share one answer. Its
  // expiry is on the relay's clock, so a page whose clock runs behind would see a longer lifetime than the
  // TURN server allows: reuse also ends TURN_REUSE_MAX_MS after it came.
  let turnHeld: { readonly credentials: TurnCredentialsBody; readonly receivedAt: number } | undefined;
  let turnAsked: Promise<TurnCredentialsBody | null> | undefined;
  const heldTurnIsFresh = (now: number): boolean => {
    if (!turnHeld) return false;
    const expiresAt = turnHeld.credentials.expiresAt * 1000;
    const { receivedAt } = turnHeld;
    return expiresAt - now > (expiresAt - receivedAt) / 2 && now - receivedAt < TURN_REUSE_MAX_MS;
  };

  const setState = (next: Partial<RelayConnectionState> & { status: RelayStatus }) => {
    state = { attempt: state.attempt, turnAvailable: false, ...next };
    options.onStateChange?.(state);
  };

  const clearTimers = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    pacer.stop();
  };

  const ignore = () => {};
  /** Forgets a socket: its events no longer reach this connection (a late error still has a listener). */
  const detach = (current: WebSocketLike) => {
    current.onopen = null;
    current.onmessage = null;
    current.onclose = ignore;
    current.onerror = ignore;
  };

  const failPending = () => {
    const waiting = [...inFlight.values(), ...turnWaiters.splice(0)];
    inFlight.clear();
    const error = new RelayUnavailableError(state.status);
    for (const waiter of waiting) waiter.reject(error);
  };

  const dropSocket = (code: number, reason: string) => {
    const current = socket;
    socket = undefined;
    limits = undefined;
    turnHeld = undefined;
    clearTimers();
    failPending();
    if (!current) return;
    detach(current);
    // Closing a socket that is still connecting makes browsers log an error: close it once it opens.
    if (current.readyState === CONNECTING) {
      current.onopen = () => current.close(code, reason);
      return;
    }
    try {
      current.close(code, reason);
    } catch {
      // Already closing; nothing else to release.
    }
  };

  /** The node in use failed: the next node at once, or, once every node has failed in a row, a backoff. */
  const retry = () => {
    const stable = onlineSince > 0 && timers.now() - onlineSince >= backoff.stableMs;
    onlineSince = 0;
    if (stable) state = { ...state, attempt: 0 };
    if (rotation.failed() === 'now') connect();
    else scheduleRetry();
  };

  const scheduleRetry = () => {
    const attempt = state.attempt + 1;
    const delay = backoffDelay(attempt - 1, backoff, jitter());
    setState({ status: 'retrying', attempt, retryAt: timers.now() + delay });
    timer = timers.setTimeout(() => {
      timer = undefined;
      connect();
    }, delay);
  };

  const lost = (code: number) => {
    const reason = relayCloseReason(code);
    dropSocket(1000, 'closing');
    if (reason !== undefined && RELAY_CLOSE_ADVICE[reason] === 'stop') {
      onlineSince = 0;
      setState({ status: 'stopped', stopReason: reason });
      return;
    }
    retry();
  };

  /** The relay broke the protocol: a relay problem, so back off and try again rather than stop for good. */
  const violation = (detail: string) => {
    dropSocket(RELAY_CLOSE_CODES['bad-frame'], detail);
    retry();
  };

  const onFrame = async (current: WebSocketLike, frame: ServerFrame): Promise<void> => {
    switch (frame.type) {
      case 'challenge': {
        if (limits) return violation('second-challenge');
        limits = frame.limits;
        const origin = originOfRelayUrl(rotation.current);
        const signature = await signRelayAuth(options.identity.signer, frame.nonce, origin);
        if (socket !== current || current.readyState !== OPEN) return;
        current.send(encodeFrame({ type: 'auth', publicKey: options.identity.publicKey, signature, origin }));
        return;
      }
      case 'ready':
        if (!limits || state.status === 'online') return violation('unexpected-ready');
        if (timer !== undefined) timers.clearTimeout(timer);
        timer = undefined;
        onlineSince = timers.now();
        rotation.succeeded();
        pacer.start(limits, (bytes) => {
          if (socket === current && current.readyState === OPEN) current.send(bytes);
        });
        setState({ status: 'online', turnAvailable: frame.turnAvailable });
        return;
      case 'deliver':
        if (state.status !== 'online') return violation('deliver-before-ready');
        options.onEnvelope(frame.envelope.slice());
        return;
      case 'forwarded':
      case 'undeliverable': {
        const waiter = inFlight.get(frame.frameId);
        inFlight.delete(frame.frameId);
        waiter?.resolve(frame.type === 'forwarded' ? 'sent' : 'undeliverable');
        return;
      }
      case 'turn-credentials':
      case 'turn-unavailable': {
        // Calls: the answer to the oldest TURN_REQUEST; an unsolicited one is ignored.
        const { type: _, ...credentials } = frame as Extract<ServerFrame, { type: 'turn-credentials' }>;
        turnWaiters.shift()?.resolve(frame.type === 'turn-credentials' ? credentials : null);
        return;
      }
    }
  };

  const connect = () => {
    clearTimers();
    limits = undefined;
    setState({ status: 'connecting' });
    let current: WebSocketLike;
    try {
      current = createSocket(rotation.current);
    } catch {
      retry();
      return;
    }
    socket = current;
    current.binaryType = 'arraybuffer';
    timer = timers.setTimeout(() => {
      timer = undefined;
      if (socket === current && state.status !== 'online') lost(1006);
    }, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    current.onmessage = (event) => {
      if (socket !== current) return;
      let frame: ServerFrame;
      try {
        if (!(event.data instanceof ArrayBuffer)) throw new TypeError('text frame');
        frame = decodeServerFrame(new Uint8Array(event.data));
      } catch (error) {
        violation(isProtocolError(error) ? error.code : 'text-frame');
        return;
      }
      onFrame(current, frame).catch(() => {
        if (socket === current) lost(1011);
      });
    };
    current.onclose = (event) => {
      if (socket === current) lost(event.code);
    };
    // The close event that always follows carries the outcome.
    current.onerror = () => {};
  };

  return {
    get state() {
      return state;
    },
    start() {
      if (state.status === 'idle') connect();
    },
    stop() {
      // The relay's own bucket may close the socket for these; it is closing anyway, and frames before the
      // limit have been routed.
      pacer.flush();
      dropSocket(1000, 'stopped');
      onlineSince = 0;
      state = { status: 'idle', attempt: 0, turnAvailable: false };
      options.onStateChange?.(state);
    },
    reconnectNow() {
      if (state.status === 'online' || state.status === 'connecting') return;
      dropSocket(1000, 'reconnecting');
      state = { ...state, attempt: 0 };
      connect();
    },
    send(recipient, envelope) {
      if (state.status !== 'online' || !socket || inFlight.size >= MAX_PENDING_SENDS) {
        return Promise.reject(new RelayUnavailableError(state.status));
      }
      const frameId = nextFrameId;
      nextFrameId = nextFrameId === 0xffffffff ? 1 : nextFrameId + 1;
      const frame = encodeFrame({ type: 'send', recipient, frameId, receipt: true, envelope });
      return new Promise((resolve, reject) => {
        inFlight.set(frameId, { resolve, reject });
        pacer.push(frame);
      });
    },
    requestTurn() {
      if (state.status !== 'online' || !socket)
        return Promise.reject(new RelayUnavailableError(state.status));
      if (!state.turnAvailable) return Promise.resolve(null);
      if (heldTurnIsFresh(timers.now())) return Promise.resolve(turnHeld!.credentials);
      turnAsked ??= new Promise<TurnCredentialsBody | null>((resolve, reject) => {
        turnWaiters.push({ resolve, reject });
        pacer.push(encodeFrame({ type: 'turn-request' }));
      })
        .then((credentials) => {
          turnHeld = credentials ? { credentials, receivedAt: timers.now() } : undefined;
          return credentials;
        })
        .finally(() => {
          turnAsked = undefined;
        });
      return turnAsked;
    },
  };
}
