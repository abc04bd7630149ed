/**
 * Passkey unlock end to end, in Chromium through the real relay, with Chromium's virtual authenticator (the
 * DevTools protocol's WebAuthn domain, with the PRF extension): add a passkey, lock, unlock with it; another
 * credential under the same id cannot unlock, a missing one neither, and the passphrase always can.
 * A passkey needs a domain as relying party, so the page is loaded from localhost (the relay accepts it).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeContacts } from './support/call-setup.ts';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

const AUTHENTICATOR = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  hasPrf: true,
} as const;

let stage: Stage;
let alice: Person;
let bob: Person;
let cdp: CDPSession;

beforeAll(async () => {
  stage = await openStage();
  const url = stage.relay.httpUrl.replace('//127.0.0.1:', '//localhost:');
  const open = (name: string) => Person.open(stage.browser, url, name);
  [alice, bob] = await Promise.all([open('Alice'), open('Bob')]);
  cdp = await alice.context.newCDPSession(alice.page);
  await cdp.send('WebAuthn.enable');
  await Promise.all([alice.create('alice passphrase'), bob.create('bob passphrase')]);
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
  await makeContacts(alice, bob);
});

afterAll(() => closeStage(stage, [alice, bob]));

const addAuthenticator = async (): Promise<string> =>
  (await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR })).authenticatorId;

const unlockError = (person: Person) => person.page.locator('#unlock-error');

async function unlockWithPasskey(person: Person): Promise<void> {
  await person.page.getByRole('button', { name: 'Unlock with passkey' }).click();
}

describe('passkey unlock', () => {
  let authenticator: string;

  test('add a passkey in Settings (passphrase checked first), lock, unlock with the passkey', async () => {
    authenticator = await addAuthenticator();
    const { page } = alice;
    await page.getByRole('button', { name: 'Settings and backup' }).click();
    await visible(page.getByText('it is the only key to your backup files'));
    await page.getByLabel('Passphrase to add a passkey').fill('not alice passphrase');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await visible(page.getByText('Wrong passphrase. Check it and try again.'), 30_000);
    const none = await cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator });
    expect(none.credentials).toEqual([]);

    await page.getByLabel('Passphrase to add a passkey').fill('alice passphrase');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await visible(page.getByText('Passkey added.'), 30_000);
    await visible(page.getByRole('button', { name: 'Remove passkey' }));
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator });
    expect(credentials.map((c) => c.rpId)).toEqual(['localhost']);
    await alice.screenshot('passkey-01-added');

    await alice.lock();
    await unlockWithPasskey(alice);
    await alice.waitUnlocked();
    await visible(alice.contactButton('Bob'));
    await alice.waitOnline();
    await alice.openChat('Bob');
    await alice.send('unlocked with a passkey');
    await bob.openChat('Alice');
    await visible(bob.message('unlocked with a passkey'), 30_000);
  });

  test('another credential under the same id cannot unlock; a missing one neither; the passphrase can', async () => {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator });
    const original = credentials[0]!;
    await alice.lock();
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: authenticator });

    // An authenticator without the passkey: the browser finds nothing to ask.
    const empty = await addAuthenticator();
    await unlockWithPasskey(alice);
    await visible(alice.page.locator('#unlock-error[data-error-code="passkey-cancelled"]'), 30_000);
    await expect.poll(textOf(unlockError(alice))).toContain('No passkey was used');

    // The same credential id and user, but another key: it is not the passkey the vault key was sealed for.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId: empty,
      credential: {
        credentialId: original.credentialId,
        isResidentCredential: original.isResidentCredential,
        rpId: 'localhost',
        privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
        ...(original.userHandle ? { userHandle: original.userHandle } : {}),
        signCount: 0,
      },
    });
    await unlockWithPasskey(alice);
    await visible(alice.page.locator('#unlock-error[data-error-code="passkey-wrong"]'), 30_000);
    await expect.poll(textOf(unlockError(alice))).toContain('That passkey cannot unlock this identity');
    await alice.screenshot('passkey-02-wrong-credential');
    expect(await alice.page.getByRole('button', { name: 'Add contact', exact: true }).count()).toBe(0);

    await alice.unlock('alice passphrase');
    await alice.waitUnlocked();
    await visible(alice.contactButton('Bob'));
  });

  test('remove passkey: the unlock screen offers only the passphrase', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Settings and backup' }).click();
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await visible(page.getByText('Passkey removed'));
    await visible(page.getByRole('button', { name: 'Add a passkey' }));
    await alice.lock();
    await visible(page.getByLabel('Passphrase', { exact: true }));
    expect(await page.getByRole('button', { name: 'Unlock with passkey' }).count()).toBe(0);
    await alice.unlock('alice passphrase');
    await alice.waitUnlocked();
  });

  test('an authenticator without PRF: adding says it is not supported, and nothing is stored', async () => {
    const bobCdp = await bob.context.newCDPSession(bob.page);
    await bobCdp.send('WebAuthn.enable');
    await bobCdp.send('WebAuthn.addVirtualAuthenticator', { options: { ...AUTHENTICATOR, hasPrf: false } });
    const { page } = bob;
    await page.getByRole('button', { name: 'Settings and backup' }).click();
    await page.getByLabel('Passphrase to add a passkey').fill('bob passphrase');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await visible(page.locator('[data-error-code="passkey-not-supported"]'), 30_000);
    await expect
      .poll(textOf(page.locator('[data-error-code="passkey-not-supported"]')))
      .toContain('lacks the WebAuthn PRF extension');
    await bob.lock();
    await visible(page.getByLabel('Passphrase', { exact: true }));
    expect(await page.getByRole('button', { name: 'Unlock with passkey' }).count()).toBe(0);
  });
});
