/**
 * Anyone who knows your key can send you handshakes. Through the real relay, three sockets send 3,000
 * INITs from 40 throwaway keys within about seven seconds at a victim running the Node messenger, while a
 * contact keeps chatting with it: the victim stays connected, answers strangers within their budget only,
 * and the contact's messages are acknowledged end to end as promptly as without the flood.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ChatNode, startChatNode } from '../../client/cli/chat-node.ts';
import { connectRelay, type RelayClient } from '../../client/cli/relay-client.ts';
import { toHex } from '../../crypto/bytes.ts';
import { createInit } from '../../crypto/handshake.ts';
import type { Identity } from '../../crypto/identity.ts';
import type { Relay } from '../../relay/server.ts';
import { onlyContact, testRandom } from '../support/identities.ts';
import { identity, metric, startRelay } from '../support/relay-harness.ts';

const INITS = 3000;
const THROWAWAY_KEYS = 40;
const ATTACK_SOCKETS = 3;

let relay: Relay | undefined;
const nodes: ChatNode[] = [];
const attackers: RelayClient[] = [];
afterAll(async () => {
  await Promise.all([...nodes.map((node) => node.close()), ...attackers.map((client) => client.close())]);
  await relay?.close();
});

describe('a stranger flood through the relay', () => {
  it('leaves the victim connected and its contact unhurt', async () => {
    relay = await startRelay();
    const [victimId, contactId] = await Promise.all([identity('flood-victim'), identity('flood-contact')]);
    const [victim, contact] = [toHex(victimId.publicKey), toHex(contactId.publicKey)];
    const connectionChanges: string[] = [];
    const delivered = new Map<string, number>();
    const victimNode = await startChatNode({
      url: relay.url,
      identity: victimId,
      contacts: onlyContact(contact),
      reconnect: true,
      onEvent: () => {},
      onConnection: (state) => connectionChanges.push(state),
    });
    const contactNode = await startChatNode({
      url: relay.url,
      identity: contactId,
      contacts: onlyContact(victim),
      reconnect: true,
      onEvent: (event) => {
        if (event.type === 'delivered') for (const id of event.ids) delivered.set(id, performance.now());
      },
    });
    nodes.push(victimNode, contactNode);

    /** Sends one message from the contact and resolves to its time to the end-to-end ack. */
    const roundTrip = async (text: string): Promise<number> => {
      const started = performance.now();
      const { id } = contactNode.messenger.sendText(victim, text);
      const deadline = started + 15_000;
      while (!delivered.has(id) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return (delivered.get(id) ?? Number.POSITIVE_INFINITY) - started;
    };
    const calm = await roundTrip('before the flood');
    expect(calm).toBeLessThan(5_000);

    const throwaway: Identity[] = await Promise.all(
      Array.from({ length: THROWAWAY_KEYS }, (_, i) => identity(`flood-throwaway-${i}`)),
    );
    const inits = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const from = throwaway[i % THROWAWAY_KEYS]!;
        return (await createInit(from, victimId.publicKey, testRandom(`flood-${i}`), Date.now())).bytes;
      }),
    );
    for (let i = 0; i < ATTACK_SOCKETS; i++) {
      attackers.push(await connectRelay({ url: relay.url, identity: await identity(`flood-sender-${i}`) }));
    }
    const victimFramesBefore = await metric(relay, 'tincan_relay_frames_forwarded_total');
    const flood = Promise.all(
      attackers.map(async (attacker, a) => {
        const sends: Promise<unknown>[] = [];
        for (let i = a; i < INITS; i += ATTACK_SOCKETS) {
          sends.push(attacker.send(victimId.publicKey, inits[i % inits.length]!));
        }
        await Promise.all(sends);
      }),
    );
    // The contact keeps talking while the flood lasts.
    const during: number[] = [];
    let flooding = true;
    void flood.finally(() => {
      flooding = false;
    });
    while (flooding && during.length < 20) {
      during.push(await roundTrip(`during the flood ${during.length}`));
      await new Promise((r) => setTimeout(r, 200));
    }
    await flood;
    const forwarded = (await metric(relay, 'tincan_relay_frames_forwarded_total')) - victimFramesBefore;

    expect(connectionChanges).toEqual(['connected']); // never closed, never reconnecting
    expect(during.length).toBeGreaterThan(2);
    // Every message of the contact was acknowledged within seconds (answering 3,000 INITs would have queued
    // it behind them for some 20 s, paced); the bound is loose for a busy machine.
    expect(Math.max(...during)).toBeLessThan(5_000);
    // The flood itself (3,000 frames) and the contact's chat got through; the victim's answers to the
    // strangers are a handful, not thousands.
    expect(forwarded).toBeLessThan(INITS + 200);
  }, 60_000);
});
