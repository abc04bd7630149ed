/**
 * Two relay processes (`npm start` with REDIS_CLUSTER) routing through a real Redis Cluster of three masters
 * and three replicas: two messengers on different nodes chat across it, and when the master that serves the
 * recipient's channel is killed mid-chat, its replica takes over and every message arrives exactly once.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChatNode, startChatNode } from '../../client/cli/chat-node.ts';
import { toHex } from '../../crypto/bytes.ts';
import { onlyContact } from '../support/identities.ts';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts';
import { identity } from '../support/relay-harness.ts';
import { relayProcesses } from '../support/relay-process.ts';

const started = relayProcesses('cluster');
const nodes: ChatNode[] = [];
let cluster: RedisCluster | undefined;

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  await started.stop();
  await cluster?.stop();
}, 30_000);

async function until(condition: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('relay nodes through a Redis Cluster', () => {
  it('deliver across nodes, and lose nothing when a master fails over mid-chat', async () => {
    cluster = await startRedisCluster();
    const channelKey = randomBytes(32);
    const env = { REDIS_CLUSTER: cluster.urls.join(','), REDIS_CHANNEL_KEY: channelKey.toString('hex') };
    const relays = [await started.start({ env }), await started.start({ env })];
    for (const relay of relays) {
      await until(async () => (await fetch(`${relay.httpUrl}/readyz`)).status === 200, 'relay ready', 15_000);
    }

    const [aliceId, bobId] = await Promise.all([identity('cluster-alice'), identity('cluster-bob')]);
    const [alice, bob] = [toHex(aliceId.publicKey), toHex(bobId.publicKey)];
    const received: string[] = [];
    const delivered = new Set<string>();
    const aliceNode = await startChatNode({
      url: relays[0]!.url,
      identity: aliceId,
      contacts: onlyContact(bob),
      reconnect: true,
      onEvent: (event) => {
        if (event.type === 'delivered') for (const id of event.ids) delivered.add(id);
      },
    });
    const bobNode = await startChatNode({
      url: relays[1]!.url,
      identity: bobId,
      contacts: onlyContact(alice),
      reconnect: true,
      onEvent: (event) => {
        if (event.type === 'message') received.push(event.message.text);
      },
    });
    nodes.push(aliceNode, bobNode);

    const sent = [aliceNode.messenger.sendText(bob, 'before the failover')];
    await until(() => received.length === 1, 'first message across nodes', 15_000);

    // Bob's channel lives in one slot; the master serving it dies as a crash would.
    const channel = `tc:a:${createHmac('sha256', channelKey).update(bobId.publicKey).digest().subarray(0, 16).toString('hex')}`;
    const master = await cluster.masterFor(channel);
    cluster.kill(master);
    for (let i = 1; i <= 5; i++) {
      sent.push(aliceNode.messenger.sendText(bob, `during the failover ${i}`));
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    // A replica is promoted: the slot is served by another master again.
    await until(
      () =>
        cluster!.masterFor(channel).then(
          (port) => port !== master,
          () => false,
        ),
      'a replica took the slot over',
      20_000,
    );

    await until(() => delivered.size === sent.length, 'every message acknowledged end to end', 45_000);
    expect([...received].sort()).toEqual(sent.map((message) => message.text).sort());
    expect(new Set(received).size).toBe(received.length);
  }, 120_000);
});
