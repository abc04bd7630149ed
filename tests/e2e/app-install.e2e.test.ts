/**
 * The installable app, from a build without a release key (`npm install && npm start`): Chromium finds
 * nothing against installing it, the release worker controls the page, the app opens and unlocks with the
 * relay stopped or the browser offline and connects when they are back, and a changed build on the server is only offered, with the
 * plain words that nobody signed it, until the user accepts it (spec/releases.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type BuiltClient, buildClient } from './support/build-client.ts';
import { launchChromiumProfile } from './support/chromium.ts';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { startRelay } from './support/relay.ts';
import {
  controlled,
  copyClient,
  markerOf,
  prependToEntry,
  removeClient,
  setsMarker,
  signRelease,
} from './support/releases.ts';
import { useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const PASS = 'offline horse battery';
const CHANGED = 'tincan-changed-build-ran';

let client: BuiltClient;
let relay: Relay;
let port: number;
let profileDir: string;
let context: BrowserContext;
let alice: Person;
const extraDirs: string[] = [];

beforeAll(async () => {
  profileDir = await mkdtemp(join(tmpdir(), 'tincan-profile-'));
  [client, context] = await Promise.all([buildClient(), launchChromiumProfile(profileDir)]);
  relay = await startRelay(client.dir);
  port = Number(new URL(relay.httpUrl).port);
});

afterAll(async () => {
  const errors = alice?.errors ?? [];
  await context?.close();
  await relay?.close();
  await client?.remove();
  await Promise.all(extraDirs.map(removeClient));
  await rm(profileDir, { recursive: true, force: true });
  expect(errors.filter((e) => !/Failed to load resource|WebSocket|ERR_CONNECTION_REFUSED/.test(e))).toEqual(
    [],
  );
});

describe('the installable app', () => {
  test('Chromium has no installability errors, and the release worker controls the page', async () => {
    alice = await Person.inContext(context, relay.httpUrl, 'Alice');
    await alice.page.getByRole('button', { name: 'Create my identity' }).waitFor();
    await expect.poll(controlled(alice.page)).toBe(true);

    const cdp = await context.newCDPSession(alice.page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
    expect(manifest.url).toBe(`${relay.httpUrl}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: unknown[];
    };
    expect(installabilityErrors).toEqual([]);
    await cdp.detach();
  });

  test('with the relay stopped, a reload shows the unlock screen and unlocking works; it connects when the relay is back', async () => {
    await alice.create(PASS);
    await alice.waitOnline();
    await relay.close();

    await alice.page.reload();
    await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor();
    await alice.unlock(PASS);
    await alice.waitUnlocked();
    await visible(alice.page.locator('[data-relay-status="retrying"]'));
    expect(await alice.page.locator('[data-relay-status]').textContent()).toMatch(/No connection/);
    await alice.page.getByRole('button', { name: 'Settings and backup' }).click();
    await expect.poll(textOf(alice.page.getByTestId('release-version'))).toBe('0.1.0');
    await expect
      .poll(textOf(alice.page.getByText(/releases are not signed/)))
      .toMatch(/shows you any change before using it/);
    await alice.page.getByRole('heading', { name: 'About' }).scrollIntoViewIfNeeded();
    await alice.screenshot('release-about-unsigned');

    relay = await startRelay(client.dir, port);
    await alice.waitOnline();
  });

  test('with the browser offline, the app opens and unlocks, says so, and connects when the network returns', async () => {
    await context.setOffline(true);
    try {
      await alice.page.reload();
      await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor();
      await alice.unlock(PASS);
      await alice.waitUnlocked();
      await expect
        .poll(textOf(alice.page.locator('[data-relay-status]')))
        .toContain('Offline: connects when the network returns');
    } finally {
      await context.setOffline(false);
    }
    await alice.waitOnline();
  });

  test('a changed unsigned build is offered, never run, until the user accepts it', async () => {
    await alice.page.getByRole('button', { name: 'Settings and backup' }).click();
    const running = await textOf(alice.page.getByTestId('release-hash'))();
    expect(running).toMatch(/^[0-9a-f]{64}$/);
    const changed = await copyClient(client.dir);
    extraDirs.push(changed);
    await prependToEntry(changed, setsMarker(CHANGED));
    const changedHash = await signRelease(changed, '0.1.0');
    await relay.close();
    relay = await startRelay(changed, port);

    await alice.page.reload();
    await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor();
    const offer = alice.page.locator('[data-release-offer]');
    await visible(offer, 30_000);
    expect(await offer.textContent()).toContain("This server's code changed");
    expect(await offer.textContent()).toContain('Its releases are not signed');
    expect(await offer.textContent()).toContain(changedHash.slice(0, 16));
    expect(await markerOf(alice.page, CHANGED)()).toBeNull();

    await alice.page.reload();
    await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor();
    await visible(offer, 30_000);
    expect(await markerOf(alice.page, CHANGED)()).toBeNull();

    await alice.page.getByRole('button', { name: 'Use the new code' }).click();
    await expect.poll(markerOf(alice.page, CHANGED)).toBe('ran');
    await alice.unlock(PASS);
    await alice.waitUnlocked();
    await alice.page.getByRole('button', { name: 'Settings and backup' }).click();
    await expect.poll(textOf(alice.page.getByTestId('release-hash'))).toBe(changedHash);
  });
});
