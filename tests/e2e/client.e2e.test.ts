/**
 * The client end to end: real Chromium, two browser contexts as two people, the real relay serving the
 * built client. The steps build on each other (the people, their contacts) and run in order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type BuiltClient, buildClient } from './support/build-client.ts';
import { launchChromium } from './support/chromium.ts';
import { measureFirstLoad } from './support/client-metrics.ts';
import { countOf, inputValueOf, textOf, visible } from './support/expect.ts';
import { ARTIFACTS, Person } from './support/person.ts';
import { startRelay } from './support/relay.ts';

// expect.poll's default (1 s) is too short for a relay round trip on a loaded machine.
vi.setConfig({
  testTimeout: 90_000,
  hookTimeout: 120_000,
  expect: { poll: { timeout: 15_000, interval: 100 } },
});

const ALICE_PASS = 'correct horse battery';
const BOB_PASS = 'staple battery horse';

let client: BuiltClient;
let relay: Relay;
let browser: Browser;
const people: Person[] = [];
let alice: Person;
let bob: Person;

async function person(name: string, options: { mobile?: boolean; url?: string } = {}): Promise<Person> {
  const opened = await Person.open(browser, options.url ?? relay.httpUrl, name, options);
  people.push(opened);
  return opened;
}

beforeAll(async () => {
  [client, browser] = await Promise.all([buildClient(), launchChromium()]);
  relay = await startRelay(client.dir);
});

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await client?.remove();
});

describe('Tincan in the browser', () => {
  test('first screen: small first-load script, strict CSP, no inline script or style, no QR decoder', async () => {
    const firstLoad = await measureFirstLoad(client.dir);
    console.log(
      `first-load JS: ${firstLoad.files.join(', ')}: ${firstLoad.bytes} B, ${firstLoad.gzipBytes} B gzip`,
    );
    expect(firstLoad.files).toHaveLength(1);
    expect(firstLoad.gzipBytes).toBeLessThanOrEqual(45 * 1024);

    const html = readFileSync(join(client.dir, 'index.html'), 'utf8');
    // The one inline script is the import map (integrity of the chunks; tests/e2e/page-integrity.e2e.test.ts).
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)(?! type="importmap">)[^>]*>/);
    expect(html).not.toMatch(/style=/);
    const first = await person('First');
    const csp = (await first.page.request.get(relay.httpUrl)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    await first.page.getByRole('button', { name: 'Create my identity' }).waitFor();
    const scripts = await first.page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((name) => name.endsWith('.js')),
    );
    expect(scripts.some((name) => name.includes('/assets/index-'))).toBe(true);
    expect(scripts.some((name) => /jsQR/i.test(name))).toBe(false);
    await first.screenshot('01-welcome');
    await first.close();
  });

  test('create both identities', async () => {
    alice = await person('Alice');
    bob = await person('Bob');
    await Promise.all([alice.create(ALICE_PASS), bob.create(BOB_PASS)]);
    await Promise.all([alice.waitOnline(), bob.waitOnline()]);
    await alice.screenshot('02-home-empty');
  });

  test('a bad code gets a clear message and adds nobody', async () => {
    const code = await bob.myCode();
    await bob.screenshot('03-my-code');
    // One character changed: the checksum catches it.
    const typo = code.slice(0, 20) + (code[20] === 'A' ? 'B' : 'A') + code.slice(21);
    await alice.checkCode(typo);
    await expect.poll(textOf(alice.page.getByRole('alert'))).toContain('typo');
    await alice.checkCode('hello there');
    await expect.poll(textOf(alice.page.getByRole('alert'))).toContain('not a Tincan contact code');
    await alice.screenshot('04-bad-code');
    await expect.poll(countOf(alice.page.getByTestId('add-preview'))).toBe(0);
    await expect.poll(countOf(alice.page.locator('[data-contact]'))).toBe(0);
  });

  test('exchange by text; request and accept; safety numbers are equal on both pages', async () => {
    await alice.checkCode(await bob.myCode());
    const preview = alice.page.getByTestId('add-preview');
    await expect.poll(textOf(preview)).toContain('Bob');
    const digitsAtAlice = await alice.safetyDigits();
    expect(digitsAtAlice).toMatch(/^\d{60}$/);
    await alice.screenshot('05-add-preview');
    await alice.sendRequest();
    await alice.screenshot('06-request-sent');

    await bob.openRequest('Alice');
    expect(await bob.safetyDigits()).toBe(digitsAtAlice);
    await bob.screenshot('07-contact-request');
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await bob.page.getByTestId('chat-title').filter({ hasText: 'Alice' }).waitFor();
    // Alice sees the acceptance: her composer opens.
    await alice.page.getByPlaceholder('Message Bob').waitFor({ timeout: 20_000 });

    // The safety-number screens agree too, and both show "not verified" until someone checks.
    await alice.page.getByRole('button', { name: 'Safety number' }).click();
    await bob.openChat('Alice');
    await bob.page.getByRole('button', { name: 'Safety number' }).click();
    expect(await alice.safetyDigits()).toBe(await bob.safetyDigits());
    await visible(alice.page.locator('.pane').getByText('Not verified'));
  });

  test('mark verified: the state shows wherever the contact appears', async () => {
    await alice.page.getByRole('button', { name: 'The digits match: mark as verified' }).click();
    await visible(alice.page.locator('.pane .badge.verified'));
    await visible(alice.contactButton('Bob').locator('.badge.verified'));
    await alice.screenshot('08-safety-number');
    await alice.page.getByRole('button', { name: 'Back to chat' }).click();
    await visible(alice.page.locator('.pane-header .badge.verified'));
  });

  test('verify by scanning the other page’s safety-number QR (from a picture)', async () => {
    // Bob scans Alice's safety-number code: a screenshot of it, fed to the scanner's picture input.
    await alice.page.getByRole('button', { name: 'Safety number' }).click();
    const picture = await alice.page.getByRole('img', { name: /QR code of your safety number/ }).screenshot();
    await bob.page.getByRole('button', { name: /^Scan Alice's code$/ }).click();
    await bob.page
      .getByLabel('Safety number QR code: choose a picture')
      .setInputFiles({ name: 'safety.png', mimeType: 'image/png', buffer: picture });
    await visible(bob.page.getByText('The codes match'), 15_000);
    await visible(bob.contactButton('Alice').locator('.badge.verified'));
    await alice.page.getByRole('button', { name: 'Back to chat' }).click();
    await bob.page.getByRole('button', { name: 'Back to chat' }).click();
  });

  test('chat both ways with delivered and read receipts, typing and unread counts', async () => {
    await alice.send('Hello Bob');
    await bob.message('Hello Bob').waitFor();
    // Bob has the chat open, so Alice's message is read at once.
    await visible(alice.message('Hello Bob').locator('[data-status="read"]'), 15_000);

    // Typing indicator.
    await bob.page.getByRole('textbox', { name: /^Message to / }).pressSequentially('Hi', { delay: 30 });
    await visible(alice.page.getByText('Bob is typing…'), 10_000);
    await bob.page.getByRole('textbox', { name: /^Message to / }).press('Enter');
    await alice.message('Hi').waitFor();
    await expect.poll(countOf(alice.page.getByText('Bob is typing…'))).toBe(0);

    // Unread count while Alice looks elsewhere; read receipt once she opens the chat.
    await alice.page.getByRole('button', { name: 'My code', exact: true }).click();
    await bob.send('Are you there?');
    await expect.poll(textOf(alice.contactButton('Bob').locator('.unread')), { timeout: 15_000 }).toBe('1');
    await visible(bob.message('Are you there?').locator('[data-status="delivered"]'));
    await alice.screenshot('09-unread');
    await alice.openChat('Bob');
    await visible(bob.message('Are you there?').locator('[data-status="read"]'), 15_000);
    await expect.poll(countOf(alice.contactButton('Bob').locator('.unread'))).toBe(0);
    await alice.screenshot('10-chat');
    await bob.screenshot('11-chat-bob');
  });

  test('a disappearing timer set by one side removes a message on both sides', async () => {
    await alice.page.getByLabel('Disappearing messages').selectOption({ label: '10 seconds' });
    await visible(bob.page.getByText('Alice set disappearing messages to 10 seconds.'), 15_000);
    await expect.poll(inputValueOf(bob.page.getByLabel('Disappearing messages'))).toBe('10');
    await bob.send('This will vanish');
    await alice.message('This will vanish').waitFor();
    await alice.screenshot('12-disappearing');
    await expect.poll(countOf(alice.message('This will vanish')), { timeout: 20_000 }).toBe(0);
    await expect.poll(countOf(bob.message('This will vanish')), { timeout: 5_000 }).toBe(0);
    // Earlier messages, sent before the timer, stay.
    await expect.poll(countOf(alice.message('Hello Bob'))).toBe(1);
    await bob.page.getByLabel('Disappearing messages').selectOption({ label: 'Off' });
    await visible(alice.page.getByText('Bob turned off disappearing messages.'), 15_000);
  });

  test('lock, wrong passphrase, unlock; reload keeps identity and contacts but not history', async () => {
    await alice.lock();
    await expect.poll(countOf(alice.page.getByRole('button', { name: 'Add contact', exact: true }))).toBe(0);
    await alice.unlock('not the passphrase');
    await expect.poll(textOf(alice.page.getByRole('alert'))).toContain('Wrong passphrase');
    await alice.screenshot('13-wrong-passphrase');
    await alice.unlock(ALICE_PASS);
    await alice.waitUnlocked();
    await visible(alice.contactButton('Bob'));
    await visible(alice.contactButton('Bob').locator('.badge.verified'));
    await alice.openChat('Bob');
    await expect.poll(countOf(alice.message('Hello Bob'))).toBe(0);

    await bob.page.reload();
    await visible(bob.page.getByRole('heading', { name: 'Unlock' }));
    await bob.unlock(BOB_PASS);
    await bob.waitUnlocked();
    await bob.openChat('Alice');
    await expect.poll(countOf(bob.message('Hi'))).toBe(0);
    await Promise.all([alice.waitOnline(), bob.waitOnline()]);
    // After both reloaded their sessions, the conversation works again.
    await alice.send('Back again');
    await bob.message('Back again').waitFor({ timeout: 20_000 });
  });

  test('a message to an offline contact arrives exactly once when it comes online', async () => {
    await bob.lock();
    await visible(alice.page.locator('.pane-header').getByText('offline'), 15_000);
    await alice.send('While you were away');
    await visible(alice.message('While you were away').locator('[data-status="waiting"]'));
    await alice.screenshot('14-waiting-offline');
    await bob.unlock(BOB_PASS);
    await bob.waitUnlocked();
    await expect.poll(textOf(bob.contactButton('Alice').locator('.unread')), { timeout: 30_000 }).toBe('1');
    await bob.openChat('Alice');
    await expect.poll(countOf(bob.message('While you were away'))).toBe(1);
    await visible(alice.message('While you were away').locator('[data-status="read"]'), 15_000);
    // Nothing arrives twice, even after the outbox's resend timers have had time to fire.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await expect.poll(countOf(bob.message('While you were away'))).toBe(1);
  });

  test('a relay restart: connection state is visible, nothing is lost or shown twice', async () => {
    const port = relay.port;
    await relay.close();
    await visible(alice.page.locator('[data-relay-status="retrying"]'), 15_000);
    await alice.screenshot('15-relay-down');
    await alice.send('Sent while the relay was down');
    relay = await startRelayOn(port);
    await Promise.all([alice.waitOnline(), bob.waitOnline()]);
    await bob.message('Sent while the relay was down').waitFor({ timeout: 45_000 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await expect.poll(countOf(bob.message('Sent while the relay was down'))).toBe(1);
    // The browser reports each refused reconnect as a console error; those are expected here.
    for (const p of [alice, bob])
      p.errors.splice(
        0,
        p.errors.length,
        ...p.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)),
      );
  });

  test('exchange by link: a #add= link opened before creating an identity', async () => {
    const link = await alice.myLink();
    expect(link).toMatch(/\/#add=TC1/);
    const carol = await person('Carol', { url: link });
    await visible(carol.page.getByText('then the contact you opened is added'));
    expect(new URL(carol.page.url()).hash).toBe('');
    await carol.create('carol passphrase');
    await expect.poll(textOf(carol.page.getByTestId('add-preview'))).toContain('Alice');
    await carol.sendRequest();
    await alice.openRequest('Carol');
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await carol.page.getByPlaceholder('Message Alice').waitFor({ timeout: 20_000 });
    await carol.send('Hi from Carol');
    await alice.message('Hi from Carol').waitFor();
  });

  test('exchange by QR: a picture of the code, and the camera (scanned in person starts verified)', async () => {
    // A picture (a screenshot of Alice's QR): not in person, so not verified.
    await alice.page.getByRole('button', { name: 'My code', exact: true }).click();
    const picture = await alice.page.getByRole('img', { name: /QR code of your contact code/ }).screenshot();
    const dave = await person('Dave');
    await dave.create('dave passphrase');
    await dave.openAdd();
    await dave.page.getByRole('button', { name: 'Scan QR code' }).click();
    await dave.page
      .getByLabel('Contact QR code: choose a picture')
      .setInputFiles({ name: 'alice.png', mimeType: 'image/png', buffer: picture });
    await expect.poll(textOf(dave.page.getByTestId('add-preview'))).toContain('Alice');
    // No BarcodeDetector for QR in Chromium on Linux: the JS decoder was fetched when the scanner opened.
    const loaded = await dave.page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => e.name),
    );
    expect(loaded.some((name) => /jsQR/i.test(name))).toBe(true);
    await expect.poll(countOf(dave.page.getByText('Scanned in person'))).toBe(0);
    await dave.screenshot('16-scanned-picture');

    // The camera: a browser whose fake camera shows Alice's QR code.
    const { writeQrVideo } = await import('./support/fake-camera.ts');
    const video = join(ARTIFACTS, 'alice-qr.y4m');
    writeQrVideo(await alice.myLink(), video);
    const cameraBrowser = await launchChromium([`--use-file-for-fake-video-capture=${video}`]);
    try {
      const erin = await Person.open(cameraBrowser, relay.httpUrl, 'Erin');
      people.push(erin);
      await erin.create('erin passphrase');
      await erin.openAdd();
      await erin.page.getByRole('button', { name: 'Scan QR code' }).click();
      await expect.poll(textOf(erin.page.getByTestId('add-preview')), { timeout: 20_000 }).toContain('Alice');
      await visible(erin.page.getByText('Scanned in person'));
      await erin.sendRequest();
      await visible(erin.contactButton('Alice').locator('.badge.verified'));
      await erin.screenshot('17-scanned-in-person');
      await erin.close();
    } finally {
      await cameraBrowser.close();
    }
  });

  test('key change: a new key under a known name is flagged and starts unverified', async () => {
    // "Bob" again, with a new identity: Alice already has a verified Bob.
    const impostor = await person('Bob');
    await impostor.create('another passphrase');
    await impostor.checkCode(await alice.myCode());
    await impostor.sendRequest();
    await alice.openRequest('Bob');
    await expect
      .poll(textOf(alice.page.getByRole('alert')))
      .toContain('You already have a contact named Bob');
    await alice.screenshot('18-key-change-request');
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(textOf(alice.contactButton('Bob').locator('.badge.warning'))).toMatch(/Key changed/);
    await visible(alice.page.getByText("Bob's key changed"));
    await alice.screenshot('19-key-changed');
  });

  test('export a backup and restore it in another browser: same identity and contacts', async () => {
    await alice.page.getByRole('button', { name: 'Settings and backup' }).click();
    const [download] = await Promise.all([
      alice.page.waitForEvent('download'),
      alice.page.getByRole('button', { name: 'Export backup' }).click(),
    ]);
    const file = join(ARTIFACTS, 'alice.tincan');
    await download.saveAs(file);
    await alice.screenshot('20-settings');
    const aliceCode = await alice.myCode();

    const restored = await person('Alice restored');
    await restored.page.getByRole('tab', { name: 'Restore a backup' }).click();
    await restored.page.getByLabel('Backup file').setInputFiles(file);
    await restored.page.getByLabel('Passphrase of the backup').fill('wrong passphrase');
    await restored.page.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(textOf(restored.page.getByRole('alert'))).toContain('Wrong passphrase');
    await restored.page.getByLabel('Passphrase of the backup').fill(ALICE_PASS);
    await restored.page.getByRole('button', { name: 'Restore' }).click();
    await restored.waitUnlocked();
    expect(await restored.myCode()).toBe(aliceCode);
    await visible(restored.contactButton('Carol'));
    await restored.close();
  });

  test('one unlocked tab at a time: unlocking a second tab locks the first', async () => {
    const second = await bob.newTab();
    await second.getByLabel('Passphrase', { exact: true }).fill(BOB_PASS);
    await second.getByRole('button', { name: 'Unlock' }).click();
    await second.getByRole('button', { name: 'Add contact', exact: true }).waitFor({ timeout: 30_000 });
    await bob.page.getByRole('heading', { name: 'Unlock' }).waitFor({ timeout: 15_000 });
    await second.close();
  });

  test('phone layout and dark mode', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 780 }, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(relay.httpUrl);
    await page.screenshot({ path: join(ARTIFACTS, '21-phone-dark-welcome.png') });
    await context.close();
    await alice.page.setViewportSize({ width: 390, height: 780 });
    await alice.page.emulateMedia({ colorScheme: 'dark' });
    await alice.page.getByRole('button', { name: 'Back to contacts' }).first().click();
    await alice.screenshot('22-phone-dark-list');
    await alice.openChat('Bob');
    await alice.screenshot('23-phone-dark-chat');
    await alice.page.keyboard.press('Escape');
    await visible(alice.contactButton('Bob'));
  });

  test('no console errors on any page', () => {
    expect(people.flatMap((p) => p.errors)).toEqual([]);
  });
});

function startRelayOn(port: number): Promise<Relay> {
  return import('../../relay/server.ts').then(({ createRelay }) =>
    createRelay({ host: '127.0.0.1', port, staticDir: client.dir }),
  );
}
