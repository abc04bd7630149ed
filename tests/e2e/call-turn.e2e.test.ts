/**
 * "Hide my IP address" through a real coturn on loopback, with credentials the relay mints for each
 * authenticated socket: a call between unverified contacts is relay-only (the selected pair is relay/relay and
 * neither page ever learns a host candidate of the other), survives the relay going away and coming back, and
 * fails when the relay's TURN secret is not coturn's. With the setting at "never", the same people connect
 * directly.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import type { BuiltClient } from './support/build-client.ts';
import {
  buildTestClient,
  callButton,
  caller,
  closeCallScreens,
  endReasonOf,
  launchForCalls,
  makeContacts,
  phaseOf,
  rtpTotals,
  setHooks,
  watchRtp,
} from './support/calls.ts';
import { visible } from './support/expect.ts';
import type { Person } from './support/person.ts';
import { startTurnRelay } from './support/relay.ts';
import { useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const SECRET = 'tincan-e2e-turn-secret-0123456789';
const FORGED = 'not-the-coturn-secret-9876543210';

let client: BuiltClient;
let coturn: Coturn;
let relay: Relay;
let forgedRelay: Relay;
let browser: Browser;
const people: Person[] = [];

const turnRelay = (secret: string, port = 0) => startTurnRelay(client.dir, coturn.port, secret, port);

async function pair(on: Relay, a: string, b: string): Promise<[Person, Person]> {
  const first = await caller(browser, on.httpUrl, a);
  const second = await caller(browser, on.httpUrl, b);
  people.push(first, second);
  await Promise.all([first.create(`${a} passphrase`), second.create(`${b} passphrase`)]);
  await Promise.all([first.waitOnline(), second.waitOnline()]);
  await makeContacts(first, second);
  await first.openChat(b);
  await second.openChat(a);
  return [first, second];
}

/** Candidate types of every remote candidate the page's peer connection knows. */
const remoteCandidateTypes = (person: Person) =>
  person.page.evaluate(async () => {
    const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls?.service.peerConnection;
    const types: string[] = [];
    (await pc?.getStats())?.forEach((s: { type: string; candidateType?: string }) => {
      if (s.type === 'remote-candidate' && s.candidateType) types.push(s.candidateType);
    });
    return types;
  });

beforeAll(async () => {
  [client, browser, coturn] = await Promise.all([buildTestClient(), launchForCalls(), startCoturn(SECRET)]);
  [relay, forgedRelay] = await Promise.all([turnRelay(SECRET), turnRelay(FORGED)]);
});

afterAll(async () => {
  const errors = people.flatMap((p) => p.errors);
  await browser?.close();
  await Promise.all([relay?.close(), forgedRelay?.close(), coturn?.close()]);
  await client?.remove();
  expect(errors.filter((e) => !/Failed to load resource|WebSocket/.test(e))).toEqual([]);
});

describe('calls through TURN', () => {
  let dave: Person;
  let erin: Person;

  test('unverified contacts: relay-only (connected while ringing, no media before accept), relay/relay pair', async () => {
    [dave, erin] = await pair(relay, 'Dave', 'Erin');
    const minted = relay.metrics.counts.turnCredentials;
    await callButton(dave, 'video', 'Erin').click();
    await visible(erin.page.getByRole('button', { name: 'Accept' }));
    await expect.poll(() => erin.page.getByTestId('call-privacy').getAttribute('data-mode')).toBe('hidden');
    // Relay-only, so Erin's page connects while it rings (the caller learns only the TURN server's address),
    // checks the certificate, and still sends and receives nothing until she accepts.
    await expect.poll(async () => (await rtpTotals(erin.page)).dtlsState).toBe('connected');
    await expect.poll(async () => (await rtpTotals(dave.page)).dtlsState).toBe('connected');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const person of [dave, erin]) {
      const totals = await rtpTotals(person.page);
      expect(totals.inboundWithPackets, person.name).toBe(0);
      expect(totals.outboundBytes, person.name).toBe(0);
    }
    expect(await phaseOf(erin)()).toBe('incoming');
    expect(await phaseOf(dave)()).toBe('outgoing');
    await erin.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(dave)).toBe('active');
    await expect.poll(phaseOf(erin)).toBe('active');
    await expect.poll(async () => (await rtpTotals(erin.page)).framesDecoded).toBeGreaterThan(0);
    for (const person of [dave, erin]) {
      const totals = await rtpTotals(person.page);
      expect(totals.localCandidateType, person.name).toBe('relay');
      expect(totals.remoteCandidateType, person.name).toBe('relay');
      const types = await remoteCandidateTypes(person);
      expect(types.length, person.name).toBeGreaterThan(0);
      expect(new Set(types), person.name).toEqual(new Set(['relay']));
    }
    expect(relay.metrics.counts.turnCredentials).toBeGreaterThanOrEqual(minted + 2);
    await expect.poll(() => dave.page.getByTestId('call-privacy').getAttribute('data-mode')).toBe('hidden');
    await dave.screenshot('call-10-relay-only');
  });

  test('the call survives the relay going away and coming back', async () => {
    const port = relay.port;
    const before = (await rtpTotals(erin.page)).framesDecoded;
    await relay.close();
    await visible(dave.page.locator('[data-relay-status="retrying"]'), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await rtpTotals(erin.page)).framesDecoded).toBeGreaterThan(before);
    expect(await phaseOf(dave)()).toBe('active');
    relay = await turnRelay(SECRET, port);
    await Promise.all([dave.waitOnline(), erin.waitOnline()]);
    expect(await phaseOf(erin)()).toBe('active');
    await dave.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(endReasonOf(erin)).toBe('remote-hung-up');
    await closeCallScreens(dave, erin);
  });

  test('"Hide my IP address: never": the same contacts connect directly', async () => {
    for (const person of [dave, erin]) {
      await person.page.getByRole('button', { name: 'Settings and backup' }).click();
      await expect
        .poll(() => person.page.getByTestId('turn-availability').textContent())
        .toContain('offers a TURN server');
      await person.page.getByRole('radio', { name: /^Never/ }).check();
      await person.openChat(person === dave ? 'Erin' : 'Dave');
    }
    await callButton(dave, 'audio', 'Erin').click();
    await visible(erin.page.getByRole('button', { name: 'Accept' }));
    await expect.poll(() => erin.page.getByTestId('call-privacy').getAttribute('data-mode')).toBe('direct');
    await erin.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(dave)).toBe('active');
    await expect
      .poll(async () => (await rtpTotals(dave.page)).localCandidateType)
      .toMatch(/host|prflx|srflx/);
    await dave.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(phaseOf(erin)).toBe('ended');
    await closeCallScreens(dave, erin);
  });

  test('a relay whose TURN secret is not coturn’s mints credentials coturn refuses: the call fails', async () => {
    const [frank, gina] = await pair(forgedRelay, 'Frank', 'Gina');
    await setHooks(frank, { timeouts: { connectMs: 8000 } });
    await setHooks(gina, { timeouts: { connectMs: 8000 } });
    const watching = [watchRtp(frank.page), watchRtp(gina.page)];
    await callButton(frank, 'video', 'Gina').click();
    await visible(gina.page.getByRole('button', { name: 'Accept' }));
    await gina.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(endReasonOf(frank), { timeout: 30_000 }).toBe('failed');
    await expect.poll(endReasonOf(gina), { timeout: 30_000 }).toBe('failed');
    expect(forgedRelay.metrics.counts.turnCredentials).toBeGreaterThanOrEqual(2);
    await visible(frank.page.getByText('The connection was lost or could not be made'));
    await visible(frank.page.getByText('The relay’s TURN server refused this call’s credentials.'));
    for (const seen of await Promise.all(watching.map((w) => w.stop()))) {
      expect(seen.samples).toBeGreaterThan(3);
      expect(seen.outboundBytes).toBe(0);
      expect(seen.inboundPackets).toBe(0);
    }
    await frank.screenshot('call-11-turn-refused');
  });
});
