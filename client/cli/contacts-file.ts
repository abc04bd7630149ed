/**
 * The CLI's address book, `contacts.json` next to the identity file (mode 0600):
 *
 *   { "version": 1, "contacts": [ { "name": "bob", "publicKey": "<hex>", "displayName": "Bob",
 *       "relayUrl": "wss://...", "addedAt": "<ISO time>", "confirmed": true } ] }
 *
 * `name` is the local, unique handle the user types; `displayName` is what the contact calls itself
 * (unauthenticated). `confirmed` means the contact has accepted us (or asked for us itself).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toHex } from '../../crypto/bytes.ts';
import { type ContactCard, parseContactInput } from '../../crypto/contact-code.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import type { PeerId } from '../core/session-manager.ts';
import { CliError, writeJsonAtomically } from './identity-file.ts';

export interface Contact {
  readonly name: string;
  readonly publicKey: PeerId;
  readonly displayName?: string;
  readonly relayUrl?: string;
  readonly addedAt: string;
  confirmed: boolean;
}

/** Handles people type: letters, digits, dot, dash, underscore; not something that parses as a code. */
const NAME = /^[\p{L}\p{N}._-]{1,32}$/u;

export const contactsPathFor = (identityPath: string): string => join(dirname(identityPath), 'contacts.json');

export class ContactBook {
  private constructor(
    readonly path: string,
    private readonly contacts: Contact[],
  ) {}

  static async open(path: string): Promise<ContactBook> {
    try {
      const file = JSON.parse(await readFile(path, 'utf8')) as { version?: number; contacts?: Contact[] };
      if (file.version !== 1 || !Array.isArray(file.contacts))
        throw new CliError(`${path} is not a contacts file`);
      return new ContactBook(path, file.contacts);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ContactBook(path, []);
      throw error;
    }
  }

  list(): readonly Contact[] {
    return this.contacts;
  }

  byKey(publicKey: PeerId): Contact | undefined {
    return this.contacts.find((c) => c.publicKey === publicKey);
  }

  byName(name: string): Contact | undefined {
    return this.contacts.find((c) => c.name.toLowerCase() === name.toLowerCase());
  }

  /** Adds a contact from a code or link. Refuses a name taken by another key: that is how key changes show. */
  add(card: ContactCard, name: string, now: Date, confirmed = false): Contact {
    if (!NAME.test(name))
      throw new CliError(`"${name}" is not a usable name: letters, digits, . _ - (at most 32)`);
    const publicKey = toHex(card.publicKey);
    const sameName = this.byName(name);
    if (sameName && sameName.publicKey !== publicKey) {
      throw new CliError(
        `"${name}" is already a contact with a DIFFERENT key: pick another name, or check with them first`,
      );
    }
    const sameKey = this.byKey(publicKey);
    if (sameKey) throw new CliError(`this code is already in your contacts as "${sameKey.name}"`);
    const contact: Contact = {
      name,
      publicKey,
      ...(card.displayName ? { displayName: card.displayName } : {}),
      ...(card.relayUrl ? { relayUrl: card.relayUrl } : {}),
      addedAt: now.toISOString(),
      confirmed,
    };
    this.contacts.push(contact);
    return contact;
  }

  /** A free handle derived from a display name, for contacts accepted from a request. */
  freeName(displayName: string): string {
    const base =
      [...displayName.normalize('NFC')]
        .filter((c) => /[\p{L}\p{N}._-]/u.test(c))
        .join('')
        .slice(0, 28) || 'contact';
    let name = base;
    for (let i = 2; this.byName(name); i++) name = `${base}-${i}`;
    return name;
  }

  save(): Promise<void> {
    return writeJsonAtomically(this.path, { version: 1, contacts: this.contacts });
  }

  /** A contact by name, or by contact code / link (which need not be in the book). */
  resolve(nameOrCode: string): { publicKey: PeerId; contact?: Contact } {
    const named = this.byName(nameOrCode);
    if (named) return { publicKey: named.publicKey, contact: named };
    let card: ContactCard;
    try {
      card = parseContactInput(nameOrCode);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      throw new CliError(
        `"${nameOrCode}" is neither a contact name nor a valid contact code (${error.code})`,
      );
    }
    const publicKey = toHex(card.publicKey);
    const known = this.byKey(publicKey);
    return known ? { publicKey, contact: known } : { publicKey };
  }
}
