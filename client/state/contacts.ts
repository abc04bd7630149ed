/**
 * The address book as signals: contacts with their verification and presence, incoming requests, and
 * the actions of the add / accept / verify screens. Every change is stored (sealed) before the action's
 * promise resolves; incoming requests are acknowledged to the sender only after that.
 */
import { computed, type ReadonlySignal, type Signal, signal } from '@preact/signals';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { type ContactCard, MAX_CONTACT_INPUT_LENGTH, parseContactInput } from '../../crypto/contact-code.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { compareScannable, type SafetyNumber, safetyNumber } from '../../crypto/safety-number.ts';
import type { MessageId } from '../core/chat-protocol.ts';
import { scannableFromQrText } from '../services/qr.ts';
import * as book from './address-book.ts';
import type { ProfileData, StoredContact } from './profile-data.ts';

/** What the contacts model needs from the messenger service. */
export interface ContactMessenger {
  requestContact(peer: string, displayName: string): MessageId;
  acceptContact(peer: string, displayName?: string): MessageId;
  forgetPeer(peer: string): void;
  unblocked(peer: string): Promise<void>;
  movePeer(from: string, to: string): void;
  sendKeyRotation(peer: string, statement: Uint8Array): MessageId;
}

export interface ContactsDeps {
  readonly profile: Signal<ProfileData>;
  /** Stores the profile (sealed); resolves once it is written. */
  readonly commit: (profile: ProfileData) => Promise<void>;
  readonly messenger: () => ContactMessenger;
  readonly myKey: Uint8Array;
  readonly now: () => number;
}

export type AddPreview =
  | {
      readonly ok: true;
      readonly key: string;
      readonly name: string;
      readonly card: ContactCard;
      readonly safety: SafetyNumber;
      readonly existing?: StoredContact;
      /** A different contact with this name: adding is a key change. */
      readonly clash?: StoredContact;
      readonly self: boolean;
    }
  | { readonly ok: false; readonly error: string };

export type ScanVerdict = 'match' | 'mismatch' | 'not-a-safety-code' | 'other-version';

/** What the add-contact screen says when text is far longer than any code or link (a wrong paste). */
export const TOO_LONG_FOR_A_CODE = `That is far too long for a contact code: a code or link has at most ${MAX_CONTACT_INPUT_LENGTH} characters. Copy just the code, or scan it.`;

const BAD_CODE: Record<string, string> = {
  'contact-code-too-long': TOO_LONG_FOR_A_CODE,
  'contact-code-incomplete':
    'This code is incomplete: part of it is missing. Copy all of it again, or scan it.',
  'bad-checksum': 'This code has a typo: its checksum does not match. Copy it again, or scan it.',
  'bad-version': 'This code comes from a newer version of Tincan. Update this app and try again.',
  'bad-key': 'This code does not hold a usable key.',
};

/** A name for a contact whose code carried none: recognisable, and clearly not self-chosen. */
export const fallbackName = (key: string): string =>
  `Contact ${key.slice(0, 4).toUpperCase()}-${key.slice(4, 8).toUpperCase()}`;

export function createContactsModel(deps: ContactsDeps) {
  const contacts = computed(() => deps.profile.value.contacts);
  const presence = signal<ReadonlySet<string>>(new Set());
  const safetyCache = new Map<string, SafetyNumber>();

  let writes: Promise<void> = Promise.resolve();
  /** Applies a change to the profile and stores it; changes are applied and written in order. */
  const changeProfile = (update: (profile: ProfileData) => ProfileData): Promise<void> => {
    const next = update(deps.profile.value);
    if (next === deps.profile.value) return writes;
    deps.profile.value = next;
    const write = writes.then(() => deps.commit(deps.profile.value));
    writes = write.catch(() => {});
    return write;
  };
  const change = (update: (contacts: book.Contacts) => book.Contacts): Promise<void> =>
    changeProfile((profile) => {
      const contacts = update(profile.contacts);
      return contacts === profile.contacts ? profile : { ...profile, contacts };
    });
  /** Our own rotation's body id per contact, to tell its acknowledgement from others. */
  const rotationSent = new Map<string, MessageId>();

  const sendRotation = (key: string) => {
    const rotation = deps.profile.value.rotation;
    if (rotation) rotationSent.set(key, deps.messenger().sendKeyRotation(key, fromHex(rotation.statement)));
  };

  const safetyOf = (key: string): SafetyNumber => {
    let number = safetyCache.get(key);
    if (!number) {
      number = safetyNumber(deps.myKey, fromHex(key));
      safetyCache.set(key, number);
    }
    return number;
  };

  const myName = () => deps.profile.value.displayName;

  const forgetReplaced = (replaced: readonly string[]) => {
    for (const key of replaced) {
      deps.messenger().forgetPeer(key);
      safetyCache.delete(key);
    }
  };

  const sendFor = async (key: string, result: book.AddResult) => {
    forgetReplaced(result.replaced);
    if (result.send === 'accept') deps.messenger().acceptContact(key, myName());
    if (result.send === 'request') {
      const requestId = deps.messenger().requestContact(key, myName());
      await change((list) => book.setRequestId(list, key, requestId));
    }
  };

  const accepted = computed(() => contacts.value.filter((c) => c.state !== 'incoming'));
  const requests = computed(() => contacts.value.filter((c) => c.state === 'incoming' && !c.blocked));

  return {
    contacts,
    /** Applies a change to the profile (the groups model keeps its groups there) and stores it, in order. */
    changeProfile,
    /** Contacts and our own pending requests, for the list. */
    accepted,
    /** Requests from others waiting for an answer. */
    requests,
    presence: presence as ReadonlySignal<ReadonlySet<string>>,
    /** Our own last key change and the contacts it has not reached yet. */
    rotation: computed(() => deps.profile.value.rotation),
    byKey: (key: string) => book.byKey(contacts.value, key),
    safetyNumber: safetyOf,

    /** Parses pasted text, a link or a scanned QR; never returns a contact for a bad code. */
    preview(input: string): AddPreview {
      if (input.length > MAX_CONTACT_INPUT_LENGTH) return { ok: false, error: TOO_LONG_FOR_A_CODE };
      const text = input.trim();
      if (text.length === 0) return { ok: false, error: 'Paste a contact code or link first.' };
      let card: ContactCard;
      try {
        card = parseContactInput(text);
      } catch (error) {
        if (isProtocolError(error)) {
          return {
            ok: false,
            error:
              BAD_CODE[error.code] ??
              'That is not a Tincan contact code. A code starts with TC1; a link contains #add=.',
          };
        }
        return { ok: false, error: 'That is not a Tincan contact code.' };
      }
      const key = toHex(card.publicKey);
      const self = key === toHex(deps.myKey);
      if (self) return { ok: false, error: 'This is your own code. Share it with others; add theirs here.' };
      const name = card.displayName ?? fallbackName(key);
      const existing = book.byKey(contacts.value, key);
      const clash = existing ? undefined : book.nameClash(contacts.value, name, key);
      return {
        ok: true,
        key,
        name,
        card,
        safety: safetyOf(key),
        self,
        ...(existing ? { existing } : {}),
        ...(clash ? { clash } : {}),
      };
    },

    /** Adds the contact and sends the request (or the acceptance, when they had asked us already). */
    async add(key: string, name: string, options: { scannedInPerson: boolean }): Promise<void> {
      let result: book.AddResult | undefined;
      await change((list) => {
        result = book.addContact(list, { key, name, verified: options.scannedInPerson, now: deps.now() });
        return result.contacts;
      });
      if (result) await sendFor(key, result);
    },

    async acceptRequest(key: string): Promise<void> {
      let result: book.AddResult | undefined;
      await change((list) => {
        result = book.accept(list, key);
        return result.contacts;
      });
      if (result) await sendFor(key, result);
    },

    /** Declining sends nothing: the asker learns nothing about whether this key is in use. */
    async declineRequest(key: string): Promise<void> {
      deps.messenger().forgetPeer(key);
      await change((list) => book.remove(list, key));
    },

    async remove(key: string): Promise<void> {
      deps.messenger().forgetPeer(key);
      safetyCache.delete(key);
      await change((list) => book.remove(list, key));
    },

    /** Sessions, outbox and presence for `key` go at once; its handshakes are refused from now on. */
    async block(key: string): Promise<void> {
      await change((list) => book.setBlocked(list, key, true));
      deps.messenger().forgetPeer(key);
      this.setOnline(key, false);
    },

    async unblock(key: string): Promise<void> {
      await change((list) => book.setBlocked(list, key, false));
      await deps.messenger().unblocked(key);
      // Our key changed while they were blocked (nothing goes to a blocked key): they hear of it now.
      if (deps.profile.value.rotation?.pending.includes(key)) sendRotation(key);
    },

    setVerified(key: string, verified: boolean): Promise<void> {
      return change((list) => book.setVerified(list, key, verified));
    },

    /** Compares a scanned safety-number QR with ours for `key`; a match marks the contact verified. */
    async verifyScan(key: string, text: string): Promise<ScanVerdict> {
      const scanned = scannableFromQrText(text);
      if (!scanned) return 'not-a-safety-code';
      let same: boolean;
      try {
        same = compareScannable(deps.myKey, fromHex(key), scanned);
      } catch (error) {
        return isProtocolError(error, 'bad-fingerprint-version') ? 'other-version' : 'not-a-safety-code';
      }
      if (same) await change((list) => book.setVerified(list, key, true));
      return same ? 'match' : 'mismatch';
    },

    /** From the messenger: a request arrived. Resolves once stored, so the ack means "stored". */
    async receivedRequest(key: string, name: string, requestId: string): Promise<void> {
      const result = book.receiveRequest(deps.profile.value.contacts, {
        key,
        name,
        requestId,
        now: deps.now(),
      });
      await change(() => result.contacts);
      if (result.outcome === 'accept') deps.messenger().acceptContact(key, myName());
    },

    async receivedResponse(key: string, accepted: boolean): Promise<void> {
      if (accepted) await change((list) => book.receiveAcceptance(list, key));
    },

    /** Our own timer change or theirs; true if the value changed (the chat shows a line then). */
    async applyTimer(key: string, seconds: number, setAt: number): Promise<boolean> {
      let changed = false;
      await change((list) => {
        const result = book.applyTimer(list, key, seconds, setAt);
        changed = result.changed;
        return result.contacts;
      });
      return changed;
    },

    setOnline(key: string, online: boolean): void {
      const next = new Set(presence.value);
      if (online) next.add(key);
      else next.delete(key);
      presence.value = next;
    },

    /** The contact now at `key`, following key changes: a screen opened for an old key finds its successor. */
    current: (key: string) =>
      book.byKey(contacts.value, key) ?? contacts.value.find((c) => c.keyChange?.previousKey === key),

    /**
     * From the messenger, which has verified the statement (both keys signed it, `key` sent it, its old key is
     * one of ours): the contact at `previousKey` moves to `key`. Returns whether it moved (a resend, or a
     * contact that is no longer accepted, changes nothing).
     */
    async receivedRotation(key: string, previousKey: string): Promise<boolean> {
      const before = deps.profile.value.contacts;
      await change((list) => book.rotateKey(list, previousKey, key, deps.now()));
      if (deps.profile.value.contacts === before) return false;
      deps.messenger().movePeer(previousKey, key);
      safetyCache.delete(previousKey);
      return true;
    },

    /** Our own key changed: the profile, with the new seed and the rotation to tell every contact. */
    startRotation(seed: string, statement: string): Promise<void> {
      const pending = contacts.value.filter((c) => c.state === 'accepted').map((c) => c.key);
      return changeProfile((profile) => ({ ...profile, seed, rotation: { statement, pending } }));
    },

    /** Sends our rotation to the contacts that have not acknowledged it: at every start, like requests. */
    resendPendingRotation(): void {
      for (const key of deps.profile.value.rotation?.pending ?? []) sendRotation(key);
    },

    /** Acknowledgements from the messenger: a contact that acknowledged our rotation knows our new key. */
    async delivered(key: string, ids: readonly MessageId[]): Promise<void> {
      const id = rotationSent.get(key);
      if (id === undefined || !ids.includes(id)) return;
      rotationSent.delete(key);
      await changeProfile((profile) => {
        const rotation = profile.rotation;
        if (!rotation?.pending.includes(key)) return profile;
        return { ...profile, rotation: { ...rotation, pending: rotation.pending.filter((k) => k !== key) } };
      });
    },

    /** Our requests not yet answered: sent again at every start (the outbox at rest leaves them to us). */
    resendPendingRequests(): void {
      for (const contact of contacts.value) {
        if (contact.state === 'outgoing')
          void sendFor(contact.key, { contacts: contacts.value, send: 'request', replaced: [] });
      }
    },
  };
}

export type ContactsModel = ReturnType<typeof createContactsModel>;
