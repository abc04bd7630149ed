/**
 * The address book's rules as pure functions over the stored contact list (spec/web-client.md):
 * contact requests both ways, verification, and the key-change rule. The contacts model applies them to
 * signals and performs the messages they call for.
 */
import type { StoredContact } from './profile-data.ts';

export type Contacts = readonly StoredContact[];

/** Names compare case-insensitively after NFC, so "Bob" and "bob" are the same person to a reader. */
export const sameName = (a: string, b: string): boolean =>
  a.normalize('NFC').trim().toLowerCase() === b.normalize('NFC').trim().toLowerCase();

export const byKey = (contacts: Contacts, key: string): StoredContact | undefined =>
  contacts.find((c) => c.key === key);

/** A contact listed under the same name with another key: adding `key` would be a key change. */
export const nameClash = (contacts: Contacts, name: string, key: string): StoredContact | undefined =>
  contacts.find((c) => c.key !== key && c.state !== 'incoming' && sameName(c.name, name));

const replace = (contacts: Contacts, next: StoredContact): Contacts =>
  contacts.map((c) => (c.key === next.key ? next : c));

const without = (contacts: Contacts, key: string): Contacts => contacts.filter((c) => c.key !== key);

export interface AddResult {
  readonly contacts: Contacts;
  /** What to send: a contact request, an acceptance (they had asked us already), or nothing. */
  readonly send: 'request' | 'accept' | 'nothing';
  /** Keys whose entries this replaced (a key change): their sessions must be forgotten. */
  readonly replaced: readonly string[];
}

/** We add someone from their code. `verified` when the code was scanned in person. */
export function addContact(
  contacts: Contacts,
  entry: { key: string; name: string; verified: boolean; now: number },
): AddResult {
  const existing = byKey(contacts, entry.key);
  if (existing) {
    const verified = existing.verified || entry.verified;
    const updated: StoredContact =
      verified && !existing.verified ? withoutKeyChange({ ...existing, verified }) : existing;
    if (existing.state === 'incoming') {
      return accept(replace(contacts, updated), entry.key);
    }
    return {
      contacts: replace(contacts, updated),
      send: existing.state === 'outgoing' ? 'request' : 'nothing',
      replaced: [],
    };
  }
  const clash = nameClash(contacts, entry.name, entry.key);
  const added: StoredContact = {
    key: entry.key,
    name: entry.name,
    state: 'outgoing',
    requestId: '',
    verified: entry.verified,
    addedAt: entry.now,
    disappearSeconds: clash?.disappearSeconds ?? 0,
    timerSetAt: 0,
    ...(clash && !entry.verified ? { keyChange: { previousKey: clash.key, at: entry.now } } : {}),
  };
  const rest = clash ? without(contacts, clash.key) : contacts;
  return { contacts: [...rest, added], send: 'request', replaced: clash ? [clash.key] : [] };
}

export interface RequestResult {
  readonly contacts: Contacts;
  /** 'accept': answer at once (we had asked them too, or already list them); 'ask': show the request. */
  readonly outcome: 'accept' | 'ask';
}

/** A contact request arrived from `key`. */
export function receiveRequest(
  contacts: Contacts,
  request: { key: string; name: string; requestId: string; now: number },
): RequestResult {
  const existing = byKey(contacts, request.key);
  if (existing?.state === 'outgoing' || existing?.state === 'accepted') {
    // Both sides asked, or they lost our acceptance: the request is the consent we were waiting for.
    return { contacts: replace(contacts, { ...existing, state: 'accepted' }), outcome: 'accept' };
  }
  if (existing) {
    return {
      contacts: replace(contacts, { ...existing, name: request.name, requestId: request.requestId }),
      outcome: 'ask',
    };
  }
  const clash = nameClash(contacts, request.name, request.key);
  const incoming: StoredContact = {
    key: request.key,
    name: request.name,
    state: 'incoming',
    requestId: request.requestId,
    verified: false,
    addedAt: request.now,
    disappearSeconds: 0,
    timerSetAt: 0,
    ...(clash ? { keyChange: { previousKey: clash.key, at: request.now } } : {}),
  };
  return { contacts: [...contacts, incoming], outcome: 'ask' };
}

/** We accept an incoming request. A request that re-uses a contact's name takes that contact's place. */
export function accept(contacts: Contacts, key: string): AddResult {
  const existing = byKey(contacts, key);
  if (existing?.state !== 'incoming') return { contacts, send: 'nothing', replaced: [] };
  const previous = existing.keyChange ? byKey(contacts, existing.keyChange.previousKey) : undefined;
  const accepted: StoredContact = {
    ...existing,
    state: 'accepted',
    ...(previous ? { disappearSeconds: previous.disappearSeconds } : {}),
  };
  const rest = previous ? without(contacts, previous.key) : contacts;
  return { contacts: replace(rest, accepted), send: 'accept', replaced: previous ? [previous.key] : [] };
}

/** They accepted our request. */
export function receiveAcceptance(contacts: Contacts, key: string): Contacts {
  const existing = byKey(contacts, key);
  if (existing?.state !== 'outgoing') return contacts;
  return replace(contacts, { ...existing, state: 'accepted' });
}

export const remove = (contacts: Contacts, key: string): Contacts => without(contacts, key);

/**
 * An accepted contact moved from key `from` to key `to` by a signed rotation (its signatures already checked):
 * the same entry under the new key, name, timer and conversation kept, and not verified, with a signed
 * key-change marker, because whoever stole the old key could have signed the rotation too.
 */
export function rotateKey(contacts: Contacts, from: string, to: string, now: number): Contacts {
  const existing = byKey(contacts, from);
  if (existing?.state !== 'accepted' || byKey(contacts, to)) return contacts;
  const rotated: StoredContact = {
    ...existing,
    key: to,
    verified: false,
    keyChange: { previousKey: from, at: now, signed: true },
  };
  return contacts.map((c) => (c.key === from ? rotated : c));
}

function withoutKeyChange(contact: StoredContact): StoredContact {
  const { keyChange: _, ...rest } = contact;
  return rest;
}

/** Verifying (scan or confirmed digits) also settles a key-change warning; un-verifying keeps none. */
export function setVerified(contacts: Contacts, key: string, verified: boolean): Contacts {
  const existing = byKey(contacts, key);
  if (!existing) return contacts;
  return replace(contacts, withoutKeyChange({ ...existing, verified }));
}

/** Blocking keeps the entry (its name, state and verification) so that unblocking restores it as it was. */
export function setBlocked(contacts: Contacts, key: string, blocked: boolean): Contacts {
  const existing = byKey(contacts, key);
  if (!existing || Boolean(existing.blocked) === blocked) return contacts;
  const { blocked: _, ...rest } = existing;
  return replace(contacts, blocked ? { ...rest, blocked: true } : rest);
}

export function setRequestId(contacts: Contacts, key: string, requestId: string): Contacts {
  const existing = byKey(contacts, key);
  return existing ? replace(contacts, { ...existing, requestId }) : contacts;
}

/**
 * A disappearing-timer change, ours or theirs. The later `setAt` wins, so both sides settle on the same
 * value even when they change it at about the same moment; an older change (a resend) changes nothing.
 */
export function applyTimer(
  contacts: Contacts,
  key: string,
  seconds: number,
  setAt: number,
): { contacts: Contacts; changed: boolean } {
  const existing = byKey(contacts, key);
  const older =
    setAt < (existing?.timerSetAt ?? 0) ||
    (setAt === existing?.timerSetAt && seconds <= existing.disappearSeconds);
  // Two changes in the same millisecond: the longer timer wins on both sides.
  if (!existing || older) return { contacts, changed: false };
  return {
    contacts: replace(contacts, { ...existing, disappearSeconds: seconds, timerSetAt: setAt }),
    changed: existing.disappearSeconds !== seconds,
  };
}
