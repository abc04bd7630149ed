/**
 * Messages waiting for their ack survive lock, reload and tab close, end to end: real Chromium, two browser
 * contexts, the real relay. Bob is away; Alice writes to him, is warned (by name) before she locks or
 * reloads, finds the message still waiting after she unlocks, and Bob gets it exactly once when he is back.
 * What IndexedDB holds meanwhile is read raw: the text is never in it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toHex, utf8 } from '../../crypto/bytes.ts';
import { makeContacts } from './support/call-setup.ts';
import { countOf, textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const ALICE_PASS = 'Alice passphrase';
const BOB_PASS = 'Bob passphrase';

let stage: Stage;
let alice: Person;
let bob: Person;

beforeAll(async () => {
  stage = await openStage();
  const open = (name: string) => Person.open(stage.browser, stage.relay.httpUrl, name);
  [alice, bob] = await Promise.all([open('Alice'), open('Bob')]);
  await Promise.all([alice.create(ALICE_PASS), bob.create(BOB_PASS)]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
  await makeContacts(alice, bob);
  await alice.openChat('Bob');
});

afterAll(() => closeStage(stage, [alice, bob]));

/** Every value in the app's IndexedDB store, as the JSON the browser keeps, by key. */
function storedValues(page: Page): Promise<Record<string, string>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, string>>((resolve, reject) => {
        const request = indexedDB.open('tincan');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const values: Record<string, string> = {};
          const cursor = db.transaction('vault', 'readonly').objectStore('vault').openCursor();
          cursor.onerror = () => reject(cursor.error);
          cursor.onsuccess = () => {
            const at = cursor.result;
            if (!at) {
              db.close();
              resolve(values);
              return;
            }
            values[String(at.key)] = JSON.stringify(at.value);
            at.continue();
          };
        };
      }),
  );
}

/** The outbox record is there, and neither the text nor its hex or base64 form is anywhere in storage. */
async function expectSealedAtRest(page: Page, text: string): Promise<void> {
  await expect.poll(async () => Object.keys(await storedValues(page))).toContain('outbox-v1');
  const everything = Object.values(await storedValues(page)).join('\n');
  expect(everything).not.toContain(text);
  expect(everything).not.toContain(toHex(utf8(text)));
  expect(everything).not.toContain(btoa(text));
  expect(everything).toContain('"name":"AES-256-GCM"');
}

async function bobAway(): Promise<void> {
  await bob.lock();
  await visible(alice.page.locator('.pane-header').getByText('offline'), 30_000);
}

async function bobBack(): Promise<void> {
  await bob.unlock(BOB_PASS);
  await bob.waitUnlocked();
  await bob.openChat('Alice');
}

let markers = 0;

/** Alice's message reached Bob: shown once there, acknowledged here, gone from storage. */
async function expectDeliveredOnce(text: string): Promise<void> {
  await bob.message(text).waitFor({ timeout: 45_000 });
  await visible(alice.message(text).locator('[data-status="delivered"], [data-status="read"]'), 30_000);
  await expect.poll(async () => Object.keys(await storedValues(alice.page))).not.toContain('outbox-v1');
  // A message sent after it arrives after it: anything resent meanwhile would be on screen by now.
  const marker = `Marker ${++markers}`;
  await alice.send(marker);
  await bob.message(marker).waitFor({ timeout: 30_000 });
  await expect.poll(countOf(bob.message(text))).toBe(1);
}

describe('messages waiting for their ack, at rest', () => {
  test('lock: the warning names Bob; after unlock the message waits, then reaches Bob exactly once', async () => {
    await bobAway();
    const text = 'Kept while you were away';
    await alice.send(text);
    await visible(alice.message(text).locator('[data-status="waiting"]'));
    await expectSealedAtRest(alice.page, text);

    await alice.page.getByRole('button', { name: 'Lock Tincan' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Lock with messages waiting?' });
    await visible(dialog);
    await expect.poll(textOf(dialog.getByTestId('lock-warning'))).toBe('1 message is still waiting for Bob.');
    await alice.screenshot('outbox-lock-warning');
    // Staying is a real choice: nothing happens.
    await dialog.getByRole('button', { name: 'Stay unlocked' }).click();
    await expect.poll(countOf(dialog)).toBe(0);
    await visible(alice.message(text));

    await alice.page.getByRole('button', { name: 'Lock Tincan' }).click();
    await dialog.getByRole('button', { name: 'Lock anyway' }).click();
    await alice.page.getByRole('heading', { name: 'Unlock' }).waitFor({ timeout: 30_000 });
    await expectSealedAtRest(alice.page, text);

    await alice.unlock(ALICE_PASS);
    await alice.waitUnlocked();
    await alice.openChat('Bob');
    await visible(alice.message(text).locator('[data-status="waiting"]'));
    await expect.poll(countOf(alice.message(text))).toBe(1);
    await alice.screenshot('outbox-restored-waiting');

    await bobBack();
    await expectDeliveredOnce(text);
  });

  test('reload: the browser asks first; after unlock the message waits, then reaches Bob exactly once', async () => {
    await bobAway();
    const text = 'Kept across a reload';
    await alice.send(text);
    await visible(alice.message(text).locator('[data-status="waiting"]'));
    await expectSealedAtRest(alice.page, text);

    const asked: string[] = [];
    alice.page.once('dialog', (dialog) => {
      asked.push(dialog.type());
      void dialog.accept();
    });
    await alice.page.reload();
    expect(asked).toEqual(['beforeunload']);
    await visible(alice.page.getByRole('heading', { name: 'Unlock' }));
    await expectSealedAtRest(alice.page, text);

    await alice.unlock(ALICE_PASS);
    await alice.waitUnlocked();
    await alice.openChat('Bob');
    await visible(alice.message(text).locator('[data-status="waiting"]'));

    await bobBack();
    await expectDeliveredOnce(text);
  });

  test('a waiting message deleted in the thread is never sent, and nothing is asked on reload', async () => {
    await bobAway();
    const text = 'Never mind this one';
    await alice.send(text);
    const line = alice.message(text);
    await visible(line.locator('[data-status="waiting"]'));
    await line.getByRole('button', { name: 'Delete this message' }).click();
    await expect.poll(countOf(line)).toBe(0);
    await expect.poll(async () => Object.keys(await storedValues(alice.page))).not.toContain('outbox-v1');

    const asked: string[] = [];
    const onDialog = (dialog: { type(): string; accept(): Promise<void> }) => {
      asked.push(dialog.type());
      void dialog.accept();
    };
    alice.page.on('dialog', onDialog);
    await alice.page.reload();
    alice.page.off('dialog', onDialog);
    expect(asked).toEqual([]);
    await alice.unlock(ALICE_PASS);
    await alice.waitUnlocked();
    await alice.openChat('Bob');
    await expect.poll(countOf(alice.message(text))).toBe(0);

    await bobBack();
    await Promise.all([alice.waitOnline(), bob.waitOnline()]);
    await alice.send('Only this one');
    await bob.message('Only this one').waitFor({ timeout: 30_000 });
    expect(await bob.message(text).count()).toBe(0);
  });
});
