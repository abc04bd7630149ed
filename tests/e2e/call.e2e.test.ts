/**
 * Calls end to end: real Chromium with fake camera and microphone, two (and three) browser contexts as people,
 * the real relay (without TURN here: "hide my IP" cannot apply, and the UI says so). The steps build on each
 * other and run in order.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { fromHex } from '../../crypto/bytes.ts';
import { parseContactInput } from '../../crypto/contact-code.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { deriveSas } from '../../crypto/sas.ts';
import type { Relay } from '../../relay/server.ts';
import type { BuiltClient } from './support/build-client.ts';
import {
  buildTestClient,
  callButton,
  caller,
  callState,
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
import { startRelay } from './support/relay.ts';
import { relayFramesSentTo } from './support/relay-frames-sent.ts';

vi.setConfig({
  testTimeout: 120_000,
  hookTimeout: 180_000,
  expect: { poll: { timeout: 20_000, interval: 100 } },
});

let client: BuiltClient;
let relay: Relay;
let browser: Browser;
let alice: Person;
let bob: Person;
let carol: Person;
let aliceKey: Uint8Array;
let bobKey: Uint8Array;
let carolKey: Uint8Array;

beforeAll(async () => {
  [client, browser] = await Promise.all([buildTestClient(), launchForCalls()]);
  relay = await startRelay(client.dir);
  alice = await caller(browser, relay.httpUrl, 'Alice');
  bob = await caller(browser, relay.httpUrl, 'Bob');
  carol = await caller(browser, relay.httpUrl, 'Carol');
  await Promise.all([
    alice.create('alice passphrase'),
    bob.create('bob passphrase'),
    carol.create('carol passphrase'),
  ]);
  await Promise.all([alice.waitOnline(), bob.waitOnline(), carol.waitOnline()]);
  aliceKey = parseContactInput(await alice.myCode()).publicKey;
  bobKey = parseContactInput(await bob.myCode()).publicKey;
  carolKey = parseContactInput(await carol.myCode()).publicKey;
  await makeContacts(alice, bob);
  await makeContacts(carol, bob);
  await alice.openChat('Bob');
  await bob.openChat('Alice');
});

afterAll(async () => {
  const errors = [alice, bob, carol].flatMap((p) => p?.errors ?? []);
  await browser?.close();
  await relay?.close();
  await client?.remove();
  // Console errors fail the suite (after the browser is gone, so a failure here leaks nothing).
  expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
});

// A failed step must not leave a call up for the next one: hang up and close whatever is left. (Steps that pass
// leave things as the next step expects: the first call stays up for the verification words.)
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const person of [alice, bob, carol]) {
    if (person) await setHooks(person, {}).catch(() => {});
    await person?.page
      .evaluate(() => {
        const calls = (globalThis as { tincanCalls?: { hangup(): void; dismiss(): void } }).tincanCalls;
        calls?.hangup();
        calls?.dismiss();
      })
      .catch(() => {});
  }
});

/** The remote description the page's peer connection holds (no getStats(): see gate.ts). */
const remoteSdpOf = (person: Person): Promise<string> =>
  person.page.evaluate(
    () =>
      (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } }).tincanCalls
        ?.service.peerConnection?.remoteDescription?.sdp ?? '',
  );

async function ring(from: Person, to: Person, media: 'audio' | 'video' = 'video'): Promise<void> {
  await callButton(from, media, to.name).click();
  await visible(to.page.getByRole('button', { name: 'Accept' }), 20_000);
}

async function hangUp(person: Person, other: Person): Promise<void> {
  await person.page.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(phaseOf(person)).toBe('ended');
  await expect.poll(phaseOf(other)).toBe('ended');
  await closeCallScreens(person, other);
}

describe('calls', () => {
  test('a video call connects: no RTP before the certificate check, decoded frames after it', async () => {
    // Hold each verified gate shut for a moment, so the stats can be read between DTLS and media.
    await setHooks(alice, { gateDelayMs: 1500 });
    await setHooks(bob, { gateDelayMs: 1500 });
    const watchAlice = watchRtp(alice.page);
    const watchBob = watchRtp(bob.page);
    await ring(alice, bob);
    // An unverified contact, no TURN: while it rings Bob's page sends its answer without any address, keeps its
    // own candidates, and keeps Alice's from ICE, so no connectivity check can tell Alice his address before
    // he accepts.
    await expect.poll(async () => (await rtpTotals(bob.page)).dtlsState).toBe('new');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [ringingAlice, ringingBob] = await Promise.all([rtpTotals(alice.page), rtpTotals(bob.page)]);
    expect(ringingBob).toMatchObject({ remoteCandidates: 0, candidatePairs: 0 });
    expect(ringingAlice).toMatchObject({ remoteCandidates: 0, candidatePairs: 0, dtlsState: 'new' });
    // Bob's signed answer has reached Alice already (his ICE credentials, so that she can answer his first
    // checks the moment he accepts), but with no address or port of his in it.
    const answerAtAlice = await remoteSdpOf(alice);
    expect(answerAtAlice).toMatch(/^a=ice-ufrag:\S+$/m);
    expect(answerAtAlice).not.toMatch(/a=candidate/);
    expect(answerAtAlice.match(/^c=.*$/gm)).toEqual(expect.arrayContaining(['c=IN IP4 0.0.0.0']));
    expect(answerAtAlice.match(/^c=.*$/gm)?.every((line) => line === 'c=IN IP4 0.0.0.0')).toBe(true);
    expect(answerAtAlice.match(/^m=\S+ \d+/gm)?.every((line) => line.endsWith(' 9'))).toBe(true);
    await bob.screenshot('call-01-ringing');
    await visible(alice.page.getByText('Ringing…'));
    await alice.screenshot('call-02-outgoing');
    // The callee's privacy note is there before answering: no TURN here, so hiding cannot apply.
    await expect
      .poll(() => bob.page.getByTestId('call-privacy').getAttribute('data-mode'))
      .toBe('cannot-hide');
    await bob.page.getByRole('button', { name: 'Accept' }).click();

    // DTLS connected on both sides, gates verified but held shut: nothing has been sent or received.
    await expect.poll(async () => (await rtpTotals(alice.page)).dtlsState).toBe('connected');
    await expect.poll(async () => (await rtpTotals(bob.page)).dtlsState).toBe('connected');
    for (const person of [alice, bob]) {
      const totals = await rtpTotals(person.page);
      expect(totals.inboundWithPackets, person.name).toBe(0);
      expect(totals.outboundBytes, person.name).toBe(0);
    }

    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(phaseOf(bob)).toBe('active');
    await expect
      .poll(async () => (await rtpTotals(bob.page)).framesDecoded, { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await rtpTotals(alice.page)).framesDecoded, { timeout: 20_000 })
      .toBeGreaterThan(0);
    // The gate's own record: at the moment of verification nothing had flowed either way.
    for (const person of [alice, bob]) {
      const record = await person.page.evaluate(
        () =>
          (globalThis as { tincanCalls?: { service: { gateRecord: unknown } } }).tincanCalls?.service
            .gateRecord,
      );
      expect(record, person.name).toMatchObject({ inboundPacketsAtVerify: 0, outboundBytesAtVerify: 0 });
    }
    await new Promise((resolve) => setTimeout(resolve, 400)); // a last sample or two for the watchers
    const [maxAlice, maxBob] = await Promise.all([watchAlice.stop(), watchBob.stop()]);
    expect(maxAlice.samples).toBeGreaterThan(5);
    expect(maxBob.framesDecoded).toBeGreaterThan(0);
    await visible(alice.page.getByTestId('sas-words'));
    await alice.screenshot('call-03-in-call');
    await bob.page.setViewportSize({ width: 390, height: 800 });
    await bob.screenshot('call-04-in-call-phone');
    await bob.page.setViewportSize({ width: 1200, height: 800 });
    await setHooks(alice, {});
    await setHooks(bob, {});
  });

  test('the verification words are equal on both pages, bound to both identities; confirming verifies', async () => {
    const [atAlice, atBob] = await Promise.all([callState(alice.page), callState(bob.page)]);
    expect(atAlice.sas).toHaveLength(4);
    expect(atBob.sas).toEqual(atAlice.sas);
    const words = await alice.page.getByTestId('sas-words').locator('li').allTextContents();
    expect(words).toEqual(atAlice.sas);

    // Recompute from the signed facts of this call: the words follow from both keys, certificates and nonces,
    // and Carol's key in place of Bob's gives other words.
    const facts = await alice.page.evaluate(() => {
      const call = (globalThis as { tincanCalls?: { call: { value: Record<string, unknown> } } }).tincanCalls!
        .call.value;
      const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      const fp = (f: { value: string }) => f.value;
      return {
        callId: call.callId as string,
        peer: call.peer as string,
        localFp: fp(call.localFingerprint as { value: string }),
        remoteFp: fp(call.remoteFingerprint as { value: string }),
        localNonce: hex(call.localNonce as Uint8Array),
        remoteNonce: hex(call.remoteNonce as Uint8Array),
      };
    });
    const party = (key: Uint8Array, fp: string, nonce: string) => ({
      identityKey: key,
      fingerprint: fingerprintFromDigest('sha-256', fromHex(fp.replace(/:/g, ''))),
      nonce: fromHex(nonce),
    });
    const callId = fromHex(facts.callId);
    const me = party(aliceKey, facts.localFp, facts.localNonce);
    expect(
      deriveSas(callId, me, party(fromHex(facts.peer), facts.remoteFp, facts.remoteNonce)).words,
    ).toEqual(atAlice.sas);
    expect(deriveSas(callId, me, party(carolKey, facts.remoteFp, facts.remoteNonce)).words).not.toEqual(
      atAlice.sas,
    );

    // Camera off and on again: the far end is told, and shows it.
    await alice.page.getByRole('button', { name: 'Turn camera off' }).click();
    await visible(bob.page.getByText('Alice turned the camera off'));
    await alice.page.getByRole('button', { name: 'Turn camera on' }).click();
    await expect.poll(() => bob.page.getByText('Alice turned the camera off').count()).toBe(0);

    await alice.page.getByRole('button', { name: 'The words match' }).click();
    await visible(alice.page.getByTestId('sas-verified'));
    await hangUp(alice, bob);
    await visible(alice.page.locator('.pane-header .badge.verified'));
  });

  test('mute stops audio energy at the far end; chat during the call bypasses the relay', async () => {
    await ring(alice, bob, 'audio');
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(phaseOf(bob)).toBe('active');
    const energy = async () => (await rtpTotals(bob.page)).totalAudioEnergy;
    const growth = async (ms: number) => {
      const before = await energy();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return (await energy()) - before;
    };
    // Chromium's fake microphone beeps: energy arrives at Bob.
    await expect.poll(() => growth(1500), { timeout: 20_000 }).toBeGreaterThan(0);
    await alice.page.getByRole('button', { name: 'Mute microphone' }).click();
    await visible(alice.page.getByRole('button', { name: 'Unmute microphone' }));
    // After the muted frames have drained, nothing more: the far end's energy stops growing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await growth(2500)).toBeLessThan(1e-4);
    await visible(bob.page.locator('.call-header').getByText('muted'));
    await alice.page.getByRole('button', { name: 'Unmute microphone' }).click();
    await expect.poll(() => growth(1500), { timeout: 20_000 }).toBeGreaterThan(0);

    // Chat while the call is up goes over the call's data channel: the relay forwards nothing for it.
    await alice.page.getByRole('button', { name: 'Show the chat' }).click();
    await bob.page.getByRole('button', { name: 'Show the chat' }).click();
    await alice.screenshot('call-09-minimised');
    const forwarded = relay.metrics.counts.forwarded;
    await alice.send('over the data channel');
    await bob.message('over the data channel').waitFor({ timeout: 20_000 });
    await visible(alice.message('over the data channel').locator('[data-status="read"]'), 15_000);
    expect(relay.metrics.counts.forwarded).toBe(forwarded);
    await alice.page.getByRole('button', { name: 'Return to the call' }).click();
    // Bob hangs up this time.
    await hangUp(bob, alice);
    // The call stays in both chats with its length.
    for (const person of [alice, bob]) {
      await visible(person.page.locator('.call-line').filter({ hasText: /^Audio call · \d+:\d\d$/ }));
    }
  });

  test('an accept that crosses the data channel before the caller’s own check has passed still arrives', async () => {
    // Alice has verified Bob, so her page connects while it rings and passes its check at once; Bob's check is
    // held, so Alice's accept reaches his channel before he trusts it. It must wait for his check, not be lost.
    await setHooks(bob, { checkDelayMs: 2500 });
    await bob.openChat('Alice');
    // The probe sees what Alice sends Bob through the relay (a message outside a call goes that way).
    const toBob = await relayFramesSentTo(alice.page, bobKey);
    await alice.send('before the call');
    await expect.poll(() => toBob.count()).toBeGreaterThan(0);
    await ring(bob, alice, 'audio');
    await expect.poll(async () => (await rtpTotals(alice.page)).dtlsState).toBe('connected');
    const sentBefore = toBob.count();
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(alice)).not.toBe('incoming');
    expect(await phaseOf(bob)()).toBe('outgoing');
    await expect.poll(phaseOf(bob), { timeout: 20_000 }).toBe('active');
    // The accept went on the channel: Alice sent Bob nothing through the relay meanwhile. (The relay's totals
    // would also count Bob's own presence pings, which go through it while his check is held.)
    expect(toBob.count()).toBe(sentBefore);
    await toBob.stop();
    await setHooks(bob, {});
    await hangUp(alice, bob);
  });

  test('reject: the caller sees the call declined; both chats keep a line', async () => {
    const titleBefore = await bob.page.title();
    await ring(alice, bob);
    expect(await bob.page.title()).toBe('📞 Alice is calling — Tincan');
    await bob.page.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(endReasonOf(alice)).toBe('rejected');
    await expect.poll(endReasonOf(bob)).toBe('declined');
    await visible(alice.page.getByText('They declined the call'));
    await expect.poll(() => bob.page.title()).toBe(titleBefore);
    await closeCallScreens(alice, bob);
    await bob.openChat('Alice');
    await visible(alice.page.locator('.call-line').filter({ hasText: /^Video call declined · \d/ }));
    await visible(bob.page.locator('.call-line').filter({ hasText: /^Declined video call · \d/ }));
  });

  test('cancel: the caller gives up before an answer; the callee sees a missed call', async () => {
    await ring(alice, bob);
    await alice.page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(endReasonOf(bob)).toBe('missed');
    await expect.poll(endReasonOf(alice)).toBe('hung-up');
    await visible(bob.page.getByText('Missed call'));
    await closeCallScreens(alice, bob);
    await visible(bob.page.locator('.call-line').filter({ hasText: /^Missed video call · \d/ }));
    await visible(alice.page.locator('.call-line').filter({ hasText: /^Cancelled video call · \d/ }));
  });

  test('busy: a second caller gets "busy" while a call is up', async () => {
    await ring(alice, bob);
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(bob)).toBe('active');
    await carol.openChat('Bob');
    await callButton(carol, 'audio', 'Bob').click();
    await expect.poll(endReasonOf(carol)).toBe('busy');
    await visible(carol.page.getByText('They are in another call'));
    expect(await phaseOf(bob)()).toBe('active');
    await closeCallScreens(carol);
    await hangUp(alice, bob);
  });

  test('no answer: an unanswered call times out on both sides', async () => {
    await setHooks(alice, { timeouts: { ringMs: 3000 } });
    await ring(alice, bob);
    await expect.poll(endReasonOf(alice), { timeout: 15_000 }).toBe('no-answer');
    await expect.poll(endReasonOf(bob), { timeout: 15_000 }).toBe('missed');
    await visible(alice.page.getByText('No answer'));
    await closeCallScreens(alice, bob);
    await setHooks(alice, {});
  });

  test('a peer presenting another certificate than it signed: warning, call ended, no RTP ever', async () => {
    await setHooks(bob, { presentOtherCertificate: true });
    const watchAlice = watchRtp(alice.page, 50);
    const watchBob = watchRtp(bob.page, 50);
    await ring(alice, bob);
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(endReasonOf(alice)).toMatch(/security/);
    await expect.poll(endReasonOf(bob)).toMatch(/security/);
    await visible(alice.page.getByTestId('call-warning'));
    await visible(alice.page.getByRole('heading', { name: 'This call may be intercepted' }));
    await alice.screenshot('call-05-warning');
    await bob.screenshot('call-06-warning-other-side');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [seenAlice, seenBob] = await Promise.all([watchAlice.stop(), watchBob.stop()]);
    expect(seenAlice.samples).toBeGreaterThan(3);
    // Alice never sends to the impostor, and nothing of it reaches her decoder.
    expect(seenAlice.outboundBytes).toBe(0);
    expect(seenAlice.inboundPackets).toBe(0);
    expect(seenBob.inboundPackets).toBe(0);
    // Bob's page checked Alice's genuine certificate, so its own gate may open in the moment before Alice's
    // security hang-up reaches it: what an impostor's page sends is its own choice, never Alice's promise.
    // It stops at once: at most the first packets of that moment.
    expect(seenBob.outboundBytes).toBeLessThan(2000);
    // The warning stays until dismissed.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    await visible(alice.page.getByTestId('call-warning'));
    await closeCallScreens(alice, bob);
    await setHooks(bob, {});
  });

  test('a signed offer whose SDP names another certificate than it commits to is refused', async () => {
    await setHooks(alice, { tamperSdp: true, timeouts: { ringMs: 4000 } });
    await callButton(alice, 'video', 'Bob').click();
    // Bob never rings: his page refuses the body and shows why.
    await visible(bob.page.getByTestId('call-warning'));
    await expect(bob.page.getByTestId('call-warning')).toBeDefined();
    expect(await bob.page.getByRole('button', { name: 'Accept' }).count()).toBe(0);
    await expect.poll(endReasonOf(bob)).toBe('security');
    await expect.poll(endReasonOf(alice), { timeout: 15_000 }).toMatch(/security|no-answer/);
    await bob.screenshot('call-07-refused-offer');
    await closeCallScreens(alice, bob);
    await setHooks(alice, {});
  });

  test('a file of several MB crosses the data channel: same SHA-256, progress to 100% on both sides', async () => {
    await ring(alice, bob);
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(alice)).toBe('active');
    await expect.poll(phaseOf(bob)).toBe('active');
    const size = 5 * 1024 * 1024 + 123;
    const content = Buffer.alloc(size);
    for (let i = 0; i < size; i++) content[i] = (i * 2654435761) >>> 24;
    const expected = createHash('sha256').update(content).digest('hex');
    const progressAtBob: number[] = [];
    const watcher = setInterval(() => {
      void bob.page
        .locator('[data-testid="transfer"][data-direction="receive"] progress')
        .getAttribute('data-percent', { timeout: 200 })
        .then((p) => p !== null && progressAtBob.push(Number(p)))
        .catch(() => {});
    }, 50);
    await alice.page
      .getByLabel('Send a file')
      .setInputFiles({ name: 'holiday.bin', mimeType: 'application/octet-stream', buffer: content });
    const received = bob.page.locator('[data-testid="transfer"][data-direction="receive"]');
    const sent = alice.page.locator('[data-testid="transfer"][data-direction="send"]');
    await expect.poll(() => received.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    await expect.poll(() => sent.getAttribute('data-state'), { timeout: 20_000 }).toBe('done');
    clearInterval(watcher);
    expect(await received.getAttribute('data-sha256')).toBe(expected);
    expect(await sent.getAttribute('data-sha256')).toBe(expected);
    expect(await received.locator('progress').getAttribute('data-percent')).toBe('100');
    expect(await sent.locator('progress').getAttribute('data-percent')).toBe('100');
    expect(progressAtBob.some((p) => p > 0 && p < 100)).toBe(true);
    // The saved file is the sent file.
    const download = bob.page.waitForEvent('download');
    await received.getByRole('link', { name: 'Save' }).click();
    const path = await (await download).path();
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(expected);
    await alice.screenshot('call-08-file-sent');
    await hangUp(alice, bob);
  });
});
