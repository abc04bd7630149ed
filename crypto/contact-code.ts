/**
 * Contact codes: a Tincan identity key, and optionally a display name and a relay URL, as short checksummed
 * text that people can paste, type, read aloud or put in a QR code.
 *
 *   0         1         2                    34
 *   +---------+---------+--------------------+----------------------+----------------------+------------+
 *   | version |  flags  | identity key       | len u8 | name        | len u8 | relay URL   | checksum   |
 *   |  0x01   |         | 32 bytes Ed25519   | if flags & 0x01      | if flags & 0x02      | 4 bytes    |
 *   +---------+---------+--------------------+----------------------+----------------------+------------+
 *   checksum = SHA-256( "tincan-contact-code-checksum" || every byte before it )[0..4)
 *
 *   text = "TC1" || base32(frame)       RFC 4648 alphabet A-Z 2-7, no padding, unused trailing bits zero
 *
 * The checksum rule is the same for every version and is checked before the version, so a typo reads as
 * 'bad-checksum' and only an intact code from a newer format reads as 'bad-version'. The text uses only
 * characters of QR alphanumeric mode. Decoding is strict: one frame has exactly one text and one meaning.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertString, concatBytes, equalBytes, fromUtf8, utf8 } from './bytes.ts';
import { isAcceptablePublicKey, isIdentityKey, PUBLIC_KEY_LENGTH } from './ed25519.ts';
import { ProtocolError } from './errors.ts';

export const CONTACT_CODE_PREFIX = 'TC1';
export const CONTACT_CODE_VERSION = 1;
export const CONTACT_CHECKSUM_LABEL = 'tincan-contact-code-checksum';
export const CONTACT_CHECKSUM_LENGTH = 4;
export const MAX_DISPLAY_NAME_BYTES = 64;
export const MAX_RELAY_URL_BYTES = 128;
/** Longest input (code with grouping, or link) looked at; the longest canonical code is 375 characters. */
export const MAX_CONTACT_INPUT_LENGTH = 2048;

const FLAG_NAME = 0x01;
const FLAG_RELAY_URL = 0x02;
const KEY_OFFSET = 2;
const MIN_FRAME = KEY_OFFSET + PUBLIC_KEY_LENGTH + CONTACT_CHECKSUM_LENGTH;
const CHECKSUM_LABEL = utf8(CONTACT_CHECKSUM_LABEL);
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** C0/C1 controls, lone surrogates, line/paragraph separators and bidi overrides/isolates. */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export interface ContactCard {
  /** Ed25519 identity key: the contact's address. */
  readonly publicKey: Uint8Array;
  /** Self-chosen and unauthenticated: a hint for the address book, never proof of who someone is. */
  readonly displayName?: string;
  /** WHATWG-serialized https:, wss: (or loopback http:, ws:) URL of a relay where the contact listens. */
  readonly relayUrl?: string;
}

/** The shortest code (a key, no name, no URL) has this many base32 characters after the prefix. */
const MIN_CODE_DIGITS = Math.ceil((MIN_FRAME * 8) / 5);

const bad = (detail: string) => new ProtocolError('bad-contact-code', detail);
/** Checked before anything else looks at the text, so a pasted megabyte costs nothing. */
const tooLong = (length: number) =>
  new ProtocolError('contact-code-too-long', `${length} characters, at most ${MAX_CONTACT_INPUT_LENGTH}`);
const incomplete = (detail: string) => new ProtocolError('contact-code-incomplete', detail);

function checksum(body: Uint8Array): Uint8Array {
  return sha256(concatBytes(CHECKSUM_LABEL, body)).subarray(0, CONTACT_CHECKSUM_LENGTH);
}

/** Why a display name cannot be stored as it is, or undefined if it can. */
function displayNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty';
  if (name !== name.normalize('NFC')) return 'not NFC';
  if (FORBIDDEN_IN_NAME.test(name)) return 'contains control or bidi characters';
  if (utf8(name).length > MAX_DISPLAY_NAME_BYTES) return `longer than ${MAX_DISPLAY_NAME_BYTES} UTF-8 bytes`;
  return undefined;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Plain http: and ws: only to this machine, for development; anything that leaves it must be TLS. */
const isAllowedScheme = (url: URL, secure: string[], plain: string[]) =>
  secure.includes(url.protocol) || (plain.includes(url.protocol) && LOOPBACK_HOSTS.includes(url.hostname));

/** The canonical form of an acceptable relay URL, or undefined. */
function canonicalRelayUrl(text: string): string | undefined {
  const url = parseUrl(text);
  if (!url || !isAllowedScheme(url, ['https:', 'wss:'], ['http:', 'ws:'])) return undefined;
  if (url.username || url.password || url.href.includes('?') || url.href.includes('#')) return undefined;
  return utf8(url.href).length <= MAX_RELAY_URL_BYTES ? url.href : undefined;
}

/** The binary frame, checksum included. Normalizes the name to NFC and the URL to its WHATWG form. */
export function contactToBytes(contact: ContactCard): Uint8Array {
  assertBytes(contact?.publicKey, 'contact.publicKey', PUBLIC_KEY_LENGTH);
  if (!isAcceptablePublicKey(contact.publicKey)) {
    throw new ProtocolError('bad-key', 'not an acceptable identity key');
  }
  let flags = 0;
  const fields: Uint8Array[] = [];
  if (contact.displayName !== undefined) {
    assertString(contact.displayName, 'contact.displayName');
    const name = contact.displayName.normalize('NFC');
    const problem = displayNameProblem(name);
    if (problem) throw new RangeError(`contact.displayName is ${problem}`);
    flags |= FLAG_NAME;
    const bytes = utf8(name);
    fields.push(new Uint8Array([bytes.length]), bytes);
  }
  if (contact.relayUrl !== undefined) {
    assertString(contact.relayUrl, 'contact.relayUrl');
    const url = canonicalRelayUrl(contact.relayUrl);
    if (url === undefined) throw new RangeError('contact.relayUrl is not an acceptable relay URL');
    flags |= FLAG_RELAY_URL;
    const bytes = utf8(url);
    fields.push(new Uint8Array([bytes.length]), bytes);
  }
  const body = concatBytes(new Uint8Array([CONTACT_CODE_VERSION, flags]), contact.publicKey, ...fields);
  return concatBytes(body, checksum(body));
}

/** Parses a binary frame. Checksum first, then version, then the strict version 1 layout. */
export function contactFromBytes(frame: Uint8Array): ContactCard {
  assertBytes(frame, 'frame');
  if (frame.length < MIN_FRAME) throw incomplete(`frame of ${frame.length} bytes`);
  const body = frame.subarray(0, frame.length - CONTACT_CHECKSUM_LENGTH);
  if (!equalBytes(checksum(body), frame.subarray(body.length))) throw new ProtocolError('bad-checksum');
  if (body[0] !== CONTACT_CODE_VERSION) {
    throw new ProtocolError('bad-version', `contact code version ${body[0]}`);
  }
  const flags = body[1]!;
  if ((flags & ~(FLAG_NAME | FLAG_RELAY_URL)) !== 0) throw bad('unknown flags');
  const publicKey = body.slice(KEY_OFFSET, KEY_OFFSET + PUBLIC_KEY_LENGTH);
  if (!isIdentityKey(publicKey)) throw new ProtocolError('bad-key', 'not an acceptable identity key');
  let offset = KEY_OFFSET + PUBLIC_KEY_LENGTH;
  const field = (max: number, what: string): string => {
    const length = body[offset];
    if (length === undefined || length === 0 || length > max) throw bad(`${what} length`);
    if (offset + 1 + length > body.length) throw bad(`${what} truncated`);
    const bytes = body.subarray(offset + 1, offset + 1 + length);
    offset += 1 + length;
    try {
      return fromUtf8(bytes);
    } catch {
      throw bad(`${what} is not UTF-8`);
    }
  };
  const contact: { publicKey: Uint8Array; displayName?: string; relayUrl?: string } = { publicKey };
  if (flags & FLAG_NAME) {
    const name = field(MAX_DISPLAY_NAME_BYTES, 'display name');
    const problem = displayNameProblem(name);
    if (problem) throw bad(`display name is ${problem}`);
    contact.displayName = name;
  }
  if (flags & FLAG_RELAY_URL) {
    const url = field(MAX_RELAY_URL_BYTES, 'relay URL');
    if (canonicalRelayUrl(url) !== url) throw bad('relay URL is not an acceptable canonical URL');
    contact.relayUrl = url;
  }
  if (offset !== body.length) throw bad('trailing bytes');
  return contact;
}

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let value = 0;
  let bits = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    for (; bits >= 5; bits -= 5) out += BASE32[(value >>> (bits - 5)) & 31];
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}

/** Strict: no length that unpadded base32 cannot produce, and the unused trailing bits must be zero. */
function base32Decode(text: string): Uint8Array {
  if ([1, 3, 6].includes(text.length % 8)) throw bad('impossible base32 length');
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let value = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) throw bad('character outside the base32 alphabet');
    value = ((value << 5) | digit) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >>> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) throw bad('non-zero trailing bits');
  return out;
}

export function encodeContactCode(contact: ContactCard): string {
  return CONTACT_CODE_PREFIX + base32Encode(contactToBytes(contact));
}

/** Accepts lower case and ignores whitespace and hyphens, which people add when copying a code by hand. */
export function decodeContactCode(text: string): ContactCard {
  assertString(text, 'text');
  if (text.length > MAX_CONTACT_INPUT_LENGTH) throw tooLong(text.length);
  // ASCII-only upper-casing: String#toUpperCase would map e.g. U+0131 (dotless i) to 'I'.
  const compact = text.replace(/[\s-]/g, '').replace(/[a-z]/g, (c) => c.toUpperCase());
  if (!compact.startsWith(CONTACT_CODE_PREFIX)) throw bad(`does not start with ${CONTACT_CODE_PREFIX}`);
  const digits = compact.slice(CONTACT_CODE_PREFIX.length);
  if (/[^A-Z2-7]/.test(digits)) throw bad('character outside the base32 alphabet');
  // A code cut short (a partial copy) is told apart from one that is not a code at all.
  if (digits.length < MIN_CODE_DIGITS) throw incomplete(`${digits.length} characters after the prefix`);
  return contactFromBytes(base32Decode(digits));
}

/** The code split for reading aloud or copying by hand: prefix, then groups of four. */
export function formatContactCode(code: string): string {
  assertString(code, 'code');
  return [
    code.slice(0, CONTACT_CODE_PREFIX.length),
    ...(code.slice(CONTACT_CODE_PREFIX.length).match(/.{1,4}/g) ?? []),
  ].join(' ');
}

function isCanonicalCode(code: string): boolean {
  try {
    return encodeContactCode(decodeContactCode(code)) === code;
  } catch {
    return false;
  }
}

/**
 * `https://HOST/#add=CODE`. The code sits in the fragment, which browsers never send, so the server that
 * hosts the app does not learn whose code was opened.
 */
export function contactLink(origin: string, code: string): string {
  assertString(origin, 'origin');
  assertString(code, 'code');
  const url = parseUrl(origin);
  if (!url || url.origin !== origin || !isAllowedScheme(url, ['https:'], ['http:'])) {
    throw new RangeError(
      'origin must be an https origin (or http on loopback) such as https://tincan.example',
    );
  }
  if (!isCanonicalCode(code)) throw new RangeError('code must be a canonical contact code');
  return `${origin}/#add=${code}`;
}

/** A bare contact code or a contact link (only its #add= fragment is read); the decoded contact. */
export function parseContactInput(text: string): ContactCard {
  assertString(text, 'text');
  if (text.length > MAX_CONTACT_INPUT_LENGTH) throw tooLong(text.length);
  const trimmed = text.trim();
  if (!/^https?:\/\//i.test(trimmed)) return decodeContactCode(trimmed);
  const hash = parseUrl(trimmed)?.hash;
  if (hash === undefined) throw bad('not a valid link');
  if (!hash.startsWith('#add=')) throw bad('link has no #add= fragment');
  return decodeContactCode(hash.slice('#add='.length));
}
