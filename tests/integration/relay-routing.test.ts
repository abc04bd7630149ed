/** Routing at a live relay: envelopes arrive untouched, undeliverable is reported per frame id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { signRelayAuth } from '../../crypto/relay-auth.ts';
import { encodeFrame } from '../../crypto/relay-frames.ts';
import type { Relay } from '../../relay/server.ts';
import { connectAs, identity, metric, RawSocket, startRelay, within } from '../support/relay-harness.ts';

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(() => relay.close());

describe('relay routing', () => {
  it('forwards an envelope byte for byte, both ways, and adds nothing (not even the sender)', async () => {
    const alice = await connectAs(relay, 'route-alice');
    const bob = await connectAs(relay, 'route-bob');
    const envelope = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    expect(await alice.send(bob.publicKey, envelope)).toBe('forwarded');
    expect(await bob.send(alice.publicKey, Uint8Array.of(0xff))).toBe('forwarded');
    await expect.poll(() => bob.inbox.length + alice.inbox.length).toBe(2);
    expect(toHex(bob.inbox[0]!)).toBe(toHex(envelope));
    expect(alice.inbox[0]).toEqual(Uint8Array.of(0xff));
    await Promise.all([alice.close(), bob.close()]);
  });

  it('puts exactly 2 header bytes before the envelope in DELIVER, and no sender key anywhere', async () => {
    const sender = await connectAs(relay, 'route-raw-sender');
    const receiver = await identity('route-raw-receiver');
    const raw = await RawSocket.open(relay.url);
    const challenge = await raw.next();
    if (challenge.type !== 'challenge') throw new Error('no challenge');
    const signature = await signRelayAuth(receiver.signer, challenge.nonce, relay.origin);
    raw.send(encodeFrame({ type: 'auth', publicKey: receiver.publicKey, signature, origin: relay.origin }));
    expect((await raw.next()).type).toBe('ready');
    const envelope = Uint8Array.of(9, 8, 7);
    expect(await sender.send(receiver.publicKey, envelope)).toBe('forwarded');
    expect(await raw.nextBytes()).toEqual(Uint8Array.of(0x01, 0x11, 9, 8, 7));
    raw.close();
    await sender.close();
  });

  it('answers UNDELIVERABLE for the frame id when the recipient is not connected', async () => {
    const alice = await connectAs(relay, 'route-offline-alice');
    const nobody = await identity('route-offline-nobody');
    const before = await metric(relay, 'tincan_relay_frames_undeliverable_total');
    expect(await alice.send(nobody.publicKey, Uint8Array.of(1))).toBe('undeliverable');
    expect(await metric(relay, 'tincan_relay_frames_undeliverable_total')).toBe(before + 1);
    await alice.close();
  });

  it('reports undeliverable frames sent without receipt through onUndeliverable, with their frame ids', async () => {
    const undeliverable: number[] = [];
    const alice = await connectAs(relay, 'route-post-alice', {
      onUndeliverable: (id) => undeliverable.push(id),
    });
    const bob = await connectAs(relay, 'route-post-bob');
    const nobody = await identity('route-post-nobody');
    const toBob = alice.post(bob.publicKey, Uint8Array.of(1));
    const toNobody = alice.post(nobody.publicKey, Uint8Array.of(2));
    const toBobAgain = alice.post(bob.publicKey, Uint8Array.of(3));
    await expect.poll(() => bob.inbox.length).toBe(2);
    await expect.poll(() => undeliverable).toEqual([toNobody]);
    expect(new Set([toBob, toNobody, toBobAgain]).size).toBe(3);
    expect(bob.inbox).toEqual([Uint8Array.of(1), Uint8Array.of(3)]);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('becomes undeliverable as soon as the recipient disconnects, and deliverable when it is back', async () => {
    const alice = await connectAs(relay, 'route-gone-alice');
    const bob = await connectAs(relay, 'route-gone-bob');
    expect(await alice.send(bob.publicKey, Uint8Array.of(1))).toBe('forwarded');
    await bob.close();
    await expect.poll(() => alice.send(bob.publicKey, Uint8Array.of(2))).toBe('undeliverable');
    const bobAgain = await connectAs(relay, 'route-gone-bob');
    expect(await alice.send(bob.publicKey, Uint8Array.of(3))).toBe('forwarded');
    await expect.poll(() => bobAgain.inbox).toEqual([Uint8Array.of(3)]);
    await Promise.all([alice.close(), bobAgain.close()]);
  });

  it('keeps the order of frames between one sender and one recipient', async () => {
    const alice = await connectAs(relay, 'route-order-alice');
    const bob = await connectAs(relay, 'route-order-bob');
    for (let i = 0; i < 300; i++) alice.post(bob.publicKey, Uint8Array.of(i >> 8, i & 0xff));
    await expect.poll(() => bob.inbox.length).toBe(300);
    expect(bob.inbox.map((b) => (b[0]! << 8) | b[1]!)).toEqual([...Array(300).keys()]);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('counts forwarded frames and connections in /metrics', async () => {
    const before = await metric(relay, 'tincan_relay_frames_forwarded_total');
    const alice = await connectAs(relay, 'route-metrics-alice');
    const bob = await connectAs(relay, 'route-metrics-bob');
    expect(await metric(relay, 'tincan_relay_authenticated_connections')).toBeGreaterThanOrEqual(2);
    await alice.send(bob.publicKey, Uint8Array.of(1));
    expect(await metric(relay, 'tincan_relay_frames_forwarded_total')).toBe(before + 1);
    await Promise.all([alice.close(), bob.close()]);
    await expect.poll(() => metric(relay, 'tincan_relay_authenticated_connections')).toBe(0);
    expect(await within(metric(relay, 'tincan_relay_connections'), 1000)).toBe(0);
  });
});
