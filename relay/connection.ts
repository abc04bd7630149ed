/**
 * One client socket: challenge, authentication, then routing (spec/relay.md, Session).
 *
 *   awaiting-auth --AUTH ok--> verifying --signature ok, address attached--> authenticated
 *        |                        |                                               |
 *        +------ any other frame, bad signature, wrong origin, timeout -----------+--> closed
 *
 * Nothing is routed before `authenticated`; the only frame accepted before it is one AUTH, so each
 * challenge is answered at most once. Every frame, ping and pong first takes a rate-limit token.
 *
 * Cost per socket is kept small on purpose (spec/relay.md, Limits): the socket's listeners are
 * module functions shared by every connection (the connection is found through a symbol on the socket),
 * the only timer is the auth timeout, cleared on READY, and after READY the connection holds its address
 * as one 32-character string, a token bucket and a few flags. A SEND from an authenticated socket takes a
 * path that builds no object but two views (the recipient, the DELIVER it forwards) and the recipient's
 * map key, and no promise when the recipient is local.
 */
import type { RawData, WebSocket } from 'ws';
import { equalBytes, type RandomSource, u32beAt } from '../crypto/bytes.ts';
import type { Ed25519Backend } from '../crypto/ed25519.ts';
import { isProtocolError } from '../crypto/errors.ts';
import { CHALLENGE_LENGTH, verifyRelayAuth } from '../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES, type RelayCloseReason } from '../crypto/relay-close-codes.ts';
import {
  CHALLENGE_NONCE_OFFSET,
  type ClientFrame,
  checkSendFrame,
  decodeClientFrame,
  encodeFrame,
  RELAY_FRAME_TYPE,
  reframeSendAsDeliver,
  SEND_FLAG_RECEIPT,
  SEND_OFFSETS,
} from '../crypto/relay-frames.ts';
import { ByteBucket } from './byte-bucket.ts';
import type { RelayLimits } from './limits.ts';
import type { CloseLabel, RelayMetrics } from './metrics.ts';
import { type AddressKey, addressBytes, addressKey, type Endpoint, type Router } from './router.ts';
import { TokenBucket } from './token-bucket.ts';
import { mintTurnCredentials, type TurnConfig, turnLabel } from './turn.ts';
import type { TurnQuota } from './turn-quota.ts';
import type { Corkable, WriteBatch } from './write-batch.ts';

export interface RelayContext {
  readonly limits: RelayLimits;
  readonly origins: ReadonlySet<string>;
  readonly router: Router;
  readonly backend: Ed25519Backend;
  readonly random: RandomSource;
  readonly turn: TurnConfig | undefined;
  /** What each key and client address may still mint; present with `turn`. */
  readonly turnQuota?: TurnQuota;
  readonly metrics: RelayMetrics;
  /** Monotonic milliseconds, for rate limits (may be coarse: see coarse-clock.ts). */
  readonly monotonicNow: () => number;
  /** Wall-clock milliseconds, for TURN expiry. */
  readonly wallNow: () => number;
  /** Coalesces each turn's writes per socket (write-batch.ts); without it every frame is its own write. */
  readonly writes?: WriteBatch;
}

type State = 'awaiting-auth' | 'verifying' | 'authenticated' | 'closed';

/** The client's address, shared by every connection from it. */
export interface ClientAddress {
  readonly ip: string;
  /** The frame budget those connections share. */
  readonly frames: TokenBucket;
}

const READY_WITH_TURN = encodeFrame({ type: 'ready', turnAvailable: true });
const READY_WITHOUT_TURN = encodeFrame({ type: 'ready', turnAvailable: false });
const TURN_UNAVAILABLE = encodeFrame({ type: 'turn-unavailable' });

/** One CHALLENGE per limits object (a relay's limits are frozen): each socket copies it and writes its nonce. */
const challengeTemplates = new WeakMap<RelayLimits, Uint8Array>();
function challengeFrame(limits: RelayLimits, random: RandomSource): Uint8Array {
  let template = challengeTemplates.get(limits);
  if (template === undefined) {
    const { maxFrameBytes, messagesPerSecond, messageBurst } = limits;
    template = encodeFrame({
      type: 'challenge',
      nonce: new Uint8Array(CHALLENGE_LENGTH),
      limits: { maxFrameBytes, messagesPerSecond, messageBurst },
    });
    challengeTemplates.set(limits, template);
  }
  const frame = template.slice();
  frame.set(random(CHALLENGE_LENGTH), CHALLENGE_NONCE_OFFSET);
  return frame;
}

/** Random bytes in each drain probe (a ping), which the client's pong must echo. */
const PROBE_BYTES = 8;

const CONNECTION = Symbol('tincan relay connection');
type Carrier = WebSocket & { [CONNECTION]: RelayConnection };

// Listeners shared by every socket: `this` is the socket, which carries its connection.
const connectionOf = (socket: WebSocket): RelayConnection => (socket as Carrier)[CONNECTION];
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connectionOf(this).receive(data, isBinary);
}
function onPing(this: WebSocket): void {
  connectionOf(this).control();
}
function onPong(this: WebSocket, data: Buffer): void {
  connectionOf(this).pong(data);
}
function onError(this: WebSocket, error: Error & { code?: string }): void {
  connectionOf(this).failed(error);
}
function onClose(this: WebSocket, code: number): void {
  connectionOf(this).ended(code);
}
function onAuthTimeout(connection: RelayConnection): void {
  connection.close('auth-timeout');
}

export class RelayConnection implements Endpoint {
  private state: State = 'awaiting-auth';
  /** The CHALLENGE frame sent (the nonce at CHALLENGE_NONCE_OFFSET) until AUTH consumes it. */
  private challenge: Uint8Array | undefined;
  /** The authenticated address, as one small string rather than a buffer of its own. */
  private address: AddressKey | undefined;
  private closeLabel: CloseLabel | undefined;
  private alive = true;
  private readonly bucket: TokenBucket;
  private readonly bytes: ByteBucket;
  /**
   * Bytes sent that the client has not yet shown it read. A ping leaves behind everything sent before it,
   * and a client answers it only once it has read that far: the pong that echoes a probe's random token
   * proves that the bytes sent before the probe are read, wherever they were waiting.
   */
  private unread = 0;
  /** The outstanding probe's token, and how many of the unread bytes it covers. */
  private probe: Uint8Array | undefined;
  private probed = 0;
  private authTimer: NodeJS.Timeout | undefined;

  /**
   * @param stream the socket's underlying TCP/TLS stream, corked by `context.writes` to batch this turn's
   *   frames; without it, frames are written one by one.
   * @param client the client's address and the frame budget of every connection from it.
   */
  constructor(
    private readonly socket: WebSocket,
    private readonly context: RelayContext,
    private readonly onClosed: (connection: RelayConnection) => void,
    private readonly stream?: Corkable,
    private readonly client?: ClientAddress,
  ) {
    const { limits } = context;
    const now = context.monotonicNow();
    this.bucket = TokenBucket.perSecond(limits.messagesPerSecond, limits.messageBurst, now);
    this.bytes = ByteBucket.perSecond(limits.bytesPerSecond, limits.byteBurst, now);
    this.authTimer = setTimeout(onAuthTimeout, limits.authTimeoutMs, this);
    (socket as Carrier)[CONNECTION] = this;
    socket.on('message', onMessage);
    socket.on('ping', onPing);
    socket.on('pong', onPong);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.challenge = challengeFrame(limits, context.random);
    this.push(this.challenge);
  }

  /** Router delivery: never blocks; a receiver whose queue passes the cap is closed, keeping memory bounded. */
  deliver(frame: Uint8Array): void {
    this.push(frame);
  }

  kick(): void {
    this.close('replaced');
  }

  private get closing(): boolean {
    return this.closeLabel !== undefined || this.state === 'closed';
  }

  close(reason: RelayCloseReason): void {
    if (this.closing) return;
    this.closeLabel = reason;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    // The address goes at once: frames for it are undeliverable from now on, not dropped as forwarded.
    this.detach();
    this.address = undefined;
    this.socket.close(RELAY_CLOSE_CODES[reason], reason);
  }

  /** Destroys the socket without a closing handshake (shutdown of a socket that did not close in time). */
  terminate(): void {
    this.closeLabel ??= 'going-away';
    this.socket.terminate();
  }

  /** One heartbeat tick: terminates a socket that did not answer the previous ping. */
  heartbeat(): void {
    // A closing socket is destroyed by ws after closeTimeoutMs if the peer never answers.
    if (this.closing) return;
    if (!this.alive) {
      this.closeLabel ??= 'heartbeat-timeout';
      this.socket.terminate();
      return;
    }
    this.alive = false;
    if (this.probe === undefined) this.sendProbe();
    else this.socket.ping();
  }

  private push(frame: Uint8Array): void {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN) return;
    if (this.stream !== undefined) this.context.writes?.hold(this.stream);
    socket.send(frame);
    this.unread += frame.length;
    const { maxBufferedBytes } = this.context.limits;
    if (this.unread > maxBufferedBytes) this.close('slow-consumer');
    // A quarter of the allowance unconfirmed: ask, so a client that reads never comes near the limit.
    else if (this.probe === undefined && this.unread > maxBufferedBytes / 4) this.sendProbe();
  }

  /** A ping whose pong, echoing its random token, will show that everything sent so far was read. */
  private sendProbe(): void {
    this.probe = this.context.random(PROBE_BYTES);
    this.probed = this.unread;
    this.socket.ping(this.probe);
  }

  // Socket events, called by the shared listeners above.

  /** A message from the socket. */
  receive(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    let problem: RelayCloseReason | undefined;
    try {
      problem = this.handle(data, isBinary);
    } catch {
      // A bug here must cost this socket, never the process.
      this.context.metrics.error('message');
      problem = 'internal-error';
    }
    if (problem !== undefined) this.close(problem);
  }

  /** Acts on one incoming message; returns the reason to close the socket, if any. */
  private handle(data: RawData, isBinary: boolean): RelayCloseReason | undefined {
    if (!isBinary || !(data instanceof Uint8Array)) return 'bad-frame';
    const now = this.context.monotonicNow();
    if (
      !this.bucket.take(now) ||
      this.client?.frames.take(now) === false ||
      !this.bytes.take(now, data.length)
    )
      return 'rate-limited';
    if (this.state === 'authenticated' && data[1] === RELAY_FRAME_TYPE.send) {
      let flags: number;
      try {
        flags = checkSendFrame(data);
      } catch (error) {
        if (!isProtocolError(error)) this.context.metrics.error('decode');
        return 'bad-frame';
      }
      this.forward(data, flags);
      return undefined;
    }
    // Everything but SEND is rare: decoded in full, from a plain Uint8Array view of ws's Buffer, since
    // crypto/ relies on Uint8Array semantics (Buffer#slice is a view, Uint8Array#slice a copy).
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes);
    } catch (error) {
      if (!isProtocolError(error)) this.context.metrics.error('decode');
      return 'bad-frame';
    }
    if (frame.type === 'auth') {
      if (this.state !== 'awaiting-auth') return 'bad-frame';
      this.authenticate(frame).catch(() => {
        this.context.metrics.error('auth');
        this.close('internal-error');
      });
    } else if (this.state !== 'authenticated' || frame.type === 'send') {
      return 'bad-frame'; // an authenticated SEND never gets here
    } else {
      this.sendTurnCredentials();
    }
    return undefined;
  }

  private async authenticate(frame: Extract<ClientFrame, { type: 'auth' }>): Promise<void> {
    this.state = 'verifying';
    const nonce = this.challenge!.subarray(CHALLENGE_NONCE_OFFSET, CHALLENGE_NONCE_OFFSET + CHALLENGE_LENGTH);
    this.challenge = undefined;
    const { context } = this;
    const valid =
      context.origins.has(frame.origin) &&
      (await verifyRelayAuth(context.backend, nonce, frame.origin, frame.publicKey, frame.signature));
    if (this.closing) return;
    if (!valid) {
      this.close('auth-failed');
      return;
    }
    try {
      const attached = context.router.attach(frame.publicKey, this);
      if (attached !== undefined) await attached;
    } catch {
      context.metrics.error('router-attach');
      this.close('internal-error');
      return;
    }
    this.address = addressKey(frame.publicKey);
    // Closing while attaching: give the address back so a dead socket never holds it.
    if (this.closing) {
      this.detach();
      return;
    }
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.state = 'authenticated';
    context.metrics.counts.authenticated++;
    this.push(context.turn === undefined ? READY_WITHOUT_TURN : READY_WITH_TURN);
  }

  /** Forwards a SEND that checkSendFrame accepted, reusing its bytes for the DELIVER. */
  private forward(send: Uint8Array, flags: number): void {
    const frameId = u32beAt(send, SEND_OFFSETS.frameId);
    const recipient = send.subarray(SEND_OFFSETS.recipient, SEND_OFFSETS.frameId);
    let taken: boolean | Promise<boolean>;
    try {
      taken = this.context.router.route(recipient, reframeSendAsDeliver(send));
    } catch {
      this.context.metrics.error('router-route');
      taken = false;
    }
    if (typeof taken === 'boolean') {
      this.answer(taken, frameId, flags);
      return;
    }
    // Another node's answer: the only per-frame promise, and only for recipients not held here.
    taken
      .then(
        (remote) => this.answer(remote, frameId, flags),
        () => {
          this.context.metrics.error('router-route');
          this.answer(false, frameId, flags);
        },
      )
      .catch(() => this.context.metrics.error('forward'));
  }

  private answer(taken: boolean, frameId: number, flags: number): void {
    const { counts } = this.context.metrics;
    if (taken) {
      counts.forwarded++;
      if ((flags & SEND_FLAG_RECEIPT) !== 0) this.push(encodeFrame({ type: 'forwarded', frameId }));
    } else {
      counts.undeliverable++;
      this.push(encodeFrame({ type: 'undeliverable', frameId }));
    }
  }

  private sendTurnCredentials(): void {
    const { turn, turnQuota, wallNow, monotonicNow, metrics } = this.context;
    if (turn === undefined || this.address === undefined) {
      this.push(TURN_UNAVAILABLE);
      return;
    }
    const label = turnLabel(turn, addressBytes(this.address));
    if (
      turn.deniedLabels.has(label) ||
      turnQuota?.take(label, this.client?.ip ?? 'unknown', monotonicNow()) === false
    ) {
      metrics.counts.turnRefused++;
      this.push(TURN_UNAVAILABLE);
      return;
    }
    metrics.counts.turnCredentials++;
    this.push(encodeFrame({ type: 'turn-credentials', ...mintTurnCredentials(turn, wallNow(), label) }));
  }

  private detach(): void {
    if (this.address === undefined) return;
    const { router, metrics } = this.context;
    try {
      const detached = router.detach(addressBytes(this.address), this);
      if (detached !== undefined) detached.catch(() => metrics.error('router-detach'));
    } catch {
      metrics.error('router-detach');
    }
  }

  /** A ping from the client: it takes a token like any frame. */
  control(): void {
    const now = this.context.monotonicNow();
    if (!this.bucket.take(now) || this.client?.frames.take(now) === false) this.close('rate-limited');
  }

  /** The answer to a ping; it takes a token too. Echoing the outstanding probe confirms what it covers. */
  pong(data: Buffer): void {
    this.alive = true;
    const { probe } = this;
    if (probe !== undefined && data.length === PROBE_BYTES && equalBytes(data, probe)) {
      this.unread -= this.probed;
      this.probe = undefined;
      this.probed = 0;
      if (this.unread > this.context.limits.maxBufferedBytes / 4) this.sendProbe();
    }
    this.control();
  }

  /** ws reports a protocol error; the close that follows is labelled with it. */
  failed(error: Error & { code?: string }): void {
    this.closeLabel ??=
      error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame-too-large' : 'ws-protocol-error';
  }

  /** The socket is closed: release the address and every count it held. */
  ended(code: number): void {
    const wasAuthenticated = this.state === 'authenticated';
    this.state = 'closed';
    this.challenge = undefined;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    if (wasAuthenticated) this.context.metrics.counts.authenticated--;
    this.detach();
    this.context.metrics.closed(this.closeLabel ?? (code === 1006 ? 'connection-lost' : 'client-closed'));
    this.onClosed(this);
  }
}
