/**
 * A relayed call outlives its TURN credentials: the relay mints them for 60 s (TURN_TTL's minimum), and coturn
 * checks them on every refresh. A relay-only call between unverified contacts renews them at half their
 * lifetime and restarts ICE on them: a new relay candidate pair is selected some 30 s in, and frames keep
 * arriving after it. The timing, backoff and teardown are in tests/unit/rtc-turn-renewal.test.ts.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import type { BuiltClient } from './support/build-client.ts';
import {
  buildTestClient,
  callButton,
  caller,
  endReasonOf,
  launchForCalls,
  makeContacts,
  phaseOf,
  rtpTotals,
} from './support/calls.ts';
import { visible } from './support/expect.ts';
import type { Person } from './support/person.ts';
import { startTurnRelay } from './support/relay.ts';
import { useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const SECRET = 'tincan-e2e-turn-secret-0123456789';
const TTL_SECONDS = 60;

let client: BuiltClient;
let coturn: Coturn;
let relay: Relay;
let browser: Browser;
const people: Person[] = [];

/** The selected candidate pair of the page's live peer connection: its local candidate's id and type. */
const selectedLocal = (person: Person) =>
  person.page.evaluate(async () => {
    const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls?.service.peerConnection;
    const byId = new Map<string, Record<string, unknown>>();
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      byId.set(s.id as string, s);
    });
    for (const s of byId.values()) {
      if (s.type !== 'transport') continue;
      const pair = byId.get(s.selectedCandidatePairId as string);
      const local = byId.get(pair?.localCandidateId as string);
      if (local) return { id: local.id as string, type: (local.candidateType as string) ?? null };
    }
    return null;
  });

beforeAll(async () => {
  [client, browser, coturn] = await Promise.all([buildTestClient(), launchForCalls(), startCoturn(SECRET)]);
  relay = await startTurnRelay(client.dir, coturn.port, SECRET, 0, TTL_SECONDS);
});

afterAll(async () => {
  const errors = people.flatMap((p) => p.errors);
  await browser?.close();
  await Promise.all([relay?.close(), coturn?.close()]);
  await client?.remove();
  expect(errors.filter((e) => !/Failed to load resource|WebSocket/.test(e))).toEqual([]);
});

test('a relay-only call renews its 60 s TURN credentials: a new relay pair ~30 s in, frames keep coming', async () => {
  const [hana, ivan] = await Promise.all([
    caller(browser, relay.httpUrl, 'Hana'),
    caller(browser, relay.httpUrl, 'Ivan'),
  ]);
  people.push(hana, ivan);
  await Promise.all([hana.create('Hana passphrase'), ivan.create('Ivan passphrase')]);
  await Promise.all([hana.waitOnline(), ivan.waitOnline()]);
  await makeContacts(hana, ivan);
  await hana.openChat('Ivan');
  await ivan.openChat('Hana');

  const minted = relay.metrics.counts.turnCredentials;
  const dialedAt = Date.now();
  await callButton(hana, 'video', 'Ivan').click();
  await visible(ivan.page.getByRole('button', { name: 'Accept' }));
  await ivan.page.getByRole('button', { name: 'Accept' }).click();
  await expect.poll(phaseOf(hana)).toBe('active');
  await expect.poll(phaseOf(ivan)).toBe('active');
  await expect.poll(async () => (await rtpTotals(ivan.page)).framesDecoded).toBeGreaterThan(0);
  await expect.poll(async () => (await rtpTotals(hana.page)).framesDecoded).toBeGreaterThan(0);
  // One credential per page for the call itself.
  expect(relay.metrics.counts.turnCredentials).toBe(minted + 2);
  const before = await Promise.all([selectedLocal(hana), selectedLocal(ivan)]);
  for (const local of before) expect(local?.type).toBe('relay');

  // Renewed at half the lifetime (30 s), each page for itself: then the ICE restart selects new relay pairs.
  await expect
    .poll(() => relay.metrics.counts.turnCredentials, { timeout: 60_000, interval: 500 })
    .toBe(minted + 4);
  expect(Date.now() - dialedAt).toBeGreaterThan(25_000);
  for (const [i, person] of [hana, ivan].entries()) {
    await expect
      .poll(async () => (await selectedLocal(person))?.id, { timeout: 30_000, interval: 250 })
      .not.toBe(before[i]!.id);
    const after = await selectedLocal(person);
    expect(after?.type, person.name).toBe('relay');
  }
  for (const person of [hana, ivan]) {
    const frames = (await rtpTotals(person.page)).framesDecoded;
    await expect
      .poll(async () => (await rtpTotals(person.page)).framesDecoded, { timeout: 10_000 })
      .toBeGreaterThan(frames + 30);
    expect(await phaseOf(person)(), person.name).toBe('active');
  }
  // Nothing was told: the credentials never ran out.
  for (const person of [hana, ivan])
    expect(await person.page.getByText('The relay gave no fresh TURN credentials').count()).toBe(0);

  await hana.page.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(endReasonOf(ivan)).toBe('remote-hung-up');
});
