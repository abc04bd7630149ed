/**
 * The rest of a call, end to end in Chromium with fake devices, two people through the real relay: the
 * ringtone and the system notification while ringing, the call timer and quality indicator, screen sharing,
 * choosing another microphone, and an ICE restart. Steps run in order on one call.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { callButton, caller, closeCallScreens, makeContacts, phaseOf, rtpTotals } from './support/calls.ts';
import { textOf, visible } from './support/expect.ts';
import { PAGE_PROBES, probeRecord, setHidden } from './support/page-probes.ts';
import type { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

let stage: Stage;
let alice: Person;
let bob: Person;

/** The inbound video's frame width and decoded-frame count on a page. */
const inboundVideo = (person: Person) =>
  person.page.evaluate(async () => {
    const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls?.service.peerConnection;
    let width = 0;
    let frames = 0;
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        width = (s.frameWidth as number) ?? 0;
        frames = (s.framesDecoded as number) ?? 0;
      }
    });
    return { width, frames };
  });

/** What the page's senders carry, and the ICE username fragment of its current remote description. */
const localSide = (person: Person) =>
  person.page.evaluate(() => {
    const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls?.service.peerConnection;
    return {
      audioLabel: pc?.getSenders().find((s) => s.track?.kind === 'audio')?.track?.label ?? null,
      remoteUfrag: /a=ice-ufrag:(\S+)/.exec(pc?.remoteDescription?.sdp ?? '')?.[1] ?? null,
    };
  });

beforeAll(async () => {
  stage = await openStage({ calls: true });
  alice = await caller(stage.browser, stage.relay.httpUrl, 'Alice');
  bob = await caller(stage.browser, stage.relay.httpUrl, 'Bob');
  await bob.context.grantPermissions(['notifications'], { origin: stage.relay.httpUrl });
  await bob.context.addInitScript(PAGE_PROBES);
  await bob.page.reload();
  await bob.page.evaluate(() => {
    (globalThis as { tincanCallHooks?: object }).tincanCallHooks = {};
  });
  await Promise.all([alice.create('alice passphrase'), bob.create('bob passphrase')]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
  await makeContacts(alice, bob);
  await alice.openChat('Bob');
});

afterAll(() => closeStage(stage, [alice, bob], /Failed to load resource/));

describe('in a call', () => {
  test('ringing: a WebAudio ringtone and, with the tab hidden, a notification naming the caller', async () => {
    await setHidden(bob.page, true);
    await callButton(alice, 'video', 'Bob').click();
    await visible(bob.page.getByRole('button', { name: 'Accept' }), 20_000);
    await expect.poll(async () => (await probeRecord(bob.page)).oscillatorsStarted).toBeGreaterThan(0);
    await expect
      .poll(async () => (await probeRecord(bob.page)).notifications)
      .toEqual([{ title: 'Alice is calling', body: 'Video call on Tincan', closed: false }]);
    await setHidden(bob.page, false);
    const closedBefore = (await probeRecord(bob.page)).contextsClosed;
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    // Accepting stops the ringtone (its audio context is closed) and takes the notification away.
    await expect.poll(async () => (await probeRecord(bob.page)).contextsClosed).toBeGreaterThan(closedBefore);
    await expect.poll(async () => (await probeRecord(bob.page)).notifications[0]?.closed).toBe(true);
    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(phaseOf(bob)).toBe('active');
    await expect.poll(async () => (await inboundVideo(bob)).frames).toBeGreaterThan(0);
  });

  test('the call timer runs and the quality indicator reads getStats()', async () => {
    const status = alice.page.getByTestId('call-status');
    await expect.poll(textOf(status)).toMatch(/^0:0[1-9]$/);
    await expect.poll(textOf(status), { timeout: 10_000 }).toMatch(/^0:0[3-9]$/);
    const quality = alice.page.getByTestId('call-quality');
    await expect.poll(() => quality.getAttribute('data-level'), { timeout: 15_000 }).not.toBe('unknown');
    // Loopback, host candidates: the label carries a round-trip time and the path.
    expect(await quality.getAttribute('aria-label')).toMatch(/ms.*direct|direct.*ms/i);
  });

  test('screen sharing replaces the camera for the far end, and stopping brings the camera back', async () => {
    await expect.poll(async () => (await inboundVideo(bob)).width).toBe(640);
    await alice.page.getByRole('button', { name: 'Share the screen' }).click();
    // Chromium's fake screen is 1280x720 (sent at up to 1200 wide here); the camera is 640x480.
    await expect.poll(async () => (await inboundVideo(bob)).width).toBeGreaterThan(1000);
    await visible(bob.page.locator('.call-header').getByText('sharing screen'));
    await bob.screenshot('call-extras-01-screen-shared');
    await alice.page.getByRole('button', { name: 'Stop sharing the screen' }).click();
    await expect.poll(async () => (await inboundVideo(bob)).width).toBe(640);
    await expect.poll(() => bob.page.locator('.call-header').getByText('sharing screen').count()).toBe(0);
  });

  test('choosing another microphone switches the sender’s track; the far end keeps hearing', async () => {
    await alice.page.getByRole('button', { name: 'Choose camera and microphone' }).click();
    const microphone = alice.page.getByRole('combobox', { name: 'Microphone' });
    await visible(microphone);
    await alice.screenshot('call-extras-02-devices');
    await microphone.selectOption({ label: 'Fake Audio Input 1' });
    await expect.poll(async () => (await localSide(alice)).audioLabel).toBe('Fake Audio Input 1');
    const energy = async () => (await rtpTotals(bob.page)).totalAudioEnergy;
    const before = await energy();
    await expect.poll(energy, { timeout: 15_000 }).toBeGreaterThan(before);
  });

  test('ICE restart after a failure: new ICE credentials, signed and answered, and media keeps flowing', async () => {
    const [ufragAtAlice, ufragAtBob] = await Promise.all([localSide(alice), localSide(bob)]);
    const framesBefore = (await inboundVideo(bob)).frames;
    await alice.page.evaluate(() =>
      (
        globalThis as unknown as { tincanCalls: { service: { simulateConnectionFailure(): void } } }
      ).tincanCalls.service.simulateConnectionFailure(),
    );
    // Both descriptions now carry new ICE credentials (the offer went through the relay, sealed and signed).
    await expect.poll(async () => (await localSide(bob)).remoteUfrag).not.toBe(ufragAtBob.remoteUfrag);
    await expect.poll(async () => (await localSide(alice)).remoteUfrag).not.toBe(ufragAtAlice.remoteUfrag);
    await expect.poll(phaseOf(alice)).toBe('active');
    expect(await phaseOf(bob)()).toBe('active');
    await expect
      .poll(async () => (await inboundVideo(bob)).frames, { timeout: 15_000 })
      .toBeGreaterThan(framesBefore + 10);

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(phaseOf(bob)).toBe('ended');
    await closeCallScreens(alice, bob);
  });
});
