/**
 * The Node client paces what it sends below the relay's announced limits: a burst far beyond the relay's
 * burst limit is spread out, the socket is not closed as rate-limited, and every frame arrives in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatNode, startChatNode } from '../../client/cli/chat-node.ts';
import type { MessengerEvent } from '../../client/core/messenger.ts';
import { toHex } from '../../crypto/bytes.ts';
import type { Identity } from '../../crypto/identity.ts';
import type { Relay } from '../../relay/server.ts';
import { connectAs, identity, metric, startRelay, within } from '../support/relay-harness.ts';

const relays: Relay[] = [];
const nodes: ChatNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

/** A CLI messenger on the relay that takes `other` as a contact and records what happens to it. */
async function chatNode(relay: Relay, me: Identity, other: Identity) {
  const events: MessengerEvent[] = [];
  const connection: string[] = [];
  const peer = toHex(other.publicKey);
  const node = await startChatNode({
    url: relay.url,
    identity: me,
    contacts: { status: (p) => (p === peer ? 'contact' : 'stranger'), list: () => [peer] },
    onEvent: (event) => void events.push(event),
    reconnect: true,
    onConnection: (state, detail) => void connection.push(`${state} ${detail ?? ''}`.trim()),
  });
  nodes.push(node);
  return { node, events, connection };
}

describe('Node relay client pacing', () => {
  it('flushes a burst five times the relay burst limit without being closed, and everything arrives', async () => {
    const relay = await startRelay({ limits: { messagesPerSecond: 50, messageBurst: 20 } });
    relays.push(relay);
    const sender = await connectAs(relay, 'pacing-sender');
    const receiver = await connectAs(relay, 'pacing-receiver');
    expect(sender.limits).toMatchObject({ messagesPerSecond: 50, messageBurst: 20 });
    const burst = 100;
    const started = performance.now();
    // Fire-and-forget frames and frames with receipts, mixed, all handed over at once.
    const receipts: Promise<'forwarded' | 'undeliverable'>[] = [];
    for (let i = 0; i < burst; i++) {
      if (i % 2 === 0) receipts.push(sender.send(receiver.publicKey, Uint8Array.of(i)));
      else sender.post(receiver.publicKey, Uint8Array.of(i));
    }
    // At 80% of 50/s after a bucket of 14, 100 frames take about 2.2 s; bounded well above that.
    const answers = await within(Promise.all(receipts), 10_000, 'the burst');
    expect(answers.every((a) => a === 'forwarded')).toBe(true);
    await expect.poll(() => receiver.inbox.length, { timeout: 10_000 }).toBe(burst);
    expect(receiver.inbox.map((e) => e[0])).toEqual(Array.from({ length: burst }, (_, i) => i));
    expect(performance.now() - started).toBeGreaterThan(1_500); // it was paced, not sent at once
    expect(await metric(relay, 'tincan_relay_closes_total{reason="rate-limited"}')).toBe(0);
    expect(sender.socket.readyState).toBe(sender.socket.OPEN);
  }, 20_000);

  it('a CLI messenger writing a backlog past the burst limit, and the acks coming back, stay connected', async () => {
    const relay = await startRelay({ limits: { messagesPerSecond: 50, messageBurst: 20 } });
    relays.push(relay);
    const [aliceId, bobId] = [await identity('pacing-alice'), await identity('pacing-bob')];
    const alice = await chatNode(relay, aliceId, bobId);
    const bob = await chatNode(relay, bobId, aliceId);
    const count = 60;
    // All queued behind one handshake: the session flushes them at once, and bob acks each.
    for (let i = 0; i < count; i++) alice.node.messenger.sendText(toHex(bobId.publicKey), `backlog ${i}`);
    const delivered = () => alice.events.flatMap((e) => (e.type === 'delivered' ? e.ids : [])).length;
    await expect.poll(delivered, { timeout: 15_000 }).toBe(count);
    const texts = bob.events.flatMap((e) => (e.type === 'message' ? [e.message.text] : []));
    expect(new Set(texts).size).toBe(count);
    expect(texts).toHaveLength(count);
    expect([...alice.connection, ...bob.connection]).toEqual(['connected', 'connected']);
    expect(await metric(relay, 'tincan_relay_closes_total{reason="rate-limited"}')).toBe(0);
  }, 30_000);
});
