/**
 * Group calls: a third person's join → first frame from each other participant, beside a one-to-one call's
 * accept → first frame, between the same people, in the same browser, on loopback, in alternating rounds.
 *
 *   one-to-one   Alice calls Bob (contacts, not verified, relay without TURN); Bob accepts after RING_MS of
 *                ringing: Bob's accept → the first frame from Alice presented on Bob's page
 *   group        Alice starts a video call in the group, Bob joins and is in the call with her; Carol, ringing for
 *                RING_MS, joins: Carol's join → the first frame presented on Carol's page from each of Alice and
 *                Bob (the later of the two is the figure: Carol sees everyone)
 *
 * The test build of the client (tests/e2e/support/test-client) exposes the call models to the page; a first
 * frame is the moment requestVideoFrameCallback says it was presented, as in the calls suite.
 */
import type { Browser, Page } from 'playwright-core';
import type { Relay } from '../../relay/server.ts';
import type { BuiltClient } from '../e2e/support/build-client.ts';
import { buildTestClient, caller, launchForCalls, makeContacts } from '../e2e/support/call-setup.ts';
import { callGroupButton, makeGroup, openGroup } from '../e2e/support/group-call-setup.ts';
import type { Person } from '../e2e/support/person.ts';
import { startRelay } from '../e2e/support/relay.ts';
import { median, pairedRatio, spread } from './support/stats.ts';
import { atMost, type BenchTable, formatMs, formatRatio, verdictMark } from './support/table.ts';

const ROUNDS = 7;
const WARMUP = 1;
const RATIO_GOAL = 1.3;
const RING_MS = 1500;
const ROUND_TIMEOUT_MS = 30_000;
const FAKE_CAMERA = '--use-fake-device-for-media-stream=fps=30';
const GROUP = 'Bench trio';

interface Marks {
  clickAt?: number;
  /** First frame presented, per remote participant (hex key), or under 'one-to-one'. */
  frames: Record<string, number>;
}

type Global = {
  benchMarks: Marks;
  tincanCalls: {
    call: {
      value: { phase: string } | null;
      subscribe(fn: (c: { phase: string } | null) => void): () => void;
    };
    accept(): Promise<void>;
    hangup(): void;
    dismiss(): void;
  };
  tincanGroupCalls: {
    mesh: { value: { phase: string; inCall: string[] } | null };
    join(): Promise<void>;
    leave(): void;
    clear(): void;
  };
};

/** In every page: the first presented frame of each remote video (the one-to-one call's and each group tile's). */
async function installFrameMarks(page: Page): Promise<void> {
  await page.evaluate('globalThis.__name ??= (fn) => fn');
  await page.evaluate(() => {
    const g = globalThis as unknown as Global;
    g.benchMarks = { frames: {} };
    const hooked = new WeakSet<Element>();
    const hook = () => {
      for (const video of document.querySelectorAll<HTMLVideoElement>(
        '[data-testid="remote-video"], [data-testid="group-tile-video"]',
      )) {
        if (hooked.has(video)) continue;
        hooked.add(video);
        const peer = video.closest('[data-peer]')?.getAttribute('data-peer') ?? 'one-to-one';
        const watch = () =>
          video.requestVideoFrameCallback((_now, frame) => {
            g.benchMarks.frames[peer] ??= performance.timeOrigin + frame.presentationTime;
          });
        watch();
      }
    };
    new MutationObserver(hook).observe(document.body, { subtree: true, childList: true });
  });
}

const resetMarks = (page: Page) =>
  page.evaluate(() => {
    (globalThis as unknown as Global).benchMarks = { frames: {} };
  });
const marksOf = (page: Page): Promise<Marks> =>
  page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as Global).benchMarks)) as Marks);

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ROUND_TIMEOUT_MS)
      throw new Error(`group calls bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

/** One-to-one: Bob's accept → Bob's first frame from Alice. */
async function oneToOne(alice: Person, bob: Person): Promise<number> {
  await Promise.all([resetMarks(alice.page), resetMarks(bob.page)]);
  await alice.openChat('Bob');
  await alice.page.getByRole('button', { name: 'Video call with Bob' }).click();
  await until(
    () =>
      bob.page.evaluate(() => (globalThis as unknown as Global).tincanCalls.call.value?.phase === 'incoming'),
    'the one-to-one call to ring',
  );
  await new Promise((resolve) => setTimeout(resolve, RING_MS));
  await bob.page.evaluate(() => {
    const g = globalThis as unknown as Global;
    g.benchMarks.clickAt = performance.timeOrigin + performance.now();
    void g.tincanCalls.accept();
  });
  await until(
    async () => (await marksOf(bob.page)).frames['one-to-one'] !== undefined,
    'one-to-one first frame',
  );
  const marks = await marksOf(bob.page);
  await alice.page.evaluate(() => (globalThis as unknown as Global).tincanCalls.hangup());
  await until(
    () =>
      bob.page.evaluate(() => (globalThis as unknown as Global).tincanCalls.call.value?.phase === 'ended'),
    'the one-to-one hang-up',
  );
  for (const page of [alice.page, bob.page])
    await page.evaluate(() => (globalThis as unknown as Global).tincanCalls.dismiss());
  return marks.frames['one-to-one']! - marks.clickAt!;
}

const meshPhase = (person: Person) =>
  person.page.evaluate(() => (globalThis as unknown as Global).tincanGroupCalls.mesh.value?.phase ?? null);

/** Group: Carol's join → the later of her first frames from Alice and from Bob. */
async function groupJoin(alice: Person, bob: Person, carol: Person): Promise<number> {
  await Promise.all([alice, bob, carol].map((p) => resetMarks(p.page)));
  await openGroup(alice, GROUP);
  await callGroupButton(alice).click();
  await until(
    async () => (await meshPhase(bob)) === 'ringing' && (await meshPhase(carol)) === 'ringing',
    'ringing',
  );
  await bob.page.evaluate(() => void (globalThis as unknown as Global).tincanGroupCalls.join());
  // Bob is in the call with Alice (a frame each way) before Carol joins.
  await until(async () => {
    const [a, b] = await Promise.all([marksOf(alice.page), marksOf(bob.page)]);
    return Object.keys(a.frames).length === 1 && Object.keys(b.frames).length === 1;
  }, 'Alice and Bob in the call');
  await new Promise((resolve) => setTimeout(resolve, RING_MS));
  await carol.page.evaluate(() => {
    const g = globalThis as unknown as Global;
    g.benchMarks.clickAt = performance.timeOrigin + performance.now();
    void g.tincanGroupCalls.join();
  });
  await until(
    async () => Object.keys((await marksOf(carol.page)).frames).length === 2,
    'Carol’s first frames',
  );
  const marks = await marksOf(carol.page);
  for (const person of [carol, bob, alice]) {
    await person.page.evaluate(() => (globalThis as unknown as Global).tincanGroupCalls.leave());
  }
  for (const person of [alice, bob, carol]) {
    await until(async () => (await meshPhase(person)) !== 'joined', 'everyone out of the group call');
    await person.page.evaluate(() => (globalThis as unknown as Global).tincanGroupCalls.clear());
  }
  return Math.max(...Object.values(marks.frames)) - marks.clickAt!;
}

export async function runGroupCallsBench(): Promise<BenchTable> {
  let client: BuiltClient | undefined;
  let browser: Browser | undefined;
  let relay: Relay | undefined;
  try {
    [client, browser] = await Promise.all([buildTestClient(), launchForCalls([FAKE_CAMERA])]);
    relay = await startRelay(client.dir);
    const alice = await caller(browser, relay.httpUrl, 'Alice');
    const bob = await caller(browser, relay.httpUrl, 'Bob');
    const carol = await caller(browser, relay.httpUrl, 'Carol');
    const people = [alice, bob, carol];
    await Promise.all(people.map((p) => p.create(`${p.name} bench passphrase`)));
    await Promise.all(people.map((p) => p.waitOnline()));
    await makeContacts(alice, bob);
    await makeContacts(alice, carol);
    await makeContacts(bob, carol);
    await makeGroup(alice, GROUP, [bob, carol]);
    for (const person of people) await installFrameMarks(person.page);

    const single: number[] = [];
    const group: number[] = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const groupFirst = round % 2 === 1;
      const a = groupFirst ? await groupJoin(alice, bob, carol) : await oneToOne(alice, bob);
      await settle();
      const b = groupFirst ? await oneToOne(alice, bob) : await groupJoin(alice, bob, carol);
      await settle();
      if (round < WARMUP) continue;
      single.push(groupFirst ? b : a);
      group.push(groupFirst ? a : b);
    }
    const goal = atMost(RATIO_GOAL, '×');
    const ratio = pairedRatio(group, single);
    const row = (label: string, values: number[], cells: string[]) => {
      const { min, max } = spread(values);
      return [label, formatMs(median(values)), `${formatMs(min)}–${formatMs(max)}`, ...cells];
    };
    return {
      title: 'Group calls: a third person’s join → first frame from each other participant',
      columns: [
        { header: 'call' },
        { header: 'median', align: 'right' },
        { header: 'range', align: 'right' },
        { header: 'vs one-to-one', align: 'right' },
        { header: 'goal', align: 'right' },
        { header: '', align: 'left' },
      ],
      rows: [
        row('one-to-one: accept → first frame', single, ['1.00×', '', '']),
        row('group of three: join → first frame from both others', group, [
          formatRatio(ratio),
          goal.text,
          verdictMark(goal, ratio),
        ]),
      ],
      notes: [
        `${ROUNDS} rounds after ${WARMUP} warm-up, alternating which call goes first; ratio = median of per-round ratios.`,
        'Contacts who have not compared safety numbers, on a relay without TURN (direct ICE on loopback).',
      ],
      goals: [
        {
          subject: 'group calls: third person’s join → first frames vs one-to-one accept → first frame',
          goal: goal.text,
          met: goal.met(ratio),
        },
      ],
    };
  } finally {
    await browser?.close();
    await relay?.close();
    await client?.remove();
  }
}
