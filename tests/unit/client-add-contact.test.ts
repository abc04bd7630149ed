/** What the add-contact screen says about pasted text (the contacts model's preview), by typed error code. */
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { type ContactMessenger, createContactsModel } from '../../client/state/contacts.ts';
import type { ProfileData } from '../../client/state/profile-data.ts';
import { toHex } from '../../crypto/bytes.ts';
import { encodeContactCode } from '../../crypto/contact-code.ts';
import { testIdentity } from '../support/identities.ts';

const me = await testIdentity('me');
const them = await testIdentity('them');
const code = encodeContactCode({ publicKey: them.publicKey, displayName: 'Them' });

const messenger: ContactMessenger = {
  requestContact: () => 'q'.repeat(32),
  acceptContact: () => 'a'.repeat(32),
  forgetPeer: () => {},
  unblocked: async () => {},
  movePeer: () => {},
  sendKeyRotation: () => 'k'.repeat(32),
};
const contacts = createContactsModel({
  profile: signal<ProfileData>({
    version: 1,
    seed: toHex(me.seed),
    displayName: 'Me',
    createdAt: 0,
    contacts: [],
  }),
  commit: async () => {},
  messenger: () => messenger,
  myKey: me.publicKey,
  now: () => Date.now(),
});
const errorOf = (text: string) => {
  const preview = contacts.preview(text);
  if (preview.ok) throw new Error(`${text.slice(0, 40)} was accepted`);
  return preview.error;
};

describe('add contact: what a pasted code gets', () => {
  it('a code cut short is called incomplete, not "not a Tincan code"', () => {
    for (const cut of [
      code.slice(0, 20),
      code.slice(0, 60),
      `https://tincan.example/#add=${code.slice(0, 30)}`,
    ]) {
      expect(errorOf(cut)).toMatch(/incomplete/);
      expect(errorOf(cut)).not.toMatch(/not a Tincan contact code/);
    }
    expect(errorOf('hello')).toMatch(/not a Tincan contact code/);
    expect(contacts.preview(code).ok).toBe(true);
  });

  it('a pasted megabyte is refused at once as too long', () => {
    const huge = code.repeat(Math.ceil(1_000_000 / code.length));
    const started = performance.now();
    expect(errorOf(huge)).toMatch(/far too long for a contact code/);
    expect(errorOf(` ${huge} `)).toMatch(/far too long/);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
