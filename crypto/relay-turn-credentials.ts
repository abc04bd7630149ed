/**
 * The body of a TURN_CREDENTIALS frame (spec/relay.md, TURN credentials), after its two header bytes:
 *
 *   +-------------------+--------+----------+--------+------------+----------+------------------------+
 *   | expires u64 (unix | n u16  | username | n u16  | credential | count u8 | count x (n u16 | url)  |
 *   | seconds)          |        | (n)      |        | (n)        | (1..8)   |                        |
 *   +-------------------+--------+----------+--------+------------+----------+------------------------+
 *
 * Every string is 1..512 bytes of printable ASCII without spaces (0x21..0x7e): TURN REST usernames,
 * base64 credentials and turn:/turns: URLs never need more, and nothing else gets through.
 */
import { concatBytes, readU64be, u64be } from './bytes.ts';
import { ProtocolError } from './errors.ts';

export interface TurnCredentialsBody {
  expiresAt: number;
  username: string;
  credential: string;
  urls: string[];
}

const MAX_TURN_STRING = 512;
const MAX_TURN_URLS = 8;

const bad = (detail: string): ProtocolError => new ProtocolError('bad-frame', detail);

/** Printable ASCII without spaces; anything else is a bad frame. */
export function readAscii(bytes: Uint8Array, name: string): string {
  for (const byte of bytes) if (byte < 0x21 || byte > 0x7e) throw bad(`${name} is not printable ASCII`);
  return String.fromCharCode(...bytes);
}

/** For strings already checked to be ASCII. */
export const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function assertTurnString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (value.length < 1 || value.length > MAX_TURN_STRING || !/^[\x21-\x7e]+$/.test(value)) {
    throw new RangeError(`${name} must be 1..${MAX_TURN_STRING} printable ASCII characters without spaces`);
  }
}

export function encodeTurnCredentialsBody(body: TurnCredentialsBody): Uint8Array {
  if (!Number.isSafeInteger(body.expiresAt) || body.expiresAt < 0)
    throw new RangeError('expiresAt out of range');
  if (!Array.isArray(body.urls) || body.urls.length < 1 || body.urls.length > MAX_TURN_URLS) {
    throw new RangeError(`urls must hold 1..${MAX_TURN_URLS} entries`);
  }
  assertTurnString(body.username, 'username');
  assertTurnString(body.credential, 'credential');
  for (const url of body.urls) assertTurnString(url, 'url');
  const field = (text: string) =>
    concatBytes(Uint8Array.of(text.length >> 8, text.length & 0xff), asciiBytes(text));
  return concatBytes(
    u64be(body.expiresAt),
    field(body.username),
    field(body.credential),
    Uint8Array.of(body.urls.length),
    ...body.urls.map(field),
  );
}

export function decodeTurnCredentialsBody(bytes: Uint8Array): TurnCredentialsBody {
  let offset = 0;
  const need = (n: number) => {
    if (bytes.length < offset + n) throw bad('TURN_CREDENTIALS truncated');
  };
  const field = (name: string): string => {
    need(2);
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    if (length < 1 || length > MAX_TURN_STRING) throw bad(`${name} length ${length}`);
    offset += 2;
    need(length);
    offset += length;
    return readAscii(bytes.subarray(offset - length, offset), name);
  };
  need(8);
  const expires = readU64be(bytes, offset);
  if (expires > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('expiry out of range');
  offset += 8;
  const username = field('username');
  const credential = field('credential');
  need(1);
  const count = bytes[offset++]!;
  if (count < 1 || count > MAX_TURN_URLS) throw bad(`${count} TURN URLs`);
  const urls: string[] = [];
  for (let i = 0; i < count; i++) urls.push(field('url'));
  if (offset !== bytes.length) throw bad('trailing bytes after TURN_CREDENTIALS');
  return { expiresAt: Number(expires), username, credential, urls };
}
