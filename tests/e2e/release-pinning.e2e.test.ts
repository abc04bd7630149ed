/**
 * Pinned code against a server that changes it: a client built with a release key (made by this test) runs
 * release A; the server then serves a changed script under the same name, a manifest without a signature, one
 * signed by another key, and an older signed release. The changed code never runs (the mark it would leave
 * stays unset), release A keeps working (chat goes through) and the user is warned. A correctly signed newer
 * release B is offered, and runs once the user accepts it (spec/releases.md, Rules).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { releaseHash as directoryReleaseHash } from '../../client/build/release-hash.ts';
import type { Relay } from '../../relay/server.ts';
import { buildClient } from './support/build-client.ts';
import { makeContacts } from './support/call-setup.ts';
import { launchChromium } from './support/chromium.ts';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { startRelay } from './support/relay.ts';
import {
  changeOneByte,
  controlled,
  copyClient,
  markerOf,
  newReleaseKey,
  prependToEntry,
  removeClient,
  setsMarker,
  signRelease,
  type TestReleaseKey,
} from './support/releases.ts';
import { closeStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const ALICE_PASS = 'pinned horse battery';
const BOB_PASS = 'pinned staple battery';
const TAMPERED = 'tincan-tampered-code-ran';
const RELEASE_B = 'tincan-release-b-ran';
const NOT_SIGNED =
  'The server offered code that is not a signed Tincan release. You are still running release 0.1.0.';

let stage: Stage;
let relay: Relay;
let port: number;
let key: TestReleaseKey;
let alice: Person;
let bob: Person;
let hashA: string;
const dirs: string[] = [];

/** Stops the relay and starts it again on the same port, serving `dir`. */
async function serve(dir: string): Promise<void> {
  await relay.close();
  relay = await startRelay(dir, port);
}

async function variant(make: (dir: string) => Promise<unknown>): Promise<string> {
  const dir = await copyClient(stage.client.dir);
  dirs.push(dir);
  await make(dir);
  return dir;
}

/** Alice reloads, sees the unlock screen, and has not run the code the server offered. */
async function reloadAlice(): Promise<void> {
  await alice.page.reload();
  await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor();
}

async function unlockAndChat(text: string): Promise<void> {
  await alice.unlock(ALICE_PASS);
  await alice.waitUnlocked();
  await alice.waitOnline();
  await alice.openChat('Bob');
  await alice.send(text);
  await bob.message(text).waitFor({ timeout: 45_000 });
}

async function runningHash(): Promise<string> {
  await alice.page.getByRole('button', { name: 'Settings and backup' }).click();
  const hash = alice.page.getByTestId('release-hash');
  await visible(hash);
  return (await hash.textContent()) ?? '';
}

const warning = () => alice.page.locator('[data-release-warning]');
const warningReason = () =>
  warning()
    .getAttribute('data-release-warning', { timeout: 1_000 })
    .catch(() => null);

beforeAll(async () => {
  key = await newReleaseKey();
  const [client, browser] = await Promise.all([
    buildClient(undefined, { releaseKey: key.publicKeyHex }),
    launchChromium(),
  ]);
  hashA = await signRelease(client.dir, '0.1.0', key.signer);
  // The hash the app will show is the one `npm run release:hash` prints for the directory.
  expect(hashA).toBe(directoryReleaseHash(client.dir));
  relay = await startRelay(client.dir);
  port = Number(new URL(relay.httpUrl).port);
  stage = { client, browser, relay };
  alice = await Person.open(browser, relay.httpUrl, 'Alice');
  bob = await Person.open(browser, relay.httpUrl, 'Bob');
});

afterAll(async () => {
  stage = stage && { ...stage, relay };
  await closeStage(stage, [alice, bob], /Failed to load resource|WebSocket|ERR_CONNECTION_REFUSED/);
  await Promise.all(dirs.map(removeClient));
});

describe('a release pinned by its signature', () => {
  test('release A runs under the release worker, and Settings shows its version, hash and signature', async () => {
    await Promise.all([alice.create(ALICE_PASS), bob.create(BOB_PASS)]);
    await expect.poll(controlled(alice.page)).toBe(true);
    await expect.poll(controlled(bob.page)).toBe(true);
    await makeContacts(alice, bob);
    expect(await runningHash()).toBe(hashA);
    expect(await textOf(alice.page.getByTestId('release-version'))()).toBe('0.1.0');
    await visible(alice.page.getByText('Signed with the Tincan release key'));
    expect(await textOf(alice.page.getByTestId('release-key'))()).toBe(key.publicKeyHex);
    await alice.lock();
  });

  test('a script with one byte changed, under the same name and version, is refused with a warning', async () => {
    await serve(
      await variant(async (dir) => {
        await changeOneByte(dir);
        await signRelease(dir, '0.1.0');
      }),
    );
    await reloadAlice();
    await expect.poll(warningReason, { timeout: 30_000 }).toBe('unsigned');
    expect(await warning().textContent()).toBe(NOT_SIGNED);
    await unlockAndChat('still release A after one changed byte');
    expect(await runningHash()).toBe(hashA);
    await alice.lock();
  });

  test('a script changed under the same name never runs, and with an unsigned manifest the user is warned', async () => {
    const tampered = await variant((dir) => prependToEntry(dir, setsMarker(TAMPERED)));
    await serve(tampered);
    // The changed script does run in a browser that never saw release A: the mark works.
    const stranger = await stage.browser.newContext();
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(relay.httpUrl);
    await expect.poll(markerOf(strangerPage, TAMPERED)).toBe('ran');
    await stranger.close();

    await reloadAlice();
    await reloadAlice();
    expect(await markerOf(alice.page, TAMPERED)()).toBeNull();

    await signRelease(tampered, '0.1.0');
    await reloadAlice();
    await expect.poll(warningReason, { timeout: 30_000 }).toBe('unsigned');
    expect(await warning().textContent()).toBe(NOT_SIGNED);
    expect(await markerOf(alice.page, TAMPERED)()).toBeNull();
    await unlockAndChat('still release A after an unsigned manifest');
    expect(await runningHash()).toBe(hashA);
    await alice.lock();
  });

  test('a manifest signed by another key is refused with the same warning', async () => {
    const other = await newReleaseKey();
    await serve(
      await variant(async (dir) => {
        await prependToEntry(dir, setsMarker(TAMPERED));
        await signRelease(dir, '0.2.0', other.signer);
      }),
    );
    await reloadAlice();
    await expect.poll(warningReason, { timeout: 30_000 }).toBe('bad-signature');
    expect(await warning().textContent()).toBe(NOT_SIGNED);
    await alice.screenshot('release-refused');
    await reloadAlice();
    expect(await markerOf(alice.page, TAMPERED)()).toBeNull();
    expect(await alice.page.locator('[data-release-offer]').count()).toBe(0);
    await unlockAndChat('still release A after another key');
    await alice.lock();
  });

  test('an older release, correctly signed, is refused as a downgrade', async () => {
    await serve(
      await variant(async (dir) => {
        await prependToEntry(dir, setsMarker(TAMPERED));
        await signRelease(dir, '0.0.9', key.signer);
      }),
    );
    await reloadAlice();
    await expect.poll(warningReason, { timeout: 30_000 }).toBe('downgrade');
    expect(await warning().textContent()).toBe(
      'The server offered an older release (0.0.9), which Tincan never goes back to. You are still running release 0.1.0.',
    );
    expect(await markerOf(alice.page, TAMPERED)()).toBeNull();
    await unlockAndChat('still release A after a downgrade');
    expect(await runningHash()).toBe(hashA);
    await alice.lock();
  });

  test('a correctly signed newer release B is offered, and runs after the user accepts it', async () => {
    let hashB = '';
    await serve(
      await variant(async (dir) => {
        await prependToEntry(dir, setsMarker(RELEASE_B));
        hashB = await signRelease(dir, '0.2.0', key.signer);
      }),
    );
    await reloadAlice();
    const offer = alice.page.locator('[data-release-offer]');
    await visible(offer, 30_000);
    expect(await offer.textContent()).toContain('Release 0.2.0 is available');
    await alice.screenshot('release-offered');
    expect(await offer.textContent()).toContain(hashB.slice(0, 16));
    expect(await warning().count()).toBe(0);
    expect(await markerOf(alice.page, RELEASE_B)()).toBeNull();

    await alice.page.getByRole('button', { name: 'Later' }).click();
    expect(await offer.count()).toBe(0);
    await reloadAlice();
    await visible(offer, 30_000);
    expect(await markerOf(alice.page, RELEASE_B)()).toBeNull();

    await alice.page.getByRole('button', { name: 'Update now' }).click();
    await expect.poll(markerOf(alice.page, RELEASE_B)).toBe('ran');
    await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor();
    await unlockAndChat('now on release B');
    expect(await runningHash()).toBe(hashB);
    expect(await textOf(alice.page.getByTestId('release-version'))()).toBe('0.2.0');
    expect(await markerOf(alice.page, TAMPERED)()).toBeNull();
  });
});
