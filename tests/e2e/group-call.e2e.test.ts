/**
 * Group calls end to end: the production build (no test doors; the test watches the browser's own APIs from an
 * init script, tests/e2e/support/group-call-probe.ts), real Chromium with fake cameras, the real relay, three
 * people in one browser as three contexts. Alice is a contact of Bob and of Carol; Bob and Carol are not each
 * other's contacts, only members of the same group. The steps build on each other and run in order.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { parseContactInput } from '../../crypto/contact-code.ts';
import type { Relay } from '../../relay/server.ts';
import { type BuiltClient, buildClient } from './support/build-client.ts';
import { launchForCalls, makeContacts } from './support/call-setup.ts';
import { installGroupProbe, legsOf, liveLegs, resetProbe } from './support/group-call-probe.ts';
import {
  callGroupButton,
  joinRinging,
  leaveCall,
  makeGroup,
  tileOf,
  tilePhase,
} from './support/group-call-setup.ts';
import { Person } from './support/person.ts';
import { startRelay } from './support/relay.ts';
import { closeStage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

/** Small frames at a low rate: three pages encode two streams each on a shared two-core machine. */
const FAKE_CAMERA = '--use-fake-device-for-media-stream=fps=10';
const GROUP = 'Trio';

let client: BuiltClient;
let relay: Relay;
let browser: Browser;
const people: Person[] = [];
let alice: Person;
let bob: Person;
let carol: Person;
const keys = new Map<Person, string>();

async function person(name: string): Promise<Person> {
  const someone = await Person.open(browser, relay.httpUrl, name);
  people.push(someone);
  await someone.context.addInitScript(installGroupProbe);
  await someone.page.reload();
  await someone.create(`${name} passphrase`);
  await someone.waitOnline();
  keys.set(someone, toHex(parseContactInput(await someone.myCode()).publicKey));
  return someone;
}

const key = (someone: Person) => keys.get(someone)!;

/** Frames decoded on every live leg of `someone`'s page, in leg order. */
const framesOn = async (someone: Person) => (await liveLegs(someone.page)).map((leg) => leg.framesDecoded);

beforeAll(async () => {
  [client, browser] = await Promise.all([buildClient(), launchForCalls([FAKE_CAMERA])]);
  relay = await startRelay(client.dir);
  alice = await person('Alice');
  bob = await person('Bob');
  carol = await person('Carol');
  await makeContacts(alice, bob);
  await makeContacts(alice, carol);
  await makeGroup(alice, GROUP, [bob, carol]);
});

afterAll(async () => {
  await closeStage(client && relay && browser ? { client, relay, browser } : undefined, people);
});

describe('group calls', () => {
  test('three in a video call: each decodes frames from both others, each pair over its own verified leg', async () => {
    await callGroupButton(alice).click();
    await alice.page.getByTestId('group-call-screen').waitFor();
    await joinRinging(bob);
    await joinRinging(carol);
    for (const someone of [alice, bob, carol]) {
      const others = [alice, bob, carol].filter((other) => other !== someone);
      for (const other of others)
        await expect.poll(tilePhase(someone, key(other)), { timeout: 45_000 }).toBe('connected');
      // Two legs up, each decoding frames: from both others.
      await expect
        .poll(
          async () => {
            const frames = await framesOn(someone);
            return frames.length === 2 && frames.every((n) => n > 3);
          },
          { timeout: 45_000 },
        )
        .toBe(true);
      // A track went on a sender only over a leg that connected (the gate opened on a verified certificate).
      for (const leg of await legsOf(someone.page))
        if (leg.tracksOn > 0) expect(leg.everConnected).toBe(true);
      expect(await tileOf(someone, key(others[0]!)).textContent()).toContain(others[0]!.name);
    }
  });

  test('mute, camera off and screen sharing reach every other participant’s tile', async () => {
    const controls = (someone: Person) => someone.page.getByTestId('group-call-screen');
    await controls(bob).getByRole('button', { name: 'Mute' }).click();
    await controls(carol).getByRole('button', { name: 'Camera off' }).click();
    for (const someone of [alice, carol])
      await expect.poll(async () => tileOf(someone, key(bob)).textContent()).toContain('muted');
    for (const someone of [alice, bob])
      await expect.poll(async () => tileOf(someone, key(carol)).textContent()).toContain('camera off');
    await controls(alice).getByRole('button', { name: 'Share screen' }).click();
    for (const someone of [bob, carol]) {
      await expect.poll(async () => tileOf(someone, key(alice)).textContent()).toContain('sharing screen');
      // Headless Chromium's fake screen is 1280×720: wider than the 320×240 camera frames of a group call.
      await expect
        .poll(async () => Math.max(...(await liveLegs(someone.page)).map((leg) => leg.frameWidth)), {
          timeout: 30_000,
        })
        .toBeGreaterThan(400);
    }
    await controls(alice).getByRole('button', { name: 'Stop sharing' }).click();
    await controls(bob).getByRole('button', { name: 'Unmute' }).click();
    await controls(carol).getByRole('button', { name: 'Camera on' }).click();
    await expect.poll(async () => tileOf(alice, key(bob)).textContent()).not.toContain('muted');
    await expect.poll(async () => tileOf(alice, key(carol)).textContent()).not.toContain('camera off');
  });

  test('one leaves, the other two go on', async () => {
    await leaveCall(carol);
    for (const someone of [alice, bob]) {
      await expect.poll(async () => tileOf(someone, key(carol)).count()).toBe(0);
      await expect.poll(async () => (await liveLegs(someone.page)).length).toBe(1);
      const before = (await framesOn(someone))[0]!;
      await expect.poll(async () => (await framesOn(someone))[0]! > before + 5).toBe(true);
    }
    // The last two: when one leaves, the other's call is over.
    await leaveCall(alice);
    await bob.page.getByTestId('group-call-end').filter({ hasText: 'Everyone else left' }).waitFor();
    await leaveCall(bob);
  });

  test('a member whose certificate is not the one it signed gets no media from anyone, and the others see why', async () => {
    await Promise.all([resetProbe(alice.page), resetProbe(bob.page), resetProbe(carol.page, true)]);
    await callGroupButton(alice).click();
    await alice.page.getByTestId('group-call-screen').waitFor();
    await joinRinging(bob);
    await joinRinging(carol);
    for (const someone of [alice, bob]) {
      const warning = someone.page.getByTestId('group-call-warning');
      await expect
        .poll(async () => warning.textContent(), { timeout: 45_000 })
        .toContain('The connection with Carol may be intercepted');
    }
    // Alice and Bob go on with each other.
    await expect.poll(tilePhase(alice, key(bob)), { timeout: 45_000 }).toBe('connected');
    await expect.poll(tilePhase(bob, key(alice)), { timeout: 45_000 }).toBe('connected');
    for (const someone of [alice, bob])
      await expect
        .poll(async () => (await framesOn(someone)).some((n) => n > 3), { timeout: 45_000 })
        .toBe(true);
    // Carol is left alone, warned about both, and got nothing: none of her legs connected or received RTP.
    await carol.page.getByTestId('group-call-ended').waitFor({ timeout: 45_000 });
    const carolWarning = await carol.page.getByTestId('group-call-warning').textContent();
    expect(carolWarning).toContain('The connection with Alice may be intercepted');
    expect(carolWarning).toContain('The connection with Bob may be intercepted');
    // (Two legs, or three when Bob's offer and hers crossed: each pair keeps one, the other closes.)
    const carolsLegs = await legsOf(carol.page);
    expect(carolsLegs.length).toBeGreaterThanOrEqual(2);
    for (const leg of carolsLegs) expect(leg).toMatchObject({ everConnected: false, inboundPackets: 0 });
    // Alice and Bob: every leg that did not connect (their leg with Carol) never had a track on its senders.
    for (const someone of [alice, bob]) {
      const legs = await legsOf(someone.page);
      const failed = legs.filter((leg) => !leg.everConnected);
      expect(failed.length).toBeGreaterThanOrEqual(1);
      for (const leg of failed) expect(leg.tracksOn).toBe(0);
    }
    await leaveCall(carol);
    await leaveCall(alice);
    await leaveCall(bob);
  });

  test('four in a video call, the fourth joining later from the group: each decodes frames from the three others', async () => {
    await resetProbe(carol.page);
    const dave = await person('Dave');
    await makeContacts(alice, dave);
    await makeGroup(alice, 'Quad', [bob, carol, dave]);
    const four = [alice, bob, carol, dave];
    await callGroupButton(alice).click();
    await alice.page.getByTestId('group-call-screen').waitFor();
    // Dave says "not now", and joins later from the group, while the call runs.
    const ringing = dave.page.getByTestId('group-call-ringing');
    await ringing.waitFor({ timeout: 30_000 });
    await ringing.getByRole('button', { name: 'Not now' }).click();
    for (const someone of [bob, carol]) await joinRinging(someone);
    await expect.poll(async () => (await liveLegs(carol.page)).length, { timeout: 45_000 }).toBe(2);
    await dave.page.getByRole('button', { name: 'Join the call' }).click();
    await dave.page.getByTestId('group-call-screen').waitFor();
    for (const someone of four) {
      await expect
        .poll(
          async () => {
            const frames = await framesOn(someone);
            return frames.length === 3 && frames.every((n) => n > 3);
          },
          { timeout: 60_000 },
        )
        .toBe(true);
      for (const other of four.filter((o) => o !== someone))
        expect(await tilePhase(someone, key(other))()).toBe('connected');
    }
    for (const someone of four) await leaveCall(someone);
  });
});
