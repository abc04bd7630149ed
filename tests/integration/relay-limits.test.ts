/** Every limit of relay/limits.ts, enforced by a live relay, without harming well-behaved neighbours. */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { encodeFrame, SEND_HEADER_LENGTH } from '../../crypto/relay-frames.ts';
import { MAX_ENVELOPE_BYTES } from '../../crypto/wire.ts';
import { RelayConnection } from '../../relay/connection.ts';
import { DEFAULT_LIMITS, type RelayLimits, resolveLimits } from '../../relay/limits.ts';
import { createLocalRouter } from '../../relay/local-router.ts';
import { createRelayMetrics } from '../../relay/metrics.ts';
import type { Relay } from '../../relay/server.ts';
import {
  backend,
  connectAs,
  identity,
  metric,
  RawSocket,
  startRelay,
  within,
} from '../support/relay-harness.ts';

/** A ws-like socket whose peer never reads: everything sent stays buffered. */
class StuckSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  closedWith: number | undefined;
  send(data: Uint8Array): void {
    if (this.readyState !== this.OPEN) throw new Error('send after close');
    this.bufferedAmount += data.length;
  }
  close(code: number): void {
    this.readyState = 2;
    this.closedWith = code;
  }
  ping(): void {}
  terminate(): void {}
}

const relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});
async function relayWith(limits: Partial<RelayLimits>): Promise<Relay> {
  const relay = await startRelay({ limits });
  relays.push(relay);
  return relay;
}
const closes = (relay: Relay, reason: string) =>
  metric(relay, `tincan_relay_closes_total{reason="${reason}"}`);

/** Two clients that must keep working whatever a misbehaving neighbour does. */
async function bystanders(relay: Relay, label: string) {
  const a = await connectAs(relay, `${label}-a`);
  const b = await connectAs(relay, `${label}-b`);
  return {
    async stillRoute() {
      expect(await a.send(b.publicKey, Uint8Array.of(1))).toBe('forwarded');
      await expect.poll(() => b.inbox.length).toBeGreaterThan(0);
    },
  };
}

describe('relay limits', () => {
  it('defaults: a 64 KiB frame carries the largest end-to-end envelope', () => {
    expect(DEFAULT_LIMITS.maxFrameBytes).toBe(65536);
    expect(SEND_HEADER_LENGTH + MAX_ENVELOPE_BYTES).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFrameBytes);
  });

  it('forwards a frame of exactly the maximum size and refuses one byte more with 1009', async () => {
    const relay = await relayWith({ maxFrameBytes: 4096 });
    const others = await bystanders(relay, 'oversize-bystander');
    const alice = await connectAs(relay, 'oversize-alice');
    const bob = await connectAs(relay, 'oversize-bob');
    expect(alice.limits.maxFrameBytes).toBe(4096);
    expect(await alice.send(bob.publicKey, new Uint8Array(4096 - SEND_HEADER_LENGTH))).toBe('forwarded');
    alice.post(bob.publicKey, new Uint8Array(4096 - SEND_HEADER_LENGTH + 1));
    expect((await within(alice.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['frame-too-large']);
    await expect.poll(() => closes(relay, 'frame-too-large')).toBe(1);
    await others.stillRoute();
  });

  it('closes a flooding socket with rate-limited, and spares one that stays within the burst', async () => {
    const relay = await relayWith({ messagesPerSecond: 50, messageBurst: 20 });
    const others = await bystanders(relay, 'flood-bystander');
    const polite = await connectAs(relay, 'flood-polite');
    const flooder = await connectAs(relay, 'flood-flooder');
    const target = await identity('flood-target');
    for (let i = 0; i < 15; i++) polite.post(target.publicKey, Uint8Array.of(i));
    // Written to the socket directly: the client's own pacing would never let it flood.
    for (let i = 0; i < 200; i++) {
      const frame = { type: 'send', recipient: target.publicKey, frameId: i + 1, receipt: false } as const;
      flooder.socket.send(encodeFrame({ ...frame, envelope: Uint8Array.of(i) }));
    }
    expect((await within(flooder.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['rate-limited']);
    expect(await polite.send(target.publicKey, Uint8Array.of(0))).toBe('undeliverable');
    await others.stillRoute();
  });

  it('counts pings against the rate limit', async () => {
    const relay = await relayWith({ messagesPerSecond: 10, messageBurst: 10 });
    const pinger = await connectAs(relay, 'ping-flooder');
    for (let i = 0; i < 50; i++) pinger.socket.ping();
    expect((await within(pinger.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['rate-limited']);
  });

  it('closes a receiver that stops reading (slow-consumer), frees it, and tells senders undeliverable', async () => {
    const relay = await relayWith({
      maxBufferedBytes: 256 * 1024,
      messagesPerSecond: 100_000,
      messageBurst: 100_000,
      closeTimeoutMs: 300,
    });
    const others = await bystanders(relay, 'slow-bystander');
    const sender = await connectAs(relay, 'slow-sender');
    const receiver = await connectAs(relay, 'slow-receiver');
    (receiver.socket as unknown as { _socket: Socket })._socket.pause();
    const frame = new Uint8Array(60 * 1024);
    let sent = 0;
    let result: 'forwarded' | 'undeliverable' = 'forwarded';
    // Bounded: 1,000 frames of 60 KiB (60 MB) is far beyond what loopback buffers hold.
    while (result === 'forwarded' && sent < 1000) {
      sent++;
      result = await sender.send(receiver.publicKey, frame);
    }
    expect(result).toBe('undeliverable');
    // The address is released as the close begins; the close is counted once the socket has ended.
    await expect.poll(() => closes(relay, 'slow-consumer'), { timeout: 3_000 }).toBe(1);
    // A receiver that never reads the close frame is destroyed after closeTimeoutMs, releasing its buffers.
    await expect.poll(() => metric(relay, 'tincan_relay_connections'), { timeout: 3_000 }).toBe(3);
    await others.stillRoute();
  });

  it('never queues more than maxBufferedBytes plus one frame for a receiver that does not drain', () => {
    const limits = resolveLimits({ maxBufferedBytes: 256 * 1024 });
    const socket = new StuckSocket();
    const context = {
      limits,
      origins: new Set<string>(),
      router: createLocalRouter(),
      backend,
      random: (n: number) => new Uint8Array(n),
      turn: undefined,
      metrics: createRelayMetrics(),
      monotonicNow: () => 0,
      wallNow: () => 0,
    };
    const connection = new RelayConnection(socket as unknown as WebSocket, context, () => {});
    for (let i = 0; i < 1000; i++) connection.deliver(new Uint8Array(60 * 1024));
    expect(socket.closedWith).toBe(RELAY_CLOSE_CODES['slow-consumer']);
    expect(socket.bufferedAmount).toBeGreaterThan(limits.maxBufferedBytes);
    expect(socket.bufferedAmount).toBeLessThanOrEqual(limits.maxBufferedBytes + 60 * 1024);
    socket.emit('close', 1006);
  });

  it('terminates a socket that stops answering pings, and keeps one that answers', async () => {
    const relay = await relayWith({ heartbeatIntervalMs: 100 });
    const deaf = await connectAs(relay, 'heartbeat-deaf', { webSocket: { autoPong: false } });
    const healthy = await connectAs(relay, 'heartbeat-healthy');
    const started = Date.now();
    expect((await within(deaf.closed, 3_000)).code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect.poll(() => closes(relay, 'heartbeat-timeout')).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
  });

  it('limits connections per IP address (too-many-connections) and in total (server-full)', async () => {
    const perIp = await relayWith({ maxConnectionsPerIp: 3 });
    const held = await Promise.all([0, 1, 2].map(() => RawSocket.open(perIp.url)));
    const refused = await RawSocket.open(perIp.url);
    expect((await within(refused.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['too-many-connections']);
    held[0]!.close();
    await expect.poll(() => metric(perIp, 'tincan_relay_connections')).toBe(2);
    const again = await RawSocket.open(perIp.url);
    expect((await again.next()).type).toBe('challenge');

    const full = await relayWith({ maxConnections: 2 });
    await Promise.all([0, 1].map(() => RawSocket.open(full.url)));
    const overflow = await RawSocket.open(full.url);
    expect((await within(overflow.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['server-full']);
  });
});
