/**
 * The rest of a call, end to end in Chromium with fake devices (three fake cameras, two of them usable), two
 * people through the real relay: the ringtone (stopped by declining, and by accepting) and the system
 * notification while ringing, the call timer and quality indicator, camera off and on, screen sharing, choosing
 * another microphone and camera (and a depth camera, which sends nothing), an ICE restart, a camera slow to open,
 * and an accept lost on its way (which costs nothing when the callee's handshake is the accept, and is sent again
 * when it is not). Steps run in order. Losing the relay or the network path for real: call-recovery.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gateRecordOf, mediaFlow, pathFacts } from './support/call-probes.ts';
import {
  callButton,
  caller,
  closeCallScreens,
  endReasonOf,
  MORE_FAKE_CAMERAS,
  makeContacts,
  phaseOf,
  rtpTotals,
  setHooks,
} from './support/calls.ts';
import { countOf, textOf, visible } from './support/expect.ts';
import { PAGE_PROBES, probeRecord, setHidden } from './support/page-probes.ts';
import type { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

let stage: Stage;
let alice: Person;
let bob: Person;

const framesAt = async (person: Person) => (await mediaFlow(person)).framesDecoded;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stage = await openStage({ calls: true, chromiumArgs: [MORE_FAKE_CAMERAS] });
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

describe('ringing', () => {
  test('the ringtone is a running WebAudio graph, and declining stops it', async () => {
    await callButton(alice, 'audio', 'Bob').click();
    await visible(bob.page.getByRole('button', { name: 'Decline' }), 20_000);
    await expect.poll(async () => (await probeRecord(bob.page)).contextStates.at(-1)).toBe('running');
    const started = (await probeRecord(bob.page)).oscillatorsStarted;
    expect(started).toBeGreaterThan(0);
    // It rings again every 3 s: new oscillators while the phone rings.
    await expect.poll(async () => (await probeRecord(bob.page)).oscillatorsStarted).toBeGreaterThan(started);
    await bob.page.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(async () => (await probeRecord(bob.page)).contextStates.at(-1)).toBe('closed');
    // The tab was visible: no notification.
    expect((await probeRecord(bob.page)).notifications).toEqual([]);
    await expect.poll(endReasonOf(alice)).toBe('rejected');
    await closeCallScreens(alice, bob);
  });

  test('with the tab hidden, a notification names the caller; accepting stops both', async () => {
    await setHidden(bob.page, true);
    await callButton(alice, 'video', 'Bob').click();
    await visible(bob.page.getByRole('button', { name: 'Accept' }), 20_000);
    await expect.poll(async () => (await probeRecord(bob.page)).contextStates.at(-1)).toBe('running');
    await expect
      .poll(async () => (await probeRecord(bob.page)).notifications.at(-1))
      .toEqual({ title: 'Alice is calling', body: 'Video call on Tincan', closed: false });
    await setHidden(bob.page, false);
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    // Accepting closes the ringtone's audio context and takes the notification away.
    await expect.poll(async () => (await probeRecord(bob.page)).contextStates.at(-1)).toBe('closed');
    await expect.poll(async () => (await probeRecord(bob.page)).notifications.at(-1)?.closed).toBe(true);
    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(phaseOf(bob)).toBe('active');
    await expect.poll(() => framesAt(bob)).toBeGreaterThan(0);
  });
});

describe('in a call', () => {
  test('the call timer runs and the quality indicator reads getStats()', async () => {
    const status = alice.page.getByTestId('call-status');
    await expect.poll(textOf(status)).toMatch(/^0:0[1-9]$/);
    await expect.poll(textOf(status), { timeout: 10_000 }).toMatch(/^0:0[3-9]$/);
    const quality = alice.page.getByTestId('call-quality');
    await expect.poll(() => quality.getAttribute('data-level'), { timeout: 15_000 }).not.toBe('unknown');
    // Loopback, host candidates: the label carries a round-trip time and the path.
    expect(await quality.getAttribute('aria-label')).toMatch(/ms.*direct|direct.*ms/i);
  });

  test('camera off: the far end is told and no frame is encoded; camera on resumes', async () => {
    await alice.page.getByRole('button', { name: 'Turn camera off' }).click();
    const notice = bob.page.getByText('Alice turned the camera off');
    await visible(notice);
    // Bob's page hides Alice's video rather than leave her last frame frozen on screen.
    expect(await bob.page.getByTestId('remote-video').isVisible()).toBe(false);
    expect((await mediaFlow(alice)).videoTrack).toBeNull();
    await sleep(500); // frames already on the wire
    const [encoded, decoded] = [(await mediaFlow(alice)).framesEncoded, await framesAt(bob)];
    await sleep(1500);
    expect((await mediaFlow(alice)).framesEncoded).toBe(encoded);
    expect(await framesAt(bob)).toBeLessThanOrEqual(decoded + 1);
    await bob.screenshot('call-extras-03-camera-off');
    await alice.page.getByRole('button', { name: 'Turn camera on' }).click();
    await expect.poll(countOf(notice)).toBe(0);
    await visible(bob.page.getByTestId('remote-video'));
    await expect.poll(() => framesAt(bob)).toBeGreaterThan(decoded + 10);
    expect((await mediaFlow(alice)).videoTrack?.label).toBe('fake_device_0');
  });

  test('screen sharing replaces the camera for the far end, and stopping brings the camera back', async () => {
    const width = async () => (await mediaFlow(bob)).inboundWidth;
    // The camera is 640x480 (the encoder may send it smaller for a while after camera on).
    await expect.poll(width).toBeGreaterThan(0);
    expect(await width()).toBeLessThanOrEqual(640);
    await alice.page.getByRole('button', { name: 'Share the screen' }).click();
    // Chromium's fake screen is 1280x720 (sent at over 1000 wide here).
    await expect.poll(width).toBeGreaterThan(1000);
    await visible(bob.page.locator('.call-header').getByText('sharing screen'));
    await bob.screenshot('call-extras-01-screen-shared');
    await alice.page.getByRole('button', { name: 'Stop sharing the screen' }).click();
    await expect.poll(width).toBeLessThanOrEqual(640);
    await expect.poll(() => bob.page.locator('.call-header').getByText('sharing screen').count()).toBe(0);
    expect((await mediaFlow(alice)).videoTrack?.label).toBe('fake_device_0');
  });

  test('choosing another microphone and camera switches the senders’ tracks without renegotiating', async () => {
    const { localSdp } = await pathFacts(alice);
    const { audioTrack, videoTrack } = await mediaFlow(alice);
    await alice.page.getByRole('button', { name: 'Choose camera and microphone' }).click();
    const microphone = alice.page.getByRole('combobox', { name: 'Microphone' });
    const camera = alice.page.getByRole('combobox', { name: 'Camera' });
    await visible(microphone);
    // The menu shows the devices in use.
    expect(await microphone.inputValue()).toBe(audioTrack?.deviceId);
    expect(await camera.inputValue()).toBe(videoTrack?.deviceId);
    await alice.screenshot('call-extras-02-devices');
    await microphone.selectOption({ label: 'Fake Audio Input 1' });
    await expect.poll(async () => (await mediaFlow(alice)).audioTrack?.label).toBe('Fake Audio Input 1');
    const energy = async () => (await rtpTotals(bob.page)).totalAudioEnergy;
    const heard = await energy();
    await expect.poll(energy, { timeout: 15_000 }).toBeGreaterThan(heard);

    // A depth camera (Chromium's fake_device_1 gives Y16 frames) is listed like any other, and a sender given it
    // encodes nothing: the page says so instead of leaving Bob looking at nothing.
    const silent = alice.page.getByTestId('camera-silent');
    expect(await silent.count()).toBe(0);
    await camera.selectOption({ label: 'fake_device_1' });
    await expect.poll(async () => (await mediaFlow(alice)).videoTrack?.label).toBe('fake_device_1');
    await visible(silent);
    expect(await silent.textContent()).toContain('Choose another camera');
    await alice.screenshot('call-extras-04-camera-silent');

    await camera.selectOption({ label: 'fake_device_2' });
    await expect.poll(async () => (await mediaFlow(alice)).videoTrack?.label).toBe('fake_device_2');
    await expect.poll(() => silent.count(), { timeout: 10_000 }).toBe(0);
    const after = await mediaFlow(alice);
    // Closed and opened again, the menu still shows what is in use (not the first entry of each list).
    const menu = alice.page.getByRole('button', { name: 'Choose camera and microphone' });
    await menu.click();
    await expect.poll(() => camera.count()).toBe(0);
    await menu.click();
    expect(await microphone.inputValue()).toBe(after.audioTrack?.deviceId);
    expect(await camera.inputValue()).toBe(after.videoTrack?.deviceId);
    expect(after.videoTrack?.deviceId).not.toBe(videoTrack?.deviceId);
    expect(after.audioTrack?.deviceId).not.toBe(audioTrack?.deviceId);
    const frames = await framesAt(bob);
    await expect.poll(() => framesAt(bob)).toBeGreaterThan(frames + 10);
    // replaceTrack through the gate: the same local description, nothing renegotiated.
    expect((await pathFacts(alice)).localSdp).toBe(localSdp);
  });

  test('ICE restart after a reported failure: new ICE credentials, same DTLS, media keeps flowing', async () => {
    const [aliceBefore, bobBefore] = await Promise.all([pathFacts(alice), pathFacts(bob)]);
    const gateBefore = await gateRecordOf(alice);
    const framesBefore = await framesAt(bob);
    // The path on loopback cannot fail here (call-recovery makes it fail through TURN): the page is told it
    // failed, the way the browser tells it.
    await alice.page.evaluate(() => {
      const pc = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
        .tincanCalls?.service.peerConnection;
      if (!pc) throw new Error('no call');
      Object.defineProperty(pc, 'connectionState', { get: () => 'failed', configurable: true });
      pc.dispatchEvent(new Event('connectionstatechange'));
      delete (pc as { connectionState?: unknown }).connectionState;
    });
    // Both descriptions now carry new ICE credentials, from the signed renegotiation.
    await expect.poll(async () => (await pathFacts(bob)).remoteUfrag).not.toBe(bobBefore.remoteUfrag);
    await expect.poll(async () => (await pathFacts(alice)).remoteUfrag).not.toBe(aliceBefore.remoteUfrag);
    await expect.poll(phaseOf(alice)).toBe('active');
    expect(await phaseOf(bob)()).toBe('active');
    for (const [person, before] of [
      [alice, aliceBefore],
      [bob, bobBefore],
    ] as const) {
      const after = await pathFacts(person);
      expect(after.localUfrag, person.name).not.toBe(before.localUfrag);
      expect(after.dtlsTransportTag, person.name).toBe(before.dtlsTransportTag);
      expect(after.remoteCertificate, person.name).toBe(before.remoteCertificate);
    }
    expect(await gateRecordOf(alice)).toEqual(gateBefore);
    await expect.poll(() => framesAt(bob), { timeout: 15_000 }).toBeGreaterThan(framesBefore + 10);

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(phaseOf(bob)).toBe('ended');
    await closeCallScreens(alice, bob);
  });

  test('a camera slow to open (a permission prompt, say) is told on the ringing card, and the call goes on', async () => {
    // Bob's camera takes a second to open after he accepts.
    await bob.page.evaluate(() => {
      const devices = navigator.mediaDevices;
      const open = devices.getUserMedia.bind(devices);
      devices.getUserMedia = async (constraints) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        devices.getUserMedia = open;
        return open(constraints);
      };
    });
    await callButton(alice, 'video', 'Bob').click();
    await visible(bob.page.getByRole('button', { name: 'Accept' }), 20_000);
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    const status = bob.page.getByTestId('call-status');
    await expect.poll(textOf(status), { timeout: 900 }).toBe('Connecting… opening your camera');
    expect(await countOf(bob.page.getByRole('button', { name: 'Accept' }))()).toBe(0);
    await visible(bob.page.getByRole('button', { name: 'Hang up' }));
    await bob.screenshot('call-extras-05-opening-camera');
    await expect.poll(phaseOf(bob), { timeout: 10_000 }).toBe('active');
    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(() => framesAt(alice), { timeout: 10_000 }).toBeGreaterThan(0);
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(phaseOf(bob)).toBe('ended');
    await closeCallScreens(alice, bob);
  });

  /** Alice calls Bob, whose first accept is left out on its way, and he accepts: when he clicked. */
  async function acceptLosingTheFirstAccept(): Promise<number> {
    await setHooks(bob, { dropFirstAccept: true });
    await callButton(alice, 'audio', 'Bob').click();
    await visible(bob.page.getByRole('button', { name: 'Accept' }), 20_000);
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    return Date.now();
  }

  /** Bob hears Alice, then she hangs up. */
  async function hearThenHangUp(): Promise<void> {
    await expect.poll(async () => (await rtpTotals(bob.page)).totalAudioEnergy).toBeGreaterThan(0);
    await setHooks(bob, {});
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(phaseOf(bob)).toBe('ended');
    await closeCallScreens(alice, bob);
  }

  test('an unverified contact without TURN: the callee’s handshake is the accept, so a lost accept costs nothing', async () => {
    // Bob's answer left while it rang without any address and says his page connects only once he accepts:
    // Alice takes his verified DTLS handshake as the accept, and his accept control (dropped here) is not needed.
    const accepted = await acceptLosingTheFirstAccept();
    await expect.poll(phaseOf(alice), { timeout: 2_500 }).toBe('active');
    // Well before the repeat would have come (3 s after the accept).
    expect(Date.now() - accepted).toBeLessThan(2_500);
    await hearThenHangUp();
  });

  test('an accept lost on its way is sent again: the caller stops ringing within seconds', async () => {
    // Bob has verified Alice: his page connects while it rings, so only his accept control says he answered.
    await bob.markVerified('Alice');
    const accepted = await acceptLosingTheFirstAccept();
    await expect.poll(phaseOf(bob)).toBe('active');
    // Alice never got the first accept: she still rings, well past the moment it would have come.
    await sleep(1_500);
    expect(await phaseOf(alice)()).toBe('outgoing');
    // The repeat (3 s after the accept) brings her in, long before her 45 s ring timeout.
    await expect.poll(phaseOf(alice), { timeout: 10_000 }).toBe('active');
    expect(Date.now() - accepted).toBeLessThan(10_000);
    await hearThenHangUp();
  });
});
