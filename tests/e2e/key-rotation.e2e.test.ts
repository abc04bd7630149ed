/**
 * Changing one's identity key, end to end: real Chromium, three people in three browser contexts, the real
 * relay. Bob changes his key in Settings; Alice (online) and Carol (away at the time) each get his signed
 * rotation, keep the conversation under his new key, and see him as "Key changed", no longer verified, until
 * they compare the new safety number. Bob keeps his conversations too.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeContacts } from './support/call-setup.ts';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

let stage: Stage;
let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  stage = await openStage();
  const open = (name: string) => Person.open(stage.browser, stage.relay.httpUrl, name);
  [alice, bob, carol] = await Promise.all([open('Alice'), open('Bob'), open('Carol')]);
  await Promise.all([alice, bob, carol].map((p) => p.create(`${p.name} passphrase`)));
  await Promise.all([alice, bob, carol].map((p) => p.waitOnline()));
  await makeContacts(alice, bob);
  await makeContacts(carol, bob);
});

afterAll(() => closeStage(stage, [alice, bob, carol]));

async function openSafety(person: Person, name: string): Promise<string> {
  await person.openChat(name);
  await person.page.getByRole('button', { name: 'Safety number', exact: true }).first().click();
  return person.safetyDigits();
}

const backToChat = (person: Person) => person.page.getByRole('button', { name: 'Back to chat' }).click();

describe('changing an identity key', () => {
  test('Bob changes his key; Alice keeps the conversation, sees the change, and must verify again', async () => {
    const oldCode = await bob.myCode();
    const oldDigits = await openSafety(alice, 'Bob');
    await alice.page.getByRole('button', { name: 'The digits match: mark as verified' }).click();
    await visible(alice.contactButton('Bob').locator('.badge.verified'));
    await backToChat(alice);
    await alice.send('before the change');
    await bob.openChat('Alice');
    await bob.message('before the change').waitFor({ timeout: 20_000 });

    // Carol is away (locked) when Bob changes his key.
    await carol.lock();

    await bob.page.getByRole('button', { name: 'Settings and backup' }).click();
    await bob.page.getByRole('button', { name: 'Change my identity key…' }).click();
    await bob.page
      .getByRole('button', { name: 'Change my key and tell 2 contacts' })
      .scrollIntoViewIfNeeded();
    await bob.screenshot('rotation-01-confirm');
    await bob.page.getByRole('button', { name: 'Change my key and tell 2 contacts' }).click();
    await expect
      .poll(textOf(bob.page.getByTestId('rotation-status')))
      .toContain('1 of your contacts has not received your new key yet');
    expect(await bob.myCode()).not.toBe(oldCode);

    // Alice: same contact, same thread, new key; a signed key change, no longer verified.
    await visible(alice.contactButton('Bob').locator('.badge.warning'));
    await expect.poll(() => alice.contactButton('Bob').locator('.badge.verified').count()).toBe(0);
    await alice.openChat('Bob');
    await visible(
      alice.page.getByText('Bob changed their identity key, and their old key signed the change'),
    );
    await visible(alice.page.getByText('Bob changed their identity key. Compare safety numbers'));
    await visible(alice.message('before the change'));
    await alice.screenshot('rotation-02-key-changed');

    // Bob's own side keeps the conversation too, with a line about his change.
    await bob.openChat('Alice');
    await visible(bob.message('before the change'));
    await visible(bob.page.getByText('You changed your identity key.'));
    await bob.screenshot('rotation-03-own-side');

    // The new safety number is the same on both pages, and differs from the old one.
    const newDigits = await openSafety(alice, 'Bob');
    expect(newDigits).not.toBe(oldDigits);
    expect(await openSafety(bob, 'Alice')).toBe(newDigits);
    await alice.page.getByRole('button', { name: 'The digits match: mark as verified' }).click();
    await visible(alice.contactButton('Bob').locator('.badge.verified'));
    await Promise.all([backToChat(alice), backToChat(bob)]);

    // Chat both ways under the new key.
    await bob.send('from my new key');
    await alice.message('from my new key').waitFor({ timeout: 20_000 });
    await alice.send('to your new key');
    await bob.message('to your new key').waitFor({ timeout: 20_000 });
  });

  test('Carol, away during the change, gets it when she is back; a reload keeps the new key', async () => {
    await carol.unlock('Carol passphrase');
    await carol.waitUnlocked();
    // Bob's new key retries at most 30 s apart: Carol cannot tell a key she does not know that she is back.
    await visible(carol.contactButton('Bob').locator('.badge.warning'), 45_000);
    await bob.page.getByRole('button', { name: 'Settings and backup' }).click();
    await expect
      .poll(textOf(bob.page.getByTestId('rotation-status')))
      .toContain('All your contacts know your new key');

    await carol.page.reload();
    await carol.unlock('Carol passphrase');
    await carol.waitUnlocked();
    await visible(carol.contactButton('Bob').locator('.badge.warning'));
    const digits = await openSafety(carol, 'Bob');
    expect(await openSafety(bob, 'Carol')).toBe(digits);
    await Promise.all([backToChat(carol), backToChat(bob)]);
    await carol.send('hello new Bob');
    await bob.message('hello new Bob').waitFor({ timeout: 20_000 });
  });
});
