/**
 * One client socket: challenge, authentication, then routing (spec/drafts/relay.md §Session).
 *
 *   awaiting-auth --AUTH ok--> verifying --signature ok, address attached--> authenticated
 *        |                        |                                               |
 *        +------ any other frame, bad signature, wrong origin, timeout -----------+--> closed
 *
 * Nothing is routed before `authenticated`; the only frame accepted before it is one AUTH, so each
 * challenge is answered at most once. Every frame, ping and pong first takes a rate-limit token.
 */
import type { RawData, WebSocket } from 'ws';
import type { RandomSource } from '../crypto/bytes.ts';
import type { Ed25519Backend } from '../crypto/ed25519.ts';
import { isProtocolError } from '../crypto/errors.ts';
import { CHALLENGE_LENGTH, verifyRelayAuth } from '../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES, type RelayCloseReason } from '../crypto/relay-close-codes.ts';
import {
  type ClientFrame,
  decodeClientFrame,
  encodeFrame,
  reframeSendAsDeliver,
} from '../crypto/relay-frames.ts';
import type { RelayLimits } from './limits.ts';
import type { CloseLabel, RelayMetrics } from './metrics.ts';
import type { Endpoint, Router } from './router.ts';
import { TokenBucket } from './token-bucket.ts';
import { mintTurnCredentials, type TurnConfig } from './turn.ts';

export interface RelayContext {
  readonly limits: RelayLimits;
  readonly origins: ReadonlySet<string>;
  readonly router: Router;
  readonly backend: Ed25519Backend;
  readonly random: RandomSource;
  readonly turn: TurnConfig | undefined;
  readonly metrics: RelayMetrics;
  /** Monotonic milliseconds, for rate limits. */
  readonly monotonicNow: () => number;
  /** Wall-clock milliseconds, for TURN expiry. */
  readonly wallNow: () => number;
}

type State = 'awaiting-auth' | 'verifying' | 'authenticated' | 'closed';

const READY_FRAME = (turn: boolean) => encodeFrame({ type: 'ready', turnAvailable: turn });
const TURN_UNAVAILABLE = encodeFrame({ type: 'turn-unavailable' });

export class RelayConnection implements Endpoint {
  private state: State = 'awaiting-auth';
  private challenge: Uint8Array | undefined;
  private address: Uint8Array | undefined;
  private closeLabel: CloseLabel | undefined;
  private alive = true;
  private readonly bucket: TokenBucket;
  private authTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: RelayContext,
    private readonly onClosed: (connection: RelayConnection) => void,
  ) {
    const { limits } = context;
    this.bucket = TokenBucket.perSecond(
      limits.messagesPerSecond,
      limits.messageBurst,
      context.monotonicNow(),
    );
    this.authTimer = setTimeout(() => this.close('auth-timeout'), limits.authTimeoutMs);
    socket.on('message', this.onMessage);
    socket.on('ping', this.onControl);
    socket.on('pong', this.onPong);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    this.challenge = context.random(CHALLENGE_LENGTH);
    const { maxFrameBytes, messagesPerSecond, messageBurst } = limits;
    this.push(
      encodeFrame({
        type: 'challenge',
        nonce: this.challenge,
        limits: { maxFrameBytes, messagesPerSecond, messageBurst },
      }),
    );
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
    this.socket.ping();
  }

  private push(frame: Uint8Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.context.limits.maxBufferedBytes) this.close('slow-consumer');
  }

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
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
  };

  /** Acts on one incoming message; returns the reason to close the socket, if any. */
  private handle(data: RawData, isBinary: boolean): RelayCloseReason | undefined {
    if (!this.bucket.take(this.context.monotonicNow())) return 'rate-limited';
    if (!isBinary || !(data instanceof Uint8Array)) return 'bad-frame';
    // A plain Uint8Array view of ws's Buffer: crypto/ relies on Uint8Array semantics (Buffer#slice is a view).
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
    } else if (this.state !== 'authenticated') {
      return 'bad-frame';
    } else if (frame.type === 'send') {
      this.forward(bytes, frame.recipient, frame.frameId, frame.receipt);
    } else {
      this.sendTurnCredentials();
    }
    return undefined;
  }

  private async authenticate(frame: Extract<ClientFrame, { type: 'auth' }>): Promise<void> {
    this.state = 'verifying';
    const challenge = this.challenge!;
    this.challenge = undefined;
    const { context } = this;
    const valid =
      context.origins.has(frame.origin) &&
      (await verifyRelayAuth(context.backend, challenge, frame.origin, frame.publicKey, frame.signature));
    if (this.closing) return;
    if (!valid) {
      this.close('auth-failed');
      return;
    }
    const address = frame.publicKey.slice();
    try {
      await context.router.attach(address, this);
    } catch {
      context.metrics.error('router-attach');
      this.close('internal-error');
      return;
    }
    this.address = address;
    // Closing while attaching: give the address back so a dead socket never holds it.
    if (this.closing) {
      this.detach();
      return;
    }
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.state = 'authenticated';
    context.metrics.counts.authenticated++;
    this.push(READY_FRAME(context.turn !== undefined));
  }

  private forward(send: Uint8Array, recipient: Uint8Array, frameId: number, receipt: boolean): void {
    const { counts } = this.context.metrics;
    this.context.router
      .route(recipient, reframeSendAsDeliver(send))
      .then(
        (taken) => {
          if (taken) {
            counts.forwarded++;
            if (receipt) this.push(encodeFrame({ type: 'forwarded', frameId }));
          } else {
            counts.undeliverable++;
            this.push(encodeFrame({ type: 'undeliverable', frameId }));
          }
        },
        () => {
          this.context.metrics.error('router-route');
          counts.undeliverable++;
          this.push(encodeFrame({ type: 'undeliverable', frameId }));
        },
      )
      .catch(() => this.context.metrics.error('forward'));
  }

  private sendTurnCredentials(): void {
    const { turn, wallNow, random, metrics } = this.context;
    if (turn === undefined) {
      this.push(TURN_UNAVAILABLE);
      return;
    }
    metrics.counts.turnCredentials++;
    this.push(encodeFrame({ type: 'turn-credentials', ...mintTurnCredentials(turn, wallNow(), random) }));
  }

  private detach(): void {
    if (this.address === undefined) return;
    this.context.router.detach(this.address, this).catch(() => this.context.metrics.error('router-detach'));
  }

  private readonly onControl = (): void => {
    if (!this.bucket.take(this.context.monotonicNow())) this.close('rate-limited');
  };

  private readonly onPong = (): void => {
    this.alive = true;
    this.onControl();
  };

  private readonly onError = (error: Error & { code?: string }): void => {
    this.closeLabel ??=
      error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame-too-large' : 'ws-protocol-error';
  };

  private readonly onClose = (code: number): void => {
    const wasAuthenticated = this.state === 'authenticated';
    this.state = 'closed';
    clearTimeout(this.authTimer);
    if (wasAuthenticated) this.context.metrics.counts.authenticated--;
    this.detach();
    this.context.metrics.closed(this.closeLabel ?? (code === 1006 ? 'connection-lost' : 'client-closed'));
    this.onClosed(this);
  };
}
