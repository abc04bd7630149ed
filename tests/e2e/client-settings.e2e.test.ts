/**
 * Settings end to end, in Chromium through the real relay: changing the passphrase, and blocking a contact
 * (from the contact screen, and a request blocked before it was answered).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeContacts } from './support/call-setup.ts';
import { countOf, textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

let stage: Stage;
let alice: Person;
let bob: Person;

beforeAll(async () => {
  stage = await openStage();
  const open = (name: string) => Person.open(stage.browser, stage.relay.httpUrl, name);
  [alice, bob] = await Promise.all([open('Alice'), open('Bob')]);
  await Promise.all([alice.create('alice first passphrase'), bob.create('bob passphrase')]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
  await makeContacts(alice, bob);
});

afterAll(() => closeStage(stage, [alice, bob]));

const settings = (person: Person) => person.page.getByRole('button', { name: 'Settings and backup' }).click();

async function changePassphrase(person: Person, current: string, next: string): Promise<void> {
  const { page } = person;
  await page.getByLabel('Current passphrase').fill(current);
  await page.getByLabel('New passphrase', { exact: true }).fill(next);
  await page.getByLabel('New passphrase again').fill(next);
  await page.getByRole('button', { name: 'Change passphrase' }).click();
}

describe('settings', () => {
  test('change passphrase: a wrong current one is refused; then only the new one unlocks', async () => {
    await settings(alice);
    await changePassphrase(alice, 'not my passphrase', 'alice second passphrase');
    await visible(alice.page.getByText('The current passphrase is wrong'));
    await changePassphrase(alice, 'alice first passphrase', 'short');
    await visible(alice.page.getByText('Use at least 8 characters'));
    await changePassphrase(alice, 'alice first passphrase', 'alice second passphrase');
    await visible(alice.page.getByText('Passphrase changed.'), 30_000);
    await alice.screenshot('settings-01-passphrase-changed');

    await alice.lock();
    await alice.unlock('alice first passphrase');
    await visible(alice.page.getByText('Wrong passphrase. Check it and try again.'), 30_000);
    await alice.page.getByLabel('Passphrase', { exact: true }).fill('');
    await alice.unlock('alice second passphrase');
    await alice.waitUnlocked();
    await visible(alice.contactButton('Bob'));
    await alice.waitOnline();
  });

  test('block: nothing from a blocked contact arrives, the block survives a reload, unblocking restores chat', async () => {
    await alice.openChat('Bob');
    await bob.openChat('Alice');
    await bob.send('before the block');
    await alice.message('before the block').waitFor({ timeout: 20_000 });

    await alice.page.getByRole('button', { name: 'Safety number', exact: true }).first().click();
    await alice.page.getByRole('button', { name: 'Block Bob' }).click();
    await visible(alice.page.getByRole('heading', { name: 'Bob is blocked' }));
    await visible(alice.contactButton('Bob').getByText('Blocked'));
    await alice.page.getByRole('button', { name: 'Back to chat' }).click();
    await visible(alice.page.getByText('You blocked Bob'));
    const composer = alice.page.getByRole('textbox', { name: /^Message to / });
    expect(await composer.isDisabled()).toBe(true);
    expect(await composer.getAttribute('placeholder')).toBe('Unblock them to write');
    expect(await countOf(alice.page.getByRole('button', { name: /call with Bob$/ }))()).toBe(0);
    await alice.screenshot('settings-02-blocked');

    const forwarded = stage.relay.metrics.counts.forwarded;
    await bob.send('while blocked');
    // Bob's message reaches the relay but is never acknowledged, and Alice shows nothing.
    await expect.poll(() => stage.relay.metrics.counts.forwarded).toBeGreaterThan(forwarded);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await countOf(alice.message('while blocked'))()).toBe(0);
    await visible(bob.message('while blocked').locator('[data-status="waiting"]'));
    expect(await bob.message('while blocked').locator('[data-status="delivered"]').count()).toBe(0);

    // The block is stored: after a reload (and unlock) Bob is still blocked.
    await alice.page.reload();
    await alice.unlock('alice second passphrase');
    await alice.waitUnlocked();
    await visible(alice.contactButton('Bob').getByText('Blocked'));

    await settings(alice);
    await alice.page.getByRole('heading', { name: 'Blocked', exact: true }).scrollIntoViewIfNeeded();
    await alice.screenshot('settings-03-blocked-list');
    await alice.page.getByRole('button', { name: 'Unblock Bob' }).click();
    await expect.poll(countOf(alice.contactButton('Bob').getByText('Blocked'))).toBe(0);
    await alice.openChat('Bob');
    await visible(alice.page.getByRole('button', { name: 'Video call with Bob' }));
    // Bob's app kept what Alice never acknowledged: it arrives now, and Bob sees it delivered.
    await alice.message('while blocked').waitFor({ timeout: 40_000 });
    await visible(bob.message('while blocked').locator('[data-status="read"]'), 20_000);
    await alice.send('unblocked now');
    await bob.message('unblocked now').waitFor({ timeout: 20_000 });
    await bob.send('glad to hear');
    await alice.message('glad to hear').waitFor({ timeout: 20_000 });
  });

  test('a request blocked before it is answered never shows again', async () => {
    const mallory = await Person.open(stage.browser, stage.relay.httpUrl, 'Mallory');
    await mallory.create('mallory passphrase');
    await mallory.checkCode(await bob.myCode());
    await mallory.sendRequest();
    await bob.openRequest('Mallory');
    await bob.screenshot('settings-04-request');
    await bob.page.getByRole('button', { name: 'Block' }).click();
    await expect.poll(countOf(bob.page.getByText('Wants to add you'))).toBe(0);
    await settings(bob);
    await visible(bob.page.getByRole('button', { name: 'Unblock Mallory' }));
    // Mallory tries again (a reload re-sends an unanswered request): Bob sees nothing.
    await mallory.page.reload();
    await mallory.unlock('mallory passphrase');
    await mallory.waitUnlocked();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await countOf(bob.page.getByText('Wants to add you'))()).toBe(0);
    expect(await textOf(bob.page.getByRole('heading', { name: 'Blocked' }))()).toBe('Blocked');
    await mallory.close();
  });
});
