/**
 * Test helpers around a live relay: a raw socket that can send any bytes and read frames one by one, and
 * authenticated clients with reproducible identities. Everything binds to 127.0.0.1, port 0.
 */
import WebSocket, { type ClientOptions } from 'ws';
import {
  type CloseInfo,
  connectRelay,
  type RelayClient,
  type RelayClientOptions,
} from '../../client/cli/relay-client.ts';
import type { Identity } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { decodeServerFrame, type ServerFrame } from '../../crypto/relay-frames.ts';
import { createRelay, type Relay, type RelayOptions } from '../../relay/server.ts';
import { testIdentity } from './identities.ts';

export const backend = nodeEd25519();

export const identity = (label: string): Promise<Identity> => testIdentity(label, backend);

export function startRelay(options: RelayOptions = {}): Promise<Relay> {
  return createRelay({ host: '127.0.0.1', port: 0, ...options });
}

export async function connectAs(
  relay: Relay,
  label: string,
  options: Partial<RelayClientOptions> = {},
): Promise<RelayClient & { identity: Identity; inbox: Uint8Array[] }> {
  const id = await identity(label);
  const inbox: Uint8Array[] = [];
  const client = await connectRelay({
    url: relay.url,
    identity: id,
    onDeliver: (envelope) => inbox.push(envelope.slice()),
    ...options,
  });
  return Object.assign(client, { identity: id, inbox });
}

/** A socket that speaks raw bytes: for malformed, early, replayed and oversized frames. */
export class RawSocket {
  readonly frames: Uint8Array[] = [];
  readonly closed: Promise<CloseInfo>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = 'nodebuffer';
    socket.on('error', () => {});
    socket.on('message', (data: Buffer) => {
      this.frames.push(new Uint8Array(data));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  static open(url: string, options: ClientOptions = {}): Promise<RawSocket> {
    const socket = new WebSocket(url, { perMessageDeflate: false, ...options });
    const raw = new RawSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(raw));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  /** The next server frame, decoded strictly; rejects if the socket closes or nothing comes in time. */
  async next(timeoutMs = 2_000): Promise<ServerFrame> {
    return decodeServerFrame(await this.nextBytes(timeoutMs));
  }

  /** The next server frame's bytes, as they came off the wire. */
  async nextBytes(timeoutMs = 2_000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Resolves with the close, or rejects after `ms`: keeps a hanging socket from hanging the test. */
export function within<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Polls `condition` every 10 ms for at most `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The value of one sample in Prometheus text, e.g. metric('tincan_relay_closes_total{reason="replaced"}'). */
export async function metric(relay: Relay, sample: string): Promise<number> {
  const text = await relay.metrics.render();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no sample ${sample}`);
  return Number(line.slice(sample.length + 1));
}
