/**
 * Files sent from the chat without a call, in real Chromium, through the real relay and a real coturn on
 * loopback. The client is the production build (no test hooks): the test watches the browser's own APIs from
 * an init script (getUserMedia, peer connections, file channels), and plays a lying page by making
 * RTCPeerConnection.localDescription name another certificate than DTLS presents.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import { type BuiltClient, buildClient } from './support/build-client.ts';
import { launchForCalls, makeContacts } from './support/call-setup.ts';
import { visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { startTurnRelay } from './support/relay.ts';
import { useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const SECRET = 'tincan-e2e-chat-file-secret-0123456789';

interface Probe {
  /** getUserMedia / getDisplayMedia calls: a file session must open no camera, microphone or screen. */
  captures: number;
  peerConnections: number;
  /** Senders (audio or video) any peer connection ever had when it connected. */
  sendersAtConnect: number;
  /** The selected candidate pair of each peer connection that connected, and every remote candidate type. */
  pairs: { local: string; remote: string; remoteTypes: string[] }[];
  fileChannelsOpened: number;
  fileBytesSent: number;
  /** Set by the test: this page signs a fingerprint that is not its certificate's. */
  lie: boolean;
}

/** Runs in every page before the app: counts and records, changes nothing unless `lie` is set. */
function installProbe(): void {
  const probe: Probe = {
    captures: 0,
    peerConnections: 0,
    sendersAtConnect: 0,
    pairs: [],
    fileChannelsOpened: 0,
    fileBytesSent: 0,
    lie: false,
  };
  (globalThis as { fileProbe?: Probe }).fileProbe = probe;
  const devices = navigator.mediaDevices;
  if (devices) {
    for (const name of ['getUserMedia', 'getDisplayMedia'] as const) {
      const original = devices[name]?.bind(devices);
      if (!original) continue;
      devices[name] = ((constraints?: MediaStreamConstraints) => {
        probe.captures += 1;
        return original(constraints);
      }) as never;
    }
  }
  const Native = RTCPeerConnection;
  const proto = Native.prototype;
  const nativeDescription = Object.getOwnPropertyDescriptor(proto, 'localDescription')!;
  Object.defineProperty(proto, 'localDescription', {
    configurable: true,
    get(this: RTCPeerConnection) {
      const description = nativeDescription.get!.call(this) as RTCSessionDescription | null;
      if (!description || !probe.lie) return description;
      // One hex digit of the fingerprint changed: the page signs a certificate DTLS will not present.
      const sdp = description.sdp.replace(
        /(a=fingerprint:\S+ )(.)/g,
        (_, head: string, digit: string) => `${head}${digit === '0' ? '1' : '0'}`,
      );
      return { type: description.type, sdp, toJSON: () => ({ type: description.type, sdp }) };
    },
  });
  const nativeChannel = proto.createDataChannel;
  proto.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = nativeChannel.call(this, label, init);
    if (label === 'tincan-file') {
      probe.fileChannelsOpened += 1;
      const send = channel.send.bind(channel);
      channel.send = ((data: ArrayBufferView) => {
        probe.fileBytesSent += data.byteLength;
        send(data as never);
      }) as never;
    }
    return channel;
  };
  class Watched extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      probe.peerConnections += 1;
      this.addEventListener('connectionstatechange', async () => {
        if (this.connectionState !== 'connected') return;
        probe.sendersAtConnect += this.getSenders().length;
        const stats = await this.getStats();
        const byId = new Map<string, { type: string; candidateType?: string }>();
        const remoteTypes: string[] = [];
        let pairId = '';
        stats.forEach((s) => {
          byId.set(s.id, s);
          if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
          if (s.type === 'remote-candidate') remoteTypes.push(s.candidateType);
        });
        const pair = byId.get(pairId) as
          | { localCandidateId?: string; remoteCandidateId?: string }
          | undefined;
        probe.pairs.push({
          local: byId.get(pair?.localCandidateId ?? '')?.candidateType ?? '',
          remote: byId.get(pair?.remoteCandidateId ?? '')?.candidateType ?? '',
          remoteTypes,
        });
      });
    }
  }
  Object.defineProperty(Watched, 'generateCertificate', {
    value: (algorithm: AlgorithmIdentifier) => Native.generateCertificate(algorithm),
  });
  (globalThis as { RTCPeerConnection: typeof RTCPeerConnection }).RTCPeerConnection = Watched;
}

const probeOf = (page: Page): Promise<Probe> =>
  page.evaluate(() => ({ ...(globalThis as unknown as { fileProbe: Probe }).fileProbe }));

/** Clicks "Save" and hashes the file the browser downloads. */
async function savedSha256(page: Page): Promise<{ sha256: string; size: number }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('file-save').click(),
  ]);
  const path = await download.path();
  const bytes = await readFile(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

const fileLine = (person: Person) => person.page.getByTestId('file-line').last();
const phaseOf = (person: Person) => () => fileLine(person).getAttribute('data-phase');

let client: BuiltClient;
let coturn: Coturn;
let relay: Relay;
let browser: Browser;
const people: Person[] = [];

async function person(name: string): Promise<Person> {
  const someone = await Person.open(browser, relay.httpUrl, name);
  people.push(someone);
  await someone.context.addInitScript(installProbe);
  await someone.page.reload();
  await someone.create(`${name} passphrase`);
  await someone.waitOnline();
  return someone;
}

beforeAll(async () => {
  [client, browser, coturn] = await Promise.all([buildClient(), launchForCalls(), startCoturn(SECRET)]);
  relay = await startTurnRelay(client.dir, coturn.port, SECRET);
});

afterAll(async () => {
  const errors = people.flatMap((p) => p.errors);
  await browser?.close();
  await Promise.all([relay?.close(), coturn?.close()]);
  await client?.remove();
  expect(errors.filter((e) => !/Failed to load resource|WebSocket/.test(e))).toEqual([]);
});

describe('a file from the chat, without a call', () => {
  let alice: Person;
  let bob: Person;

  test('unverified contacts, TURN: asked first, relay/relay, the SHA-256 Bob holds is Alice’s, no camera or microphone', async () => {
    [alice, bob] = await Promise.all([person('Alice'), person('Bob')]);
    await makeContacts(alice, bob);
    await alice.openChat('Bob');
    await bob.openChat('Alice');
    // 3 MiB that no chunk boundary repeats (a chunk in the wrong place would change the hash).
    const content = Buffer.from(
      Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 131 + (i >> 13)) & 0xff),
    );
    const expected = createHash('sha256').update(content).digest('hex');

    await alice.page
      .getByTestId('send-file')
      .setInputFiles({ name: 'report.bin', mimeType: 'application/octet-stream', buffer: content });
    await expect.poll(phaseOf(alice)).toBe('offered');
    await visible(fileLine(alice).getByText('Waiting for Bob to accept…'));
    // Bob is asked, with the name and size, before anything connects.
    await visible(fileLine(bob).getByText('Alice wants to send you this file.'));
    await visible(fileLine(bob).getByText('report.bin'));
    await visible(fileLine(bob).getByText('3.0 MB'));
    expect((await probeOf(bob.page)).peerConnections).toBe(0);
    expect((await probeOf(alice.page)).fileChannelsOpened).toBe(0);

    await fileLine(bob).getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(bob), { timeout: 60_000 }).toBe('done');
    await expect.poll(phaseOf(alice), { timeout: 30_000 }).toBe('done');
    expect(await fileLine(bob).getAttribute('data-sha256')).toBe(expected);
    expect(await fileLine(alice).getAttribute('data-sha256')).toBe(expected);
    expect(await savedSha256(bob.page)).toEqual({ sha256: expected, size: content.length });
    await visible(fileLine(bob).getByText('Done, SHA-256 checked'));

    for (const someone of [alice, bob]) {
      const probe = await probeOf(someone.page);
      expect(probe.captures, someone.name).toBe(0);
      expect(probe.sendersAtConnect, someone.name).toBe(0);
      expect(probe.pairs, someone.name).toHaveLength(1);
      expect(probe.pairs[0]).toMatchObject({ local: 'relay', remote: 'relay' });
      expect(new Set(probe.pairs[0]!.remoteTypes), someone.name).toEqual(new Set(['relay']));
    }
    expect((await probeOf(alice.page)).fileBytesSent).toBeGreaterThan(content.length);
    // No call was ever up.
    expect(await alice.page.getByRole('button', { name: 'Hang up' }).count()).toBe(0);
    await bob.screenshot('chat-file-01-received');
  });

  test('declined, and withdrawn before the accept: both lines say so, nothing connects', async () => {
    const before = [await probeOf(alice.page), await probeOf(bob.page)];
    const small = { mimeType: 'text/plain', buffer: Buffer.from('hello') };
    await alice.page.getByTestId('send-file').setInputFiles({ name: 'one.txt', ...small });
    await visible(fileLine(bob).getByText('one.txt'));
    await fileLine(bob).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(phaseOf(alice)).toBe('declined');
    await visible(fileLine(alice).getByText('They declined the file.'));
    expect(await phaseOf(bob)()).toBe('declined');

    await alice.page.getByTestId('send-file').setInputFiles({ name: 'two.txt', ...small });
    await visible(fileLine(bob).getByText('two.txt'));
    await fileLine(alice).getByRole('button', { name: 'Cancel two.txt' }).click();
    await expect.poll(phaseOf(bob)).toBe('cancelled');
    await visible(fileLine(bob).getByText('They withdrew the file.'));
    expect(await phaseOf(alice)()).toBe('cancelled');
    const after = [await probeOf(alice.page), await probeOf(bob.page)];
    // Alice made a connection for each offer; Bob, who never accepted, made none; no file channel anywhere.
    expect(after[1]!.peerConnections).toBe(before[1]!.peerConnections);
    expect(after[0]!.fileChannelsOpened).toBe(before[0]!.fileChannelsOpened);
  });

  test('Bob cancels half-way: both lines say cancelled, and Bob has nothing to save', async () => {
    const big = Buffer.alloc(48 * 1024 * 1024, 7);
    await alice.page
      .getByTestId('send-file')
      .setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big });
    await visible(fileLine(bob).getByText('big.bin'));
    await fileLine(bob).getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(bob), { timeout: 60_000 }).toBe('transferring');
    await fileLine(bob).getByRole('button', { name: 'Cancel big.bin' }).click();
    await expect.poll(phaseOf(bob)).toBe('cancelled');
    await expect.poll(phaseOf(alice)).toBe('cancelled');
    await visible(fileLine(alice).getByText('The other side cancelled.'));
    expect(Number(await fileLine(bob).getAttribute('data-transferred'))).toBeLessThan(big.length);
    expect(await fileLine(bob).getByTestId('file-save').count()).toBe(0);
  });

  test('Alice signs a certificate DTLS does not present: stopped on both sides, not one file byte sent', async () => {
    const before = await probeOf(alice.page);
    await alice.page.evaluate(() => {
      (globalThis as unknown as { fileProbe: Probe }).fileProbe.lie = true;
    });
    await alice.page.getByTestId('send-file').setInputFiles({
      name: 'secret.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not for a middle man'),
    });
    await visible(fileLine(bob).getByText('secret.txt'));
    await fileLine(bob).getByRole('button', { name: 'Accept' }).click();
    await expect.poll(phaseOf(bob), { timeout: 60_000 }).toBe('intercepted');
    await expect.poll(phaseOf(alice), { timeout: 30_000 }).toBe('intercepted');
    await visible(fileLine(bob).getByText(/may be intercepted/));
    await visible(fileLine(alice).getByText(/may be intercepted/));
    const after = await probeOf(alice.page);
    expect(after.fileChannelsOpened).toBe(before.fileChannelsOpened);
    expect(after.fileBytesSent).toBe(before.fileBytesSent);
    expect(await fileLine(bob).getByTestId('file-save').count()).toBe(0);
    await alice.screenshot('chat-file-02-intercepted');
  });
});
