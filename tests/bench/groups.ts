/**
 * Groups benchmark (goal: spec/performance.md, Groups): the cost of sending one message to a group of 8 and
 * of 32 — sealing and fan-out time, and bytes on the wire — as a ratio to one one-to-one message measured
 * in the same run, in alternating rounds. The goal: fan-out grows linearly with the members, and costs no
 * more than 1.2 × (n − 1) one-to-one sends.
 *
 * The people are real messengers (native Ed25519) on the in-memory relay of the messenger tests, with every
 * session established before measuring; a send counts as done when its last envelope reached the relay.
 */
import { performance } from 'node:perf_hooks';
import { GroupMessenger } from '../../client/core/group-messenger.ts';
import { GroupRegistry } from '../../client/core/group-registry.ts';
import { testRandom } from '../support/identities.ts';
import { FakeRelay } from '../unit/messenger-network.ts';
import { backend, Clock, Person } from '../unit/messenger-people.ts';
import { median } from './support/stats.ts';
import {
  type BenchTable,
  formatNumber,
  formatRatio,
  type GoalVerdict,
  verdictMark,
} from './support/table.ts';

const SIZES = [8, 32] as const;
const ROUNDS = 15;
const SLACK = 1.2;

interface Scene {
  readonly relay: FakeRelay;
  readonly sender: Person;
  readonly groups: GroupMessenger;
  readonly groupId: string;
  readonly others: readonly Person[];
}

async function scene(members: number): Promise<Scene> {
  const relay = new FakeRelay();
  const clock = new Clock();
  const sender = await Person.create(`bench-sender-${members}`, relay, clock);
  const others = await Promise.all(
    Array.from({ length: members - 1 }, (_, i) => Person.create(`bench-${members}-${i}`, relay, clock)),
  );
  for (const other of others) {
    sender.add(other);
    other.add(sender);
  }
  sender.online();
  for (const other of others) other.online();
  const registry = new GroupRegistry(sender.peer);
  const groups = new GroupMessenger({
    identity: sender.identity,
    backend,
    random: testRandom(`bench-groups-${members}`),
    now: clock.now,
    messenger: sender.messenger,
    registry,
    contacts: { status: () => 'contact' },
    onEvent: () => {},
  });
  const groupId = await groups.create(
    'Bench',
    'Sender',
    others.map((o) => ({ key: o.peer, name: o.name.slice(0, 20) })),
  );
  await relay.pump(); // sessions established, the statement acknowledged by everyone
  return { relay, sender, groups, groupId, others };
}

/** Time from the call to the last envelope handed to the relay, and the bytes of those envelopes. */
async function measure(relay: FakeRelay, from: string, envelopes: number, send: () => void) {
  const before = relay.sentBy.get(from) ?? 0;
  const logged = relay.log.length;
  const start = performance.now();
  send();
  const deadline = start + 10_000;
  while ((relay.sentBy.get(from) ?? 0) - before < envelopes) {
    if (performance.now() > deadline) throw new Error('send did not finish within 10 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = performance.now() - start;
  const bytes = relay.log.slice(logged).reduce((sum, frame) => sum + frame.bytes.length, 0);
  await relay.pump(); // delivered and acknowledged: the outbox is empty again, untimed
  return { ms, bytes };
}

export async function runGroupsBench(): Promise<BenchTable> {
  const rows: string[][] = [];
  const goals: GoalVerdict[] = [];
  const notes: string[] = [];
  for (const size of SIZES) {
    const { relay, sender, groups, groupId, others } = await scene(size);
    const peer = others[0]!;
    const text = 'a message of ordinary length, to the group and to one person';
    const group: { ms: number; bytes: number }[] = [];
    const single: { ms: number; bytes: number }[] = [];
    // Warm-up, then alternating rounds: one one-to-one message, one group message.
    await measure(relay, sender.peer, 1, () => sender.messenger.sendText(peer.peer, text));
    await measure(relay, sender.peer, size - 1, () => groups.sendText(groupId, text));
    for (let round = 0; round < ROUNDS; round++) {
      single.push(await measure(relay, sender.peer, 1, () => sender.messenger.sendText(peer.peer, text)));
      group.push(await measure(relay, sender.peer, size - 1, () => groups.sendText(groupId, text)));
    }
    const timeRatio = median(group.map((g, i) => g.ms / single[i]!.ms));
    const bytesRatio = median(group.map((g, i) => g.bytes / single[i]!.bytes));
    const bound = SLACK * (size - 1);
    const goal = { text: `≤ ${formatNumber(bound)}× (1.2 × ${size - 1})`, met: (v: number) => v <= bound };
    goals.push({ subject: `groups: time to send to ${size}`, goal: goal.text, met: goal.met(timeRatio) });
    goals.push({ subject: `groups: bytes to send to ${size}`, goal: goal.text, met: goal.met(bytesRatio) });
    const groupMs = median(group.map((g) => g.ms));
    const singleMs = median(single.map((s) => s.ms));
    rows.push([
      `${size} members (${size - 1} copies)`,
      `${formatNumber(groupMs)} ms`,
      `${formatNumber(median(group.map((g) => g.bytes)))} B`,
      formatRatio(timeRatio),
      formatRatio(bytesRatio),
      goal.text,
      `${verdictMark(goal, timeRatio)} ${verdictMark(goal, bytesRatio)}`,
    ]);
    notes.push(
      `${size} members: one-to-one baseline in the same rounds ${formatNumber(singleMs)} ms, ${formatNumber(median(single.map((s) => s.bytes)))} B; time per copy ${formatNumber(groupMs / (size - 1))} ms`,
    );
  }
  return {
    title: 'Groups: one message to a group, as a ratio to one one-to-one message (same run, paired rounds)',
    columns: [
      { header: 'group' },
      { header: 'seal + fan-out', align: 'right' },
      { header: 'bytes on the wire', align: 'right' },
      { header: 'time ratio', align: 'right' },
      { header: 'bytes ratio', align: 'right' },
      { header: 'goal', align: 'right' },
      { header: 'met', align: 'right' },
    ],
    rows,
    notes: [
      ...notes,
      `medians of ${ROUNDS} paired rounds; native Ed25519; in-memory relay (the relay's own cost is the relay suite's)`,
    ],
    goals,
  };
}
