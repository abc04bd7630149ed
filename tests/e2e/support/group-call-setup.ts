/**
 * People in a group, through the UI: the creator makes the group from its contacts, every member opens it.
 * Used by the group call suite and the group calls benchmark.
 */
import { expect } from 'vitest';
import type { Person } from './person.ts';

/** `owner` makes a group of `members` (its contacts); each of them waits until it has it. */
export async function makeGroup(owner: Person, name: string, members: readonly Person[]): Promise<void> {
  await owner.page.getByRole('button', { name: 'New group' }).click();
  await owner.page.getByLabel('Group name').fill(name);
  for (const member of members) await owner.page.locator(`input[data-member="${member.name}"]`).check();
  await owner.page.getByRole('button', { name: 'Create group' }).click();
  await owner.page.getByTestId('group-title').filter({ hasText: name }).waitFor();
  for (const member of members) await openGroup(member, name);
}

export async function openGroup(person: Person, name: string): Promise<void> {
  await person.page.locator(`button[data-group="${name}"]`).click({ timeout: 30_000 });
  await person.page.getByTestId('group-title').filter({ hasText: name }).waitFor();
}

export const callGroupButton = (person: Person) =>
  person.page.getByRole('button', { name: 'Video call with the group' });

/** Joins the group call that rings on `person`'s page. */
export async function joinRinging(person: Person): Promise<void> {
  const card = person.page.getByTestId('group-call-ringing');
  await card.waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: 'Join' }).click();
  // In the call, or already out of it (every leg refused at once: the ending card).
  await person.page
    .getByTestId('group-call-screen')
    .or(person.page.getByTestId('group-call-ended'))
    .waitFor();
}

/** The tile of `other` on `person`'s group call screen. */
export const tileOf = (person: Person, otherKey: string) =>
  person.page.locator(`[data-testid="group-tile"][data-peer="${otherKey}"]`);

export const tilePhase = (person: Person, otherKey: string) => () =>
  tileOf(person, otherKey)
    .getAttribute('data-phase', { timeout: 1_000 })
    .catch(() => null);

/** Leaves the call (if in it) and closes the card it leaves behind. */
export async function leaveCall(person: Person): Promise<void> {
  const leave = person.page.getByTestId('group-call-screen').getByRole('button', { name: 'Leave' });
  if (await leave.count()) await leave.click();
  const close = person.page.getByTestId('group-call-ended').getByRole('button', { name: 'Close' });
  if (await close.count()) await close.click();
  await expect.poll(() => person.page.getByTestId('group-call-screen').count(), { timeout: 10_000 }).toBe(0);
}
