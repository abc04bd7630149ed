/**
 * Presence and reconnects end to end, in Chromium through the real relay: a contact whose tab closes or who
 * locks is shown offline within seconds, and "Use here" after a restored backup took the address over
 * brings contacts back online as soon as they speak and delivers what waited at once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeContacts } from './support/call-setup.ts';
import { visible } from './support/expect.ts';
import { ARTIFACTS, Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const ALICE_PASS = 'alice presence passphrase';
const BOB_PASS = 'bob presence passphrase';

let stage: Stage;
let alice: Person;
let bob: Person;
const others: Person[] = [];

beforeAll(async () => {
  stage = await openStage();
  const open = (name: string) => Person.open(stage.browser, stage.relay.httpUrl, name);
  [alice, bob] = await Promise.all([open('Alice'), open('Bob')]);
  await Promise.all([alice.create(ALICE_PASS), bob.create(BOB_PASS)]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
  await makeContacts(alice, bob);
});

afterAll(() => closeStage(stage, [alice, bob, ...others]));

/** Whether `viewer`'s contact list shows `name` online (the contact button's accessible name says so). */
const shownOnline = async (viewer: Person, name: string): Promise<boolean> =>
  / online,/.test((await viewer.contactButton(name).getAttribute('aria-label', { timeout: 2_000 })) ?? '');

/** Polls until `check` holds; the milliseconds it took. */
async function within(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - start;
}

/** Both see each other online after a message each way, so each side's session (and goodbye) is ready. */
async function bothOnline(text: string): Promise<void> {
  await alice.openChat('Bob');
  await bob.openChat('Alice');
  await bob.send(`${text} from Bob`);
  await alice.message(`${text} from Bob`).waitFor({ timeout: 30_000 });
  await alice.send(`${text} from Alice`);
  await bob.message(`${text} from Alice`).waitFor({ timeout: 30_000 });
  await within('Bob online at Alice', 30_000, () => shownOnline(alice, 'Bob'));
  await within('Alice online at Bob', 30_000, () => shownOnline(bob, 'Alice'));
  await quiet();
}

/**
 * Until the relay has routed nothing for 3 s: receipts, acks and typing notices are done, so what follows is
 * measured on an idle pair, where only presence can tell Alice that Bob left (any frame she sent him after
 * that would come back undeliverable and tell her too).
 */
async function quiet(): Promise<void> {
  const routed = () => stage.relay.metrics.counts.forwarded + stage.relay.metrics.counts.undeliverable;
  let last = routed();
  let since = Date.now();
  await within('a quiet relay', 30_000, async () => {
    if (routed() !== last) {
      last = routed();
      since = Date.now();
    }
    return Date.now() - since >= 3_000;
  });
}

async function reopenBob(): Promise<void> {
  bob.page = await bob.newTab();
  await bob.unlock(BOB_PASS);
  await bob.waitUnlocked();
  await bob.waitOnline();
}

describe('presence', () => {
  test("Bob's tab closes: Alice shows him offline within seconds", async () => {
    await bothOnline('tab');
    const closing = bob.page.close();
    const offline = await within('Bob offline at Alice after his tab closed', 5_000, async () => {
      return !(await shownOnline(alice, 'Bob'));
    });
    await closing;
    console.info(`tab closed: Bob offline at Alice after ${offline} ms`);
    await reopenBob();
    await within('Bob online again at Alice', 30_000, () => shownOnline(alice, 'Bob'));
  });

  test('Bob locks: Alice shows him offline within seconds', async () => {
    await bothOnline('lock');
    const locking = bob.lock();
    const offline = await within('Bob offline at Alice after he locked', 5_000, async () => {
      return !(await shownOnline(alice, 'Bob'));
    });
    await locking;
    console.info(`locked: Bob offline at Alice after ${offline} ms`);
    await bob.unlock(BOB_PASS);
    await bob.waitUnlocked();
    await bob.waitOnline();
    await within('Bob online again at Alice', 30_000, () => shownOnline(alice, 'Bob'));
  });

  test('"Use here" after a restored backup took over: Bob is online once he speaks, what waited goes at once', async () => {
    await bothOnline('takeover');
    await alice.page.getByRole('button', { name: 'Settings and backup' }).click();
    const [download] = await Promise.all([
      alice.page.waitForEvent('download'),
      alice.page.getByRole('button', { name: 'Export backup' }).click(),
    ]);
    const file = join(ARTIFACTS, 'alice-presence.tincan');
    await download.saveAs(file);

    const restored = await Person.open(stage.browser, stage.relay.httpUrl, 'Alice restored');
    others.push(restored);
    await restored.page.getByRole('tab', { name: 'Restore a backup' }).click();
    await restored.page.getByLabel('Backup file').setInputFiles(file);
    await restored.page.getByLabel('Passphrase of the backup').fill(ALICE_PASS);
    await restored.page.getByRole('button', { name: 'Restore' }).click();
    await restored.waitUnlocked();
    await restored.waitOnline();
    const useHere = alice.page.getByRole('button', { name: 'Use here' });
    await visible(useHere, 30_000);
    await restored.openChat('Bob');
    await bob.send('to the restored backup');
    await restored.message('to the restored backup').waitFor({ timeout: 30_000 });
    await alice.openChat('Bob');
    await alice.send('written while replaced');
    await restored.close();

    await useHere.click();
    await alice.waitOnline();
    const delivered = await within('the waiting message delivered', 8_000, async () => {
      return (
        (await alice
          .message('written while replaced')
          .locator('[data-status="delivered"], [data-status="read"]')
          .count()) > 0
      );
    });
    await bob.send('are you back');
    await alice.message('are you back').waitFor({ timeout: 10_000 });
    const online = await within('Bob online at Alice once his message arrived', 3_000, () =>
      shownOnline(alice, 'Bob'),
    );
    await bob.message('written while replaced').waitFor({ timeout: 5_000 });
    console.info(
      `"Use here": waiting message delivered ${delivered} ms after online; Bob online ${online} ms after his message showed`,
    );
    expect(await alice.message('written while replaced').count()).toBe(1);
  });
});
