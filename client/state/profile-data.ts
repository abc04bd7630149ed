/**
 * What the vault holds once decrypted: the identity seed, the display name, and the address book.
 * Chat history is deliberately absent: it lives in memory only. JSON, version 1; parsed strictly because an
 * imported backup is a file from elsewhere.
 */
import { fromHex, fromUtf8, toHex, utf8 } from '../../crypto/bytes.ts';
import { isAcceptablePublicKey } from '../../crypto/ed25519.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import { isAcceptableDisplayName, MAX_EXPIRY_SECONDS } from '../core/chat-protocol.ts';
import { LOG_DEPTH, MAX_PENDING } from '../core/group-machine.ts';
import type { SavedGroup } from '../core/group-registry.ts';

export const PROFILE_VERSION = 1;

/**
 * - outgoing: we sent a contact request and wait for the answer (a decline is never sent back, so an
 *   unanswered request simply stays outgoing);
 * - incoming: they asked, we have not answered;
 * - accepted: both sides list each other.
 */
export type ContactState = 'outgoing' | 'incoming' | 'accepted';

export interface StoredContact {
  /** Ed25519 identity key, lower-case hex: the address. */
  readonly key: string;
  /** Their self-chosen name (from their code or request): a hint, never proof. */
  readonly name: string;
  readonly state: ContactState;
  /** Id of the contact request this entry came from (ours when outgoing, theirs when incoming). */
  readonly requestId: string;
  readonly verified: boolean;
  /**
   * Set when this person's key differs from the one we had for them; cleared by verifying again. `signed`:
   * the old key signed the change (a key rotation), rather than a new key turning up under a known name.
   */
  readonly keyChange?: { readonly previousKey: string; readonly at: number; readonly signed?: true };
  readonly addedAt: number;
  /** Blocked: nothing from this key is accepted, nothing is sent to it; the entry stays so it can be undone. */
  readonly blocked?: true;
  /** Disappearing-messages timer of the conversation, seconds, 0 = off; `timerSetAt` orders changes. */
  readonly disappearSeconds: number;
  readonly timerSetAt: number;
}

export interface ProfileData {
  readonly version: typeof PROFILE_VERSION;
  /** 32-byte Ed25519 seed, hex. */
  readonly seed: string;
  readonly displayName: string;
  readonly createdAt: number;
  readonly contacts: readonly StoredContact[];
  /** Our own last key rotation: the statement (hex) and the contacts that have not acknowledged it yet. */
  readonly rotation?: PendingRotation;
  /** The groups we hold: each one's signed statements in hex (client/core/group-registry.ts). */
  readonly groups?: readonly SavedGroup[];
}

export interface PendingRotation {
  readonly statement: string;
  readonly pending: readonly string[];
}

const CONTACT_STATES: readonly ContactState[] = ['outgoing', 'incoming', 'accepted'];
const MAX_CONTACTS = 10_000;
const bad = (detail: string) => new ProtocolError('bad-encoding', `profile: ${detail}`);

export const profileToBytes = (profile: ProfileData): Uint8Array => utf8(JSON.stringify(profile));

export function profileFromBytes(bytes: Uint8Array): ProfileData {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw bad('not JSON');
  }
  return parseProfile(value);
}

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isKeyHex = (value: unknown): value is string =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) && isAcceptablePublicKey(fromHex(value));

export function parseProfile(value: unknown): ProfileData {
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const profile = value as Record<string, unknown>;
  if (profile.version !== PROFILE_VERSION)
    throw new ProtocolError('bad-version', `profile ${String(profile.version)}`);
  if (typeof profile.seed !== 'string' || !/^[0-9a-f]{64}$/.test(profile.seed)) throw bad('seed');
  if (typeof profile.displayName !== 'string' || !isAcceptableDisplayName(profile.displayName))
    throw bad('name');
  if (!isTime(profile.createdAt)) throw bad('createdAt');
  if (!Array.isArray(profile.contacts) || profile.contacts.length > MAX_CONTACTS) throw bad('contacts');
  const seen = new Set<string>();
  const contacts = profile.contacts.map((entry) => {
    const contact = parseContact(entry);
    if (seen.has(contact.key)) throw bad('duplicate contact');
    seen.add(contact.key);
    return contact;
  });
  const parsed: ProfileData = {
    version: PROFILE_VERSION,
    seed: profile.seed,
    displayName: profile.displayName,
    createdAt: profile.createdAt,
    contacts,
  };
  const withRotation =
    profile.rotation === undefined ? parsed : { ...parsed, rotation: parseRotation(profile.rotation) };
  return profile.groups === undefined
    ? withRotation
    : { ...withRotation, groups: parseGroups(profile.groups) };
}

const MAX_GROUPS = 1_000;
const isStatementList = (value: unknown, min: number, max: number): value is string[] =>
  Array.isArray(value) &&
  value.length >= min &&
  value.length <= max &&
  value.every((hex) => typeof hex === 'string' && /^(?:[0-9a-f]{2})+$/.test(hex));

/** The statements' layout is checked again when the registry restores them. */
function parseGroups(value: unknown): SavedGroup[] {
  if (!Array.isArray(value) || value.length > MAX_GROUPS) throw bad('groups');
  return value.map((entry) => {
    const group = entry as Record<string, unknown> | null;
    if (typeof group !== 'object' || group === null) throw bad('group');
    if (!isStatementList(group.log, 1, LOG_DEPTH) || !isStatementList(group.pending, 0, MAX_PENDING))
      throw bad('group statements');
    return { log: group.log, pending: group.pending };
  });
}

function parseRotation(value: unknown): PendingRotation {
  const rotation = value as Record<string, unknown> | null;
  if (typeof rotation !== 'object' || rotation === null) throw bad('rotation');
  if (typeof rotation.statement !== 'string' || !/^([0-9a-f]{2}){201}$/.test(rotation.statement))
    throw bad('rotation statement');
  if (!Array.isArray(rotation.pending) || !rotation.pending.every(isKeyHex)) throw bad('rotation pending');
  return { statement: rotation.statement, pending: rotation.pending as string[] };
}

function parseContact(value: unknown): StoredContact {
  if (typeof value !== 'object' || value === null) throw bad('contact');
  const c = value as Record<string, unknown>;
  if (!isKeyHex(c.key)) throw bad('contact key');
  if (typeof c.name !== 'string' || !isAcceptableDisplayName(c.name)) throw bad('contact name');
  if (!CONTACT_STATES.includes(c.state as ContactState)) throw bad('contact state');
  if (typeof c.requestId !== 'string' || !/^[0-9a-f]{32}$/.test(c.requestId)) throw bad('request id');
  if (typeof c.verified !== 'boolean') throw bad('verified');
  if (!isTime(c.addedAt) || !isTime(c.timerSetAt)) throw bad('contact times');
  if (
    !Number.isInteger(c.disappearSeconds) ||
    (c.disappearSeconds as number) < 0 ||
    (c.disappearSeconds as number) > MAX_EXPIRY_SECONDS
  )
    throw bad('timer');
  let contact: StoredContact = {
    key: c.key,
    name: c.name,
    state: c.state as ContactState,
    requestId: c.requestId,
    verified: c.verified,
    addedAt: c.addedAt,
    disappearSeconds: c.disappearSeconds as number,
    timerSetAt: c.timerSetAt,
  };
  if (c.blocked !== undefined && c.blocked !== true) throw bad('blocked');
  if (c.blocked) contact = { ...contact, blocked: true };
  if (c.keyChange === undefined) return contact;
  const change = c.keyChange as Record<string, unknown> | null;
  if (typeof change !== 'object' || change === null || !isKeyHex(change.previousKey) || !isTime(change.at))
    throw bad('key change');
  if (change.signed !== undefined && change.signed !== true) throw bad('key change');
  const keyChange = { previousKey: change.previousKey, at: change.at };
  return { ...contact, keyChange: change.signed ? { ...keyChange, signed: true } : keyChange };
}

export const keyHex = (key: Uint8Array): string => toHex(key);
