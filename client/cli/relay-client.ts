/**
 * Headless Node client for the relay protocol (tests, benchmark, CLI). All protocol logic is in crypto/
 * (frames, auth message); this file only drives a `ws` socket with it. Frames after READY are paced below
 * the relay's announced limits by the same pacer as the browser's (client/core/send-pacer.ts), so a
 * burst (an outbox flushed after a reconnect, a backlog and its acks) waits here instead of getting the
 * socket closed as rate-limited.
 */
import { performance } from 'node:perf_hooks';
import WebSocket, { type ClientOptions } from 'ws';
import type { Ed25519Signer } from '../../crypto/ed25519.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { originOfRelayUrl, signRelayAuth } from '../../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import {
  type AnnouncedLimits,
  decodeServerFrame,
  encodeFrame,
  type ServerFrame,
} from '../../crypto/relay-frames.ts';
import { type PacerTimers, SendPacer } from '../core/send-pacer.ts';

export interface RelayClientOptions {
  /** ws:// or wss:// URL of the relay endpoint, e.g. ws://127.0.0.1:8080/relay. */
  url: string;
  identity: { readonly publicKey: Uint8Array; readonly signer: Ed25519Signer };
  /** The origin to sign; default: derived from `url` (ws -> http, wss -> https). */
  origin?: string;
  /** Called for every envelope delivered to this identity, from the first one on. */
  onDeliver?: (envelope: Uint8Array) => void;
  /** Called for UNDELIVERABLE answers to `post` (fire-and-forget) frames. */
  onUndeliverable?: (frameId: number) => void;
  connectTimeoutMs?: number;
  webSocket?: ClientOptions;
}

export type SendResult = 'forwarded' | 'undeliverable';
export type TurnCredentials = Omit<Extract<ServerFrame, { type: 'turn-credentials' }>, 'type'>;

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** The relay connection ended (or never authenticated); `code` is the WebSocket close code. */
export class RelayClosedError extends Error {
  constructor(readonly close: CloseInfo) {
    super(`relay connection closed: ${close.code} ${close.reason}`);
    this.name = 'RelayClosedError';
  }
}

export interface RelayClient {
  readonly publicKey: Uint8Array;
  readonly limits: AnnouncedLimits;
  readonly turnAvailable: boolean;
  /** The underlying socket, for tests that need to misbehave (pause reading, stop answering pings, flood:
   * frames written to it directly skip the pacing). */
  readonly socket: WebSocket;
  /** Resolves once the relay has handed the envelope to the recipient's connection, or says it cannot. */
  send(recipient: Uint8Array, envelope: Uint8Array): Promise<SendResult>;
  /** Fire and forget: no receipt; an UNDELIVERABLE answer goes to `onUndeliverable`. Returns the frame id. */
  post(recipient: Uint8Array, envelope: Uint8Array): number;
  /** Fresh TURN credentials, or undefined when the relay has no TURN server configured. */
  requestTurnCredentials(): Promise<TurnCredentials | undefined>;
  readonly closed: Promise<CloseInfo>;
  close(): Promise<CloseInfo>;
}

const nodeTimers: PacerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

export async function connectRelay(options: RelayClientOptions): Promise<RelayClient> {
  const origin = options.origin ?? originOfRelayUrl(options.url);
  const socket = new WebSocket(options.url, { perMessageDeflate: false, ...options.webSocket });
  socket.binaryType = 'nodebuffer';
  const pending = new Map<number, Waiter<SendResult>>();
  const turnWaiters: Waiter<TurnCredentials | undefined>[] = [];
  let nextFrameId = 1;
  let ready: ((frame: Extract<ServerFrame, { type: 'ready' }>) => void) | undefined;
  let limits: AnnouncedLimits | undefined;
  const pacer = new SendPacer(nodeTimers);

  const closed = new Promise<CloseInfo>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('error', () => {}); // the close event carries the outcome
  const fail = (code: number, reason: string) => socket.close(code, reason);

  const onFrame = async (frame: ServerFrame): Promise<void> => {
    switch (frame.type) {
      case 'challenge': {
        if (limits !== undefined) return fail(RELAY_CLOSE_CODES['bad-frame'], 'second challenge');
        limits = frame.limits;
        const signature = await signRelayAuth(options.identity.signer, frame.nonce, origin);
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(encodeFrame({ type: 'auth', publicKey: options.identity.publicKey, signature, origin }));
        return;
      }
      case 'ready':
        if (limits === undefined) return fail(RELAY_CLOSE_CODES['bad-frame'], 'ready before challenge');
        return ready?.(frame);
      case 'deliver':
        return options.onDeliver?.(frame.envelope);
      case 'forwarded':
      case 'undeliverable': {
        const waiter = pending.get(frame.frameId);
        pending.delete(frame.frameId);
        if (waiter) waiter.resolve(frame.type);
        else if (frame.type === 'undeliverable') options.onUndeliverable?.(frame.frameId);
        return;
      }
      case 'turn-credentials':
      case 'turn-unavailable': {
        const { type: _type, ...credentials } = frame;
        return turnWaiters
          .shift()
          ?.resolve(frame.type === 'turn-credentials' ? (credentials as TurnCredentials) : undefined);
      }
    }
  };
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    let frame: ServerFrame;
    try {
      if (!isBinary) throw new Error('text frame');
      // A plain Uint8Array view: crypto/ relies on Uint8Array semantics (Buffer#slice is a view).
      frame = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      return fail(RELAY_CLOSE_CODES['bad-frame'], isProtocolError(error) ? error.code : 'text frame');
    }
    onFrame(frame).catch(() => fail(RELAY_CLOSE_CODES['internal-error'], 'client error'));
  });

  const readyFrame = await new Promise<Extract<ServerFrame, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('relay connect timeout'));
    }, options.connectTimeoutMs ?? 10_000);
    ready = (frame) => {
      clearTimeout(timer);
      resolve(frame);
    };
    closed.then((info) => {
      clearTimeout(timer);
      reject(new RelayClosedError(info));
    });
  });
  // After READY, a close rejects whatever is still waiting: whether those frames were forwarded is unknown.
  pacer.start(limits!, (bytes) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(bytes);
  });
  closed.then((info) => {
    pacer.stop();
    const error = new RelayClosedError(info);
    for (const waiter of [...pending.values(), ...turnWaiters.splice(0)]) waiter.reject(error);
    pending.clear();
  });

  const sendFrame = (recipient: Uint8Array, envelope: Uint8Array, receipt: boolean): number => {
    if (socket.readyState !== WebSocket.OPEN) throw new RelayClosedError({ code: 1006, reason: 'not open' });
    const frameId = nextFrameId;
    nextFrameId = nextFrameId === 0xffffffff ? 1 : nextFrameId + 1;
    pacer.push(encodeFrame({ type: 'send', recipient, frameId, receipt, envelope }));
    return frameId;
  };

  return {
    publicKey: options.identity.publicKey,
    limits: limits!,
    turnAvailable: readyFrame.turnAvailable,
    socket,
    send(recipient, envelope) {
      return new Promise((resolve, reject) =>
        pending.set(sendFrame(recipient, envelope, true), { resolve, reject }),
      );
    },
    post: (recipient, envelope) => sendFrame(recipient, envelope, false),
    requestTurnCredentials() {
      if (socket.readyState !== WebSocket.OPEN)
        return Promise.reject(new RelayClosedError({ code: 1006, reason: 'not open' }));
      return new Promise((resolve, reject) => {
        turnWaiters.push({ resolve, reject });
        pacer.push(encodeFrame({ type: 'turn-request' }));
      });
    },
    closed,
    close() {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)
        socket.close(1000);
      return closed;
    },
  };
}
