import { describe, expect, test } from 'vitest';
import * as book from '../../client/state/address-book.ts';
import type { StoredContact } from '../../client/state/profile-data.ts';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const KEY_C = 'c'.repeat(64);

const contact = (key: string, name: string, extra: Partial<StoredContact> = {}): StoredContact => ({
  key,
  name,
  state: 'accepted',
  requestId: '0'.repeat(32),
  verified: false,
  addedAt: 1,
  disappearSeconds: 0,
  timerSetAt: 0,
  ...extra,
});

describe('address book rules', () => {
  test('adding a new key makes an outgoing entry and asks for a request', () => {
    const result = book.addContact([], { key: KEY_A, name: 'Ann', verified: false, now: 5 });
    expect(result.send).toBe('request');
    expect(result.contacts).toEqual([
      expect.objectContaining({ key: KEY_A, name: 'Ann', state: 'outgoing', verified: false, addedAt: 5 }),
    ]);
    expect(result.replaced).toEqual([]);
  });

  test('scanned in person: the new contact starts verified', () => {
    const result = book.addContact([], { key: KEY_A, name: 'Ann', verified: true, now: 5 });
    expect(result.contacts[0]!.verified).toBe(true);
  });

  test('adding someone who already asked us accepts their request', () => {
    const asked = [contact(KEY_A, 'Ann', { state: 'incoming' })];
    const result = book.addContact(asked, { key: KEY_A, name: 'Ann', verified: false, now: 5 });
    expect(result.send).toBe('accept');
    expect(result.contacts[0]!.state).toBe('accepted');
  });

  test('adding a contact we already have changes nothing but may raise verification', () => {
    const have = [contact(KEY_A, 'Ann')];
    expect(book.addContact(have, { key: KEY_A, name: 'Ann', verified: false, now: 5 })).toEqual({
      contacts: have,
      send: 'nothing',
      replaced: [],
    });
    expect(
      book.addContact(have, { key: KEY_A, name: 'Ann', verified: true, now: 5 }).contacts[0]!.verified,
    ).toBe(true);
  });

  test('key change: a new key under a known name replaces the old entry, unverified, with a warning', () => {
    const have = [contact(KEY_A, 'Ann', { verified: true, disappearSeconds: 60 }), contact(KEY_C, 'Cy')];
    const result = book.addContact(have, { key: KEY_B, name: 'ann', verified: false, now: 9 });
    expect(result.replaced).toEqual([KEY_A]);
    expect(result.contacts.map((c) => c.key)).toEqual([KEY_C, KEY_B]);
    const added = book.byKey(result.contacts, KEY_B)!;
    expect(added.verified).toBe(false);
    expect(added.keyChange).toEqual({ previousKey: KEY_A, at: 9 });
    expect(added.disappearSeconds).toBe(60);
  });

  test('a request from a stranger waits for an answer; from someone we asked, it is accepted at once', () => {
    const incoming = book.receiveRequest([], { key: KEY_A, name: 'Ann', requestId: '1'.repeat(32), now: 3 });
    expect(incoming.outcome).toBe('ask');
    expect(incoming.contacts[0]!.state).toBe('incoming');
    const mutual = book.receiveRequest([contact(KEY_A, 'Ann', { state: 'outgoing' })], {
      key: KEY_A,
      name: 'Ann',
      requestId: '1'.repeat(32),
      now: 3,
    });
    expect(mutual.outcome).toBe('accept');
    expect(mutual.contacts[0]!.state).toBe('accepted');
    const again = book.receiveRequest([contact(KEY_A, 'Ann')], {
      key: KEY_A,
      name: 'Ann',
      requestId: '1'.repeat(32),
      now: 3,
    });
    expect(again.outcome).toBe('accept');
  });

  test('a request under a known name is flagged; accepting it replaces the old contact', () => {
    const have = [contact(KEY_A, 'Ann', { verified: true })];
    const request = book.receiveRequest(have, { key: KEY_B, name: 'Ann', requestId: '1'.repeat(32), now: 3 });
    expect(book.byKey(request.contacts, KEY_B)!.keyChange?.previousKey).toBe(KEY_A);
    expect(book.byKey(request.contacts, KEY_A)).toBeDefined();
    const accepted = book.accept(request.contacts, KEY_B);
    expect(accepted.send).toBe('accept');
    expect(accepted.replaced).toEqual([KEY_A]);
    expect(accepted.contacts.map((c) => c.key)).toEqual([KEY_B]);
    expect(accepted.contacts[0]!.verified).toBe(false);
  });

  test('accept of anything but an incoming request does nothing', () => {
    const have = [contact(KEY_A, 'Ann')];
    expect(book.accept(have, KEY_A)).toEqual({ contacts: have, send: 'nothing', replaced: [] });
    expect(book.accept(have, KEY_B).send).toBe('nothing');
  });

  test('their acceptance turns our outgoing request into a contact, and nothing else', () => {
    const have = [contact(KEY_A, 'Ann', { state: 'outgoing' }), contact(KEY_B, 'Bo', { state: 'incoming' })];
    const next = book.receiveAcceptance(have, KEY_A);
    expect(book.byKey(next, KEY_A)!.state).toBe('accepted');
    expect(book.receiveAcceptance(have, KEY_B)).toBe(have);
  });

  test('verifying clears a key-change warning', () => {
    const have = [contact(KEY_B, 'Ann', { keyChange: { previousKey: KEY_A, at: 1 } })];
    const verified = book.setVerified(have, KEY_B, true);
    expect(verified[0]!.verified).toBe(true);
    expect(verified[0]!.keyChange).toBeUndefined();
  });

  test('disappearing timer: the later change wins, ties go to the longer timer, resends change nothing', () => {
    let list: book.Contacts = [contact(KEY_A, 'Ann')];
    let result = book.applyTimer(list, KEY_A, 30, 100);
    expect(result.changed).toBe(true);
    list = result.contacts;
    expect(book.applyTimer(list, KEY_A, 60, 99).changed).toBe(false);
    expect(book.applyTimer(list, KEY_A, 30, 100)).toEqual({ contacts: list, changed: false });
    expect(book.applyTimer(list, KEY_A, 10, 100).changed).toBe(false);
    result = book.applyTimer(list, KEY_A, 60, 100);
    expect(result.changed).toBe(true);
    expect(book.byKey(result.contacts, KEY_A)!.disappearSeconds).toBe(60);
    expect(book.applyTimer(list, KEY_B, 60, 200).changed).toBe(false);
  });

  test('blocking keeps the entry as it was, so unblocking restores state, verification and timer', () => {
    const ann = contact(KEY_A, 'Ann', { verified: true, disappearSeconds: 60, timerSetAt: 7 });
    const asked = contact(KEY_B, 'Bo', { state: 'incoming' });
    const have = [ann, asked];
    const blocked = book.setBlocked(book.setBlocked(have, KEY_A, true), KEY_B, true);
    expect(book.byKey(blocked, KEY_A)).toEqual({ ...ann, blocked: true });
    expect(book.byKey(blocked, KEY_B)).toEqual({ ...asked, blocked: true });
    expect(book.setBlocked(blocked, KEY_A, true)).toBe(blocked);
    expect(book.setBlocked(blocked, KEY_C, true)).toBe(blocked);
    const unblocked = book.setBlocked(book.setBlocked(blocked, KEY_A, false), KEY_B, false);
    expect(unblocked).toEqual(have);
    expect('blocked' in book.byKey(unblocked, KEY_A)!).toBe(false);
    expect(book.setBlocked(have, KEY_A, false)).toBe(have);
  });

  test('a blocked contact that rotates its key stays blocked under the new key', () => {
    const have = [contact(KEY_A, 'Ann', { verified: true, blocked: true })];
    const moved = book.rotateKey(have, KEY_A, KEY_B, 9);
    expect(moved).toEqual([
      expect.objectContaining({ key: KEY_B, name: 'Ann', state: 'accepted', verified: false, blocked: true }),
    ]);
  });

  test('names compare case-insensitively after NFC', () => {
    expect(book.sameName('Zoë', 'zoe\u0308')).toBe(true);
    expect(book.sameName('Ann', 'Anne')).toBe(false);
  });
});
