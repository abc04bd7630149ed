/**
 * Group chat end to end, in Chromium through the real relay: three people in three browser contexts. Alice
 * has Bob and Carol as contacts; Bob and Carol are not each other's. Alice makes a group of the three; they
 * chat with receipts from each; Carol locks (offline) and on unlocking gets what was sent meanwhile, once;
 * Carol is removed and gets nothing sent after. Then Dave, in the terminal (the tincan CLI), is added and
 * takes part with the browser members.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tincan, tincanInBackground } from '../support/cli-process.ts';
import { makeContacts } from './support/call-setup.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const PASS = {
  Alice: 'alice group passphrase',
  Bob: 'bob group passphrase',
  Carol: 'carol group passphrase',
};

let stage: Stage;
let alice: Person;
let bob: Person;
let carol: Person;
let cliDir: string;
let listener: ReturnType<typeof tincanInBackground> | undefined;

beforeAll(async () => {
  stage = await openStage();
  const open = (name: string) => Person.open(stage.browser, stage.relay.httpUrl, name);
  [alice, bob, carol] = await Promise.all([open('Alice'), open('Bob'), open('Carol')]);
  await Promise.all([alice.create(PASS.Alice), bob.create(PASS.Bob), carol.create(PASS.Carol)]);
  await Promise.all([alice.waitOnline(), bob.waitOnline(), carol.waitOnline()]);
  await makeContacts(alice, bob);
  await makeContacts(alice, carol);
});

afterAll(async () => {
  await listener?.stop();
  if (cliDir) await rm(cliDir, { recursive: true, force: true });
  await closeStage(stage, [alice, bob, carol]);
});

const groupButton = (person: Person) => person.page.locator('[data-group="Trio"]');
const openGroup = async (person: Person) => {
  await groupButton(person).click();
  await person.page.getByTestId('group-title').filter({ hasText: 'Trio' }).waitFor();
};
/** Opens the member list under the group's header, unless it is open. */
const showMembers = async (person: Person) => {
  if (await person.page.getByTestId('group-members').isVisible()) return;
  await person.page.getByRole('button', { name: 'Members', exact: true }).click();
  await person.page.getByTestId('group-members').waitFor();
};
const line = (person: Person, text: string) => person.page.locator('.system-line', { hasText: text });
const receipt = (person: Person, text: string) => person.message(text).getByTestId('group-receipt');
const send = async (person: Person, text: string) => {
  const composer = person.page.getByRole('textbox', { name: 'Message to Trio' });
  await composer.fill(text);
  await composer.press('Enter');
};

describe('group chat', () => {
  test('Alice makes a group of her contacts; both see it in their list', async () => {
    await alice.page.getByRole('button', { name: 'New group' }).click();
    await alice.page.getByLabel('Group name').fill('Trio');
    await alice.page.locator('[data-member="Bob"]').check();
    await alice.page.locator('[data-member="Carol"]').check();
    await alice.page.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByTestId('group-title').filter({ hasText: 'Trio' }).waitFor();
    await groupButton(bob).waitFor({ timeout: 30_000 });
    await groupButton(carol).waitFor({ timeout: 30_000 });
    await openGroup(bob);
    await openGroup(carol);
    await line(bob, 'Alice created the group “Trio”.').waitFor();
  });

  test('a message reaches both, and each one’s read receipt comes back: read by 2 of 2', async () => {
    await send(alice, 'hello trio');
    await bob.message('hello trio').waitFor({ timeout: 30_000 });
    await carol.message('hello trio').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => receipt(alice, 'hello trio').textContent(), { timeout: 30_000 })
      .toBe('read by 2 of 2');
  });

  test('Bob and Carol are not contacts, yet talk in the group; Carol sees Bob as not verified', async () => {
    await send(bob, 'hi from bob');
    await carol.message('hi from bob').waitFor({ timeout: 30_000 });
    await alice.message('hi from bob').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => receipt(bob, 'hi from bob').textContent(), { timeout: 30_000 })
      .toBe('read by 2 of 2');
    await showMembers(carol);
    const row = carol.page.locator('[data-member-row="Bob"]');
    await expect.poll(() => row.textContent()).toContain('Not verified');
    await expect.poll(() => row.textContent()).toContain('not a contact');
    await row.getByRole('button', { name: 'Compare safety numbers' }).click();
    const digits = ((await carol.page.getByTestId('safety-number').textContent()) ?? '').replace(/\D/g, '');
    expect(digits).toHaveLength(60);
    await alice.screenshot('groups-01-receipts');
    await carol.screenshot('groups-02-members');
  });

  test('Carol is offline (locked) while both write; on return she gets each message once', async () => {
    await carol.lock();
    await send(alice, 'while you were away');
    await send(bob, 'bob meanwhile');
    await expect.poll(() => receipt(alice, 'while you were away').textContent()).toMatch(/1 of 2/);
    await carol.unlock(PASS.Carol);
    await carol.waitUnlocked();
    await openGroup(carol);
    await carol.message('while you were away').waitFor({ timeout: 60_000 });
    await carol.message('bob meanwhile').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => receipt(alice, 'while you were away').textContent(), { timeout: 30_000 })
      .toBe('read by 2 of 2');
    expect(await carol.message('while you were away').count()).toBe(1);
    expect(await carol.message('bob meanwhile').count()).toBe(1);
  });

  test('Alice removes Carol: every member sees the line, and Carol gets nothing sent after', async () => {
    await showMembers(alice);
    await alice.page.locator('[data-member-row="Carol"]').getByRole('button', { name: 'Remove' }).click();
    await line(bob, 'Alice removed Carol.').waitFor({ timeout: 30_000 });
    await line(carol, 'Alice removed you.').waitFor({ timeout: 30_000 });
    await carol.page.getByText('You are no longer in this group').first().waitFor();
    await send(alice, 'from alice after the removal');
    await send(bob, 'from bob after the removal');
    await bob.message('from alice after the removal').waitFor({ timeout: 30_000 });
    await alice.message('from bob after the removal').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => receipt(alice, 'from alice after the removal').textContent())
      .toBe('read by 1 of 1');
    await expect.poll(() => receipt(bob, 'from bob after the removal').textContent()).toBe('read by 1 of 1');
    expect(await carol.message('from alice after the removal').count()).toBe(0);
    expect(await carol.message('from bob after the removal').count()).toBe(0);
  });

  test('Dave, in the terminal, is added to the group and chats with the browser members', async () => {
    cliDir = await mkdtemp(join(tmpdir(), 'tincan-group-cli-'));
    const dave = ['--identity', join(cliDir, 'identity.json')];
    const relay = ['--relay', stage.relay.url];
    expect((await tincan(['init', '--name', 'Dave', ...dave])).code).toBe(0);
    const daveCode = (await tincan(['code', ...dave])).stdout.trim();
    const added = await tincan(['add', await alice.myCode(), '--name', 'alice', ...dave]);
    expect(added.code, added.stderr).toBe(0);
    listener = tincanInBackground(['listen', ...relay, ...dave]);
    await listener.waitFor(/listening on/);
    await alice.checkCode(daveCode);
    await alice.sendRequest();
    await alice.page.getByPlaceholder('Message Dave').waitFor({ timeout: 30_000 });

    await openGroup(alice);
    await showMembers(alice);
    await alice.page.getByLabel('Add', { exact: true }).selectOption({ label: 'Dave' });
    await alice.page.getByRole('button', { name: 'Add member' }).click();
    await listener.waitFor(/\[Trio\] alice added you/);
    await line(bob, 'Alice added Dave.').waitFor({ timeout: 30_000 });
    await send(alice, 'welcome dave');
    await listener.waitFor(/\[Trio\] alice: welcome dave/);
    await openGroup(bob);
    await send(bob, 'hi dave from bob');
    await listener.waitFor(/\[Trio\] Bob \(not a contact, [0-9a-f]{8}…\): hi dave from bob/);
    await listener.stop();
    listener = undefined;

    const sent = await tincan(['group-send', ...relay, ...dave, 'Trio', 'hello from the terminal']);
    expect(sent.stdout, sent.stderr).toContain('acknowledged by 2 of 2 member(s)');
    expect(sent.code).toBe(0);
    await alice.message('hello from the terminal').waitFor({ timeout: 30_000 });
    await bob.message('hello from the terminal').waitFor({ timeout: 30_000 });
    expect((await tincan(['groups', ...dave])).stdout).toMatch(/Trio[\s\S]*Bob \(not a contact\)/);
  });
});
