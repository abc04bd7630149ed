/**
 * What a new user meets first, in real Chromium against the real relay: the chat header on a 390 px phone
 * (name, trust badge, presence and call buttons side by side, none covering another), a wrong paste of a
 * megabyte into "Add contact", a code cut short, and the call-notification setting in each permission state
 * the browser can be in.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

let stage: Stage;
let alice: Person;
let bob: Person;

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator} has no box`);
  return box;
}

const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** On a phone one pane shows at a time: back to the list, where "Add contact" is. */
async function backToList(person: Person): Promise<void> {
  const back = person.page.getByRole('button', { name: 'Back to contacts' });
  if (await back.isVisible()) await back.click();
}

beforeAll(async () => {
  stage = await openStage();
  [alice, bob] = await Promise.all([
    Person.open(stage.browser, stage.relay.httpUrl, 'Alice', { mobile: true }),
    Person.open(stage.browser, stage.relay.httpUrl, 'Bartholomew'),
  ]);
  await Promise.all([alice.create('correct horse battery'), bob.create('staple battery horse')]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await closeStage(stage, [alice, bob]);
});

describe('on a phone, and on first use', () => {
  test('a megabyte pasted into "Add contact" is refused at once with a clear message', async () => {
    await alice.openAdd();
    const field = alice.page.getByLabel('Their code or link');
    await field.click();
    const huge = `TC1${'A'.repeat(1_000_000)}`;
    await alice.page.evaluate((text) => navigator.clipboard.writeText(text), huge);
    const started = Date.now();
    await alice.page.keyboard.press('Control+V');
    await visible(
      alice.page.getByRole('alert').filter({ hasText: 'far too long for a contact code' }),
      10_000,
    );
    const elapsed = Date.now() - started;
    console.log(`1 MB paste into Add contact: message after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(5_000);
    expect((await field.inputValue()).length).toBeLessThanOrEqual(2048);
    await alice.screenshot('phone-01-huge-paste');
  });

  test('a code cut short is called incomplete, not "not a Tincan code"', async () => {
    const code = await bob.myCode();
    await backToList(alice);
    await alice.checkCode(code.slice(0, 30));
    await expect.poll(textOf(alice.page.getByRole('alert'))).toContain('incomplete');
    expect(await textOf(alice.page.getByRole('alert'))()).not.toContain('not a Tincan contact code');
  });

  test('the chat header at 390 px: name, badge, presence and call buttons do not overlap', async () => {
    await backToList(alice);
    await alice.checkCode(await bob.myCode());
    await alice.sendRequest();
    await bob.openRequest('Alice');
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await alice.page.getByPlaceholder('Message Bartholomew').waitFor({ timeout: 20_000 });
    await alice.page.getByRole('button', { name: 'Safety number' }).click();
    await alice.page.getByRole('button', { name: 'The digits match: mark as verified' }).click();
    await alice.page.getByRole('button', { name: 'Back to chat' }).click();

    const header = alice.page.locator('.pane-header');
    const name = header.getByTestId('chat-title');
    const badge = header.locator('.badge.verified');
    const presence = header.locator('.status').getByText('online', { exact: true });
    await visible(badge);
    await visible(presence, 20_000);
    const shot = await alice.screenshot('phone-02-chat-header');
    console.log(`phone chat header: ${shot}`);

    const texts = { name: await boxOf(name), badge: await boxOf(badge), presence: await boxOf(presence) };
    const buttons = {
      audio: await boxOf(header.getByRole('button', { name: /^Audio call with/ })),
      video: await boxOf(header.getByRole('button', { name: /^Video call with/ })),
      safety: await boxOf(header.getByRole('button', { name: 'Safety number' })),
      back: await boxOf(header.getByRole('button', { name: 'Back to contacts' })),
    };
    console.log(JSON.stringify({ texts, buttons }));
    for (const [what, box] of Object.entries(texts)) {
      for (const [button, other] of Object.entries(buttons)) {
        expect(overlap(box, other), `${what} under the ${button} button`).toBe(false);
      }
    }
    expect(overlap(texts.badge, texts.presence), 'badge over presence').toBe(false);
    for (const box of [...Object.values(texts), ...Object.values(buttons)]) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    // The name is readable: shown whole, or at least 8 characters' room before the ellipsis.
    const shown = await name.evaluate((element) => ({
      client: element.clientWidth,
      scroll: element.scrollWidth,
    }));
    expect(shown.scroll <= shown.client || shown.client >= 100, JSON.stringify(shown)).toBe(true);
    expect(shown.client).toBeGreaterThanOrEqual(Math.min(shown.scroll, 100));
    // The same header on a wide screen, for comparison.
    await bob.openChat('Alice');
    await bob.screenshot('phone-02-wide-chat-header');
  });

  test('Settings shows "Notify me of calls" in every permission state, and follows the browser', async () => {
    // The browser's own site settings, as the user would change them (headless Chromium starts at "denied").
    const cdp = await bob.context.newCDPSession(bob.page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    const browserSetsPermission = (setting: 'prompt' | 'granted' | 'denied') =>
      cdp.send('Browser.setPermission', {
        permission: { name: 'notifications' },
        setting,
        origin: new URL(stage.relay.httpUrl).origin,
        ...(targetInfo.browserContextId ? { browserContextId: targetInfo.browserContextId } : {}),
      });
    await browserSetsPermission('prompt');
    await bob.page.getByRole('button', { name: 'Settings and backup' }).click();
    const section = bob.page.getByTestId('call-notifications');
    await expect.poll(textOf(section)).toContain('Call notifications are off');
    await visible(section.getByRole('button', { name: /Notify me of calls/ }));

    await browserSetsPermission('granted');
    await expect.poll(textOf(section)).toContain('Call notifications are on');
    expect(await section.getByRole('button').count()).toBe(0);

    await browserSetsPermission('denied');
    await expect.poll(textOf(section)).toContain('blocked for this site');
    expect(await textOf(section)()).toContain('site settings');
    expect(await section.getByRole('button').count()).toBe(0);
    await section.scrollIntoViewIfNeeded();
    await bob.screenshot('phone-03-notifications-blocked');
  });
});
