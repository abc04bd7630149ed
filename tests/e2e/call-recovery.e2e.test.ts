/**
 * A video call that loses its paths for real and recovers, in Chromium through the real relay and a real
 * coturn (the call is relay-only: the contacts are not verified). First the relay restarts: both pages
 * reconnect and the call never notices. Then the TURN server stops answering: ICE disconnects in both
 * browsers, the caller sends a signed ICE-restart offer through the relay without waiting for 'failed', and
 * once TURN is back the call is up again on new ICE credentials with the same DTLS certificates. Steps run in
 * order on one call.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import type { BuiltClient } from './support/build-client.ts';
import {
  connectionLog,
  gateRecordOf,
  logConnectionStates,
  mediaFlow,
  pathFacts,
} from './support/call-probes.ts';
import {
  buildTestClient,
  callButton,
  caller,
  closeCallScreens,
  endReasonOf,
  launchForCalls,
  makeContacts,
  phaseOf,
} from './support/calls.ts';
import { countOf, visible } from './support/expect.ts';
import type { Person } from './support/person.ts';
import { startTurnRelay } from './support/relay.ts';
import { useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const SECRET = 'tincan-e2e-recovery-secret-0123456789';

let client: BuiltClient;
let coturn: Coturn;
let relay: Relay;
let browser: Browser;
let alice: Person;
let bob: Person;

const turnRelay = (port = 0) => startTurnRelay(client.dir, coturn.port, SECRET, port);

const framesAt = async (person: Person) => (await mediaFlow(person)).framesDecoded;

beforeAll(async () => {
  [client, browser, coturn] = await Promise.all([buildTestClient(), launchForCalls(), startCoturn(SECRET)]);
  relay = await turnRelay();
  alice = await caller(browser, relay.httpUrl, 'Alice');
  bob = await caller(browser, relay.httpUrl, 'Bob');
  await Promise.all([alice.create('alice passphrase'), bob.create('bob passphrase')]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
  await makeContacts(alice, bob);
  await alice.openChat('Bob');
});

afterAll(async () => {
  const errors = [alice, bob].flatMap((person) => person?.errors ?? []);
  await browser?.close();
  await relay?.close();
  await coturn?.close();
  await client?.remove();
  expect(errors.filter((error) => !/Failed to load resource|WebSocket/.test(error))).toEqual([]);
});

describe('a call that loses its paths', () => {
  test('a relay-only video call is up', async () => {
    await callButton(alice, 'video', 'Bob').click();
    await visible(bob.page.getByRole('button', { name: 'Accept' }));
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(phaseOf(bob)).toBe('active');
    await expect.poll(() => framesAt(bob)).toBeGreaterThan(0);
    await expect.poll(() => framesAt(alice)).toBeGreaterThan(0);
    expect((await pathFacts(alice)).localSdp).toMatch(/typ relay/);
  });

  test('the relay restarts: both pages reconnect, frames keep coming, and the call is still controlled', async () => {
    const port = relay.port;
    const before = await framesAt(bob);
    await relay.close();
    await visible(alice.page.locator('[data-relay-status="retrying"]'));
    await visible(bob.page.locator('[data-relay-status="retrying"]'));
    // No relay at all: the call's media is peer to peer (here through TURN), so it goes on.
    await expect.poll(() => framesAt(bob)).toBeGreaterThan(before + 20);
    relay = await turnRelay(port);
    await Promise.all([alice.waitOnline(), bob.waitOnline()]);
    expect(relay.metrics.counts.authenticated).toBeGreaterThanOrEqual(2);
    expect(await phaseOf(alice)()).toBe('active');
    expect(await phaseOf(bob)()).toBe('active');
    // Control after the restart: Alice mutes and Bob's screen says so, then she unmutes. (While the call is
    // connected its data channel carries these; the restart offer below is what needs the new relay socket.)
    const badge = bob.page.locator('.call-header').getByText('muted', { exact: true });
    await alice.page.getByRole('button', { name: 'Mute microphone' }).click();
    await visible(badge);
    await alice.page.getByRole('button', { name: 'Unmute microphone' }).click();
    await expect.poll(countOf(badge)).toBe(0);
    const after = await framesAt(alice);
    await expect.poll(() => framesAt(alice)).toBeGreaterThan(after + 20);
  });

  test('TURN stops answering: ICE disconnects, a signed ICE restart goes through the relay, and the call recovers', async () => {
    const [aliceBefore, bobBefore] = await Promise.all([pathFacts(alice), pathFacts(bob)]);
    const gateBefore = await gateRecordOf(alice);
    await Promise.all([logConnectionStates(alice.page), logConnectionStates(bob.page)]);
    coturn.pause();
    // Chromium reports 'disconnected' (the call shows "Reconnecting…"), and 'failed' only some 10 s later.
    await expect.poll(phaseOf(alice)).toBe('reconnecting');
    const forwarded = relay.metrics.counts.forwarded;
    // A lasting 'disconnected' is enough: the caller sends its restart offer a few seconds on, long before any
    // 'failed'. With the path down (and the data channel with it) the offer goes through the new relay
    // connection, signed and sealed, and Bob's page applies it.
    await expect
      .poll(async () => (await pathFacts(bob)).remoteUfrag, { timeout: 8_000 })
      .not.toBe(bobBefore.remoteUfrag);
    expect(await connectionLog(alice.page)).toEqual(['disconnected']);
    expect(relay.metrics.counts.forwarded).toBeGreaterThan(forwarded);
    coturn.resume();
    await expect.poll(phaseOf(alice), { timeout: 30_000 }).toBe('active');
    await expect.poll(phaseOf(bob), { timeout: 30_000 }).toBe('active');
    const log = await connectionLog(alice.page);
    expect(log[0]).toBe('disconnected');
    expect(log.at(-1)).toBe('connected');
    const [aliceAfter, bobAfter] = await Promise.all([pathFacts(alice), pathFacts(bob)]);
    expect(aliceAfter.localUfrag).not.toBe(aliceBefore.localUfrag);
    expect(aliceAfter.remoteUfrag).not.toBe(aliceBefore.remoteUfrag);
    expect(bobAfter.localUfrag).not.toBe(bobBefore.localUfrag);
    // ICE restarted, DTLS did not: the same transport and the same certificates, already checked, so the
    // gate had nothing to re-check and did not open again.
    for (const [before, after] of [
      [aliceBefore, aliceAfter],
      [bobBefore, bobAfter],
    ] as const) {
      expect(after.dtlsTransportTag).toBe(before.dtlsTransportTag);
      expect(after.remoteCertificate).toBe(before.remoteCertificate);
      expect(after.dtlsState).toBe('connected');
    }
    expect(await gateRecordOf(alice)).toEqual(gateBefore);
    const frames = await framesAt(bob);
    await expect.poll(() => framesAt(bob)).toBeGreaterThan(frames + 20);

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(endReasonOf(bob)).toBe('remote-hung-up');
    await closeCallScreens(alice, bob);
  });
});
