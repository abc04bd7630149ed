/**
 * Volume limits, against the relay as `npm start` runs it: a receiver that never reads is closed before the
 * relay has sent it more than maxBufferedBytes (kernel buffers included), so the relay's memory stays
 * bounded; a socket's byte budget and an address's frame budget close abusers; normal clients go on.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRelay, type RelayClient } from '../../client/cli/relay-client.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { identity, within } from '../support/relay-harness.ts';
import { type RelayProcess, relayProcesses } from '../support/relay-process.ts';

const relays = relayProcesses('volume');
afterAll(() => relays.stop());

const relayProcess = (limits: Record<string, number>): Promise<RelayProcess> =>
  relays.start({ args: Object.entries(limits).flatMap(([name, value]) => ['--limit', `${name}=${value}`]) });

const rssMiB = (pid: number): number =>
  Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1]) / 1024;

async function client(
  relay: RelayProcess,
  label: string,
  localAddress = '127.0.0.1',
): Promise<RelayClient & { receivedBytes: () => number }> {
  let received = 0;
  const c = await connectRelay({
    url: relay.url,
    identity: await identity(label),
    webSocket: { localAddress },
    onDeliver: (envelope) => {
      received += envelope.length;
    },
  });
  return Object.assign(c, { receivedBytes: () => received });
}

async function metricValue(relay: RelayProcess, sample: string): Promise<number> {
  const text = await (await fetch(`${relay.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return Number(line?.slice(sample.length + 1));
}

const FRAME = 60 * 1024;
const MAX_BUFFERED = 1024 * 1024;
/** Only the limit under test acts: the others are out of reach. */
const UNLIMITED = {
  messagesPerSecond: 1_000_000,
  messageBurst: 1_000_000,
  bytesPerSecond: 2 ** 30,
  byteBurst: 2 ** 30,
  messagesPerSecondPerIp: 1_000_000,
  messageBurstPerIp: 1_000_000,
};

describe('relay volume limits', () => {
  it('closes receivers that never read after at most maxBufferedBytes each; RSS stays bounded', async () => {
    const relay = await relayProcess({ ...UNLIMITED, maxBufferedBytes: MAX_BUFFERED, closeTimeoutMs: 500 });
    const stuck = 20;
    const pairs = await Promise.all(
      Array.from({ length: stuck }, async (_, i) => {
        const receiver = await client(relay, `stuck-receiver-${i}`);
        (receiver.socket as unknown as { _socket: Socket })._socket.pause();
        return { sender: await client(relay, `stuck-sender-${i}`), receiver };
      }),
    );
    const reader = await client(relay, 'volume-reader');
    const readerSender = await client(relay, 'volume-reader-sender');
    await new Promise((r) => setTimeout(r, 300));
    const baseline = rssMiB(relay.pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(relay.pid));
    }, 20);
    const frame = new Uint8Array(FRAME);
    try {
      // Bounded: 200 frames (12 MB) per receiver, far beyond what the limit lets through.
      const forwarded = await within(
        Promise.all(
          pairs.map(async ({ sender, receiver }) => {
            let sent = 0;
            while (sent < 200 && (await sender.send(receiver.publicKey, frame)) === 'forwarded') sent++;
            return sent * FRAME;
          }),
        ),
        60_000,
        'sending to the stuck receivers',
      );
      // A receiver that reads takes 9 MB, nine times the allowance, and is never closed.
      for (let i = 0; i < 150; i++)
        expect(await readerSender.send(reader.publicKey, frame)).toBe('forwarded');
      await expect.poll(() => reader.receivedBytes(), { timeout: 10_000 }).toBe(150 * FRAME);
      peak = Math.max(peak, rssMiB(relay.pid));
      for (const bytes of forwarded) expect(bytes).toBeLessThanOrEqual(MAX_BUFFERED + FRAME);
      // 20 stuck receivers may pin 20 MiB of queued frames at most, plus the heap's own growth.
      expect(peak - baseline).toBeLessThan(48);
      console.log(`relay RSS ${baseline.toFixed(1)} MiB -> peak ${peak.toFixed(1)} MiB`);
    } finally {
      clearInterval(sampler);
    }
    await expect
      .poll(() => metricValue(relay, 'tincan_relay_closes_total{reason="slow-consumer"}'), { timeout: 5_000 })
      .toBe(stuck);
    // Their sockets are gone after closeTimeoutMs (they never read the close frame): the senders stay.
    await expect
      .poll(() => metricValue(relay, 'tincan_relay_connections'), { timeout: 5_000 })
      .toBe(stuck + 2);
    expect(reader.socket.readyState).toBe(reader.socket.OPEN);
  }, 90_000);

  it('closes a socket that sends more bytes than its budget, and spares one within it', async () => {
    const relay = await relayProcess({ bytesPerSecond: 256 * 1024, byteBurst: 1024 * 1024 });
    const target = await client(relay, 'bytes-target');
    const heavy = await client(relay, 'bytes-heavy');
    const light = await client(relay, 'bytes-light');
    const frame = new Uint8Array(FRAME);
    // 40 full frames, 2.4 MB at once: within the frame limits (200/s, 400 at once), beyond the byte budget.
    for (let i = 0; i < 40; i++) heavy.post(target.publicKey, frame);
    expect((await within(heavy.closed, 5_000)).code).toBe(RELAY_CLOSE_CODES['rate-limited']);
    for (let i = 0; i < 10; i++)
      expect(await light.send(target.publicKey, new Uint8Array(1000))).toBe('forwarded');
  }, 30_000);

  it("closes sockets that together spend their address's frame budget; another address goes on", async () => {
    const relay = await relayProcess({ messagesPerSecondPerIp: 50, messageBurstPerIp: 100 });
    const target = await client(relay, 'address-target', '127.0.0.3');
    const crowd = await Promise.all([0, 1, 2, 3].map((i) => client(relay, `address-crowd-${i}`)));
    const other = await client(relay, 'address-other', '127.0.0.2');
    // 4 x 60 frames: each socket within its own 200/s and 400 at once, the address far beyond 100.
    for (const c of crowd) for (let i = 0; i < 60; i++) c.post(target.publicKey, Uint8Array.of(i));
    const first = await within(Promise.race(crowd.map((c) => c.closed)), 5_000, 'a crowd socket closing');
    expect(first.code).toBe(RELAY_CLOSE_CODES['rate-limited']);
    for (let i = 0; i < 60; i++) other.post(target.publicKey, Uint8Array.of(i));
    expect(await other.send(target.publicKey, Uint8Array.of(1))).toBe('forwarded');
  }, 30_000);
});
