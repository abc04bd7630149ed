/**
 * Chat-layer bodies: what a session envelope of each MESSAGE_KIND carries. Each payload below is wrapped
 * in the padded body frame of body-frame.ts. Integers are big-endian; ids are 16 random bytes; every
 * length is exact and nothing may follow the last field.
 *
 *   chat (1)            | id 16 | sentAt u64 ms | expiresIn u32 s (0 = never) | text UTF-8 (1..16000) |
 *   ack (2)             | count u8 (1..64) | count x id 16 |
 *   receipt (3)         | id 16 | count u8 (1..64) | count x id 16 |            (read receipt)
 *   typing (4)          | state u8: 0 stopped, 1 typing |
 *   presence (5)        | state u8: 1 ping, 2 pong, 3 leaving |
 *   contactRequest (6)  | id 16 | n u8 (1..64) | display name n |
 *   contactResponse (7) | id 16 | accepted u8 (0, 1) | n u8 (0..64) | display name n (n = 0: none) |
 *   settings (12)       | id 16 | setAt u64 ms | expiresIn u32 s (0 = off) |
 *   keyRotation (13)    | id 16 | statement 201 (crypto/key-rotation.ts) |      (sent from the new key)
 *   group (16), groupTyping (17): group-bodies.ts
 *
 * Bodies with an id are reliable: the receiver acknowledges the id once it has stored the body, and the
 * sender's outbox resends until then. ack, typing and presence are fire-and-forget.
 */
import {
  assertBytes,
  assertString,
  concatBytes,
  fromHex,
  fromUtf8,
  type RandomSource,
  toHex,
  u32be,
  u64be,
  utf8,
} from '../../crypto/bytes.ts';
import { MESSAGE_KIND, type MessageKind } from '../../crypto/envelope.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import { KEY_ROTATION_LENGTH, keyRotationFromBytes } from '../../crypto/key-rotation.ts';
import { padBody, unpadBody } from './body-frame.ts';
import { ByteReader } from './byte-reader.ts';
import {
  decodeGroupBody,
  decodeGroupTyping,
  encodeGroupBody,
  encodeGroupTyping,
  type GroupBody,
  type GroupTypingBody,
} from './group-bodies.ts';

export const MESSAGE_ID_BYTES = 16;
export const MAX_TEXT_BYTES = 16_000;
export const MAX_IDS_PER_BODY = 64;
export const MAX_DISPLAY_NAME_BYTES = 64;
/** Four weeks: the longest disappearing timer. */
export const MAX_EXPIRY_SECONDS = 28 * 24 * 3600;

/** 32 lower-case hex characters. */
export type MessageId = string;
export type PresenceState = 'ping' | 'pong' | 'leaving';

export type ChatBody =
  | { type: 'chat'; id: MessageId; sentAt: number; text: string; expiresInSeconds?: number }
  | { type: 'ack'; ids: MessageId[] }
  | { type: 'receipt'; id: MessageId; read: MessageId[] }
  | { type: 'typing'; typing: boolean }
  | { type: 'presence'; state: PresenceState }
  | { type: 'contactRequest'; id: MessageId; displayName: string }
  | { type: 'contactResponse'; id: MessageId; accepted: boolean; displayName?: string }
  | { type: 'settings'; id: MessageId; setAt: number; expiresInSeconds: number }
  | { type: 'keyRotation'; id: MessageId; statement: Uint8Array }
  | GroupBody
  | GroupTypingBody;

export type ReliableBody = Extract<ChatBody, { id: MessageId }>;
export const isReliable = (body: ChatBody): body is ReliableBody => 'id' in body;

const KIND_OF: Record<ChatBody['type'], MessageKind> = {
  chat: MESSAGE_KIND.chat,
  ack: MESSAGE_KIND.ack,
  receipt: MESSAGE_KIND.receipt,
  typing: MESSAGE_KIND.typing,
  presence: MESSAGE_KIND.presence,
  contactRequest: MESSAGE_KIND.contactRequest,
  contactResponse: MESSAGE_KIND.contactResponse,
  settings: MESSAGE_KIND.conversationSettings,
  keyRotation: MESSAGE_KIND.keyRotation,
  group: MESSAGE_KIND.group,
  groupTyping: MESSAGE_KIND.groupTyping,
};
const PRESENCE_STATES: readonly PresenceState[] = ['ping', 'pong', 'leaving'];
/** As crypto/contact-code.ts: C0/C1 controls, lone surrogates, line/paragraph separators, bidi controls. */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export const newMessageId = (random: RandomSource): MessageId => toHex(random(MESSAGE_ID_BYTES));
export const isMessageId = (value: unknown): value is MessageId =>
  typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
export const isChatKind = (kind: number): boolean => Object.values(KIND_OF).includes(kind as MessageKind);

export function isAcceptableDisplayName(name: string): boolean {
  const length = utf8(name).length;
  return (
    length >= 1 &&
    length <= MAX_DISPLAY_NAME_BYTES &&
    name === name.normalize('NFC') &&
    !FORBIDDEN_IN_NAME.test(name)
  );
}

export function encodeBody(body: ChatBody): { kind: MessageKind; bytes: Uint8Array } {
  const kind = KIND_OF[body?.type];
  if (kind === undefined) throw new TypeError(`body.type unknown: ${String(body?.type)}`);
  return { kind, bytes: padBody(encodePayload(body)) };
}

function encodePayload(body: ChatBody): Uint8Array {
  switch (body.type) {
    case 'chat': {
      assertString(body.text, 'body.text');
      const text = utf8(body.text);
      if (text.length < 1 || text.length > MAX_TEXT_BYTES)
        throw new RangeError(`body.text must be 1..${MAX_TEXT_BYTES} UTF-8 bytes`);
      return concatBytes(
        idBytes(body.id),
        timeBytes(body.sentAt, 'sentAt'),
        expiryBytes(body.expiresInSeconds ?? 0),
        text,
      );
    }
    case 'ack':
      return idList(body.ids);
    case 'receipt':
      return concatBytes(idBytes(body.id), idList(body.read));
    case 'typing':
      return Uint8Array.of(body.typing ? 1 : 0);
    case 'presence': {
      const index = PRESENCE_STATES.indexOf(body.state);
      if (index < 0) throw new RangeError(`body.state unknown: ${String(body.state)}`);
      return Uint8Array.of(index + 1);
    }
    case 'contactRequest':
      return concatBytes(idBytes(body.id), nameBytes(body.displayName, false));
    case 'contactResponse':
      return concatBytes(
        idBytes(body.id),
        Uint8Array.of(body.accepted ? 1 : 0),
        nameBytes(body.displayName, true),
      );
    case 'settings':
      return concatBytes(
        idBytes(body.id),
        timeBytes(body.setAt, 'setAt'),
        expiryBytes(body.expiresInSeconds),
      );
    case 'keyRotation':
      assertBytes(body.statement, 'statement', KEY_ROTATION_LENGTH);
      return concatBytes(idBytes(body.id), body.statement);
    case 'group':
      return encodeGroupBody(body);
    case 'groupTyping':
      return encodeGroupTyping(body);
  }
}

const idBytes = (id: MessageId): Uint8Array => {
  if (!isMessageId(id)) throw new RangeError('id must be 32 lower-case hex characters');
  return fromHex(id);
};

function idList(ids: readonly MessageId[]): Uint8Array {
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_IDS_PER_BODY) {
    throw new RangeError(`ids must hold 1..${MAX_IDS_PER_BODY} ids`);
  }
  return concatBytes(Uint8Array.of(ids.length), ...ids.map(idBytes));
}

const timeBytes = (ms: number, name: string): Uint8Array => {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`${name} must be a non-negative safe integer`);
  return u64be(ms);
};

const expiryBytes = (seconds: number): Uint8Array => {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError(`expiresInSeconds must be 0..${MAX_EXPIRY_SECONDS}`);
  }
  return u32be(seconds);
};

function nameBytes(name: string | undefined, optional: boolean): Uint8Array {
  if (name === undefined && optional) return Uint8Array.of(0);
  assertString(name, 'displayName');
  if (!isAcceptableDisplayName(name)) throw new RangeError('displayName is not an acceptable display name');
  const bytes = utf8(name);
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

/** Throws ProtocolError for anything but a canonical encoding of a known chat-layer kind. */
export function decodeBody(kind: number, bytes: Uint8Array): ChatBody {
  const reader = new ByteReader(unpadBody(bytes));
  const body = decodePayload(kind, reader);
  reader.end();
  return body;
}

function decodePayload(kind: number, reader: ByteReader): ChatBody {
  switch (kind) {
    case MESSAGE_KIND.chat: {
      const id = readId(reader);
      const sentAt = reader.u64();
      const expiresInSeconds = readExpiry(reader);
      const text = readText(reader.rest(), MAX_TEXT_BYTES, 'text');
      return expiresInSeconds
        ? { type: 'chat', id, sentAt, text, expiresInSeconds }
        : { type: 'chat', id, sentAt, text };
    }
    case MESSAGE_KIND.ack:
      return { type: 'ack', ids: readIdList(reader) };
    case MESSAGE_KIND.receipt:
      return { type: 'receipt', id: readId(reader), read: readIdList(reader) };
    case MESSAGE_KIND.typing:
      return { type: 'typing', typing: reader.flag() };
    case MESSAGE_KIND.presence: {
      const state = PRESENCE_STATES[reader.u8() - 1];
      if (state === undefined) throw new ProtocolError('bad-encoding', 'presence state');
      return { type: 'presence', state };
    }
    case MESSAGE_KIND.contactRequest: {
      const id = readId(reader);
      const displayName = readName(reader);
      if (displayName === undefined)
        throw new ProtocolError('bad-encoding', 'contact request without a name');
      return { type: 'contactRequest', id, displayName };
    }
    case MESSAGE_KIND.contactResponse: {
      const id = readId(reader);
      const accepted = reader.flag();
      const displayName = readName(reader);
      return displayName === undefined
        ? { type: 'contactResponse', id, accepted }
        : { type: 'contactResponse', id, accepted, displayName };
    }
    case MESSAGE_KIND.conversationSettings:
      return {
        type: 'settings',
        id: readId(reader),
        setAt: reader.u64(),
        expiresInSeconds: readExpiry(reader),
      };
    case MESSAGE_KIND.keyRotation: {
      const id = readId(reader);
      const statement = reader.take(KEY_ROTATION_LENGTH);
      keyRotationFromBytes(statement); // the layout; the signatures are the receiver's to check
      return { type: 'keyRotation', id, statement };
    }
    case MESSAGE_KIND.group:
      return decodeGroupBody(reader);
    case MESSAGE_KIND.groupTyping:
      return decodeGroupTyping(reader);
    default:
      throw new ProtocolError('bad-type', `message kind ${kind} is not a chat body`);
  }
}

const readId = (reader: ByteReader): MessageId => toHex(reader.take(MESSAGE_ID_BYTES));

function readIdList(reader: ByteReader): MessageId[] {
  const count = reader.u8();
  if (count < 1 || count > MAX_IDS_PER_BODY) throw new ProtocolError('bad-encoding', `${count} ids`);
  return Array.from({ length: count }, () => readId(reader));
}

function readExpiry(reader: ByteReader): number {
  const seconds = reader.u32();
  if (seconds > MAX_EXPIRY_SECONDS) throw new ProtocolError('bad-encoding', 'expiry too long');
  return seconds;
}

function readText(bytes: Uint8Array, max: number, what: string): string {
  if (bytes.length < 1 || bytes.length > max)
    throw new ProtocolError('bad-length', `${what} of ${bytes.length} bytes`);
  try {
    return fromUtf8(bytes);
  } catch {
    throw new ProtocolError('bad-encoding', `${what} is not UTF-8`);
  }
}

function readName(reader: ByteReader): string | undefined {
  const length = reader.u8();
  if (length === 0) return undefined;
  const name = readText(reader.take(length), MAX_DISPLAY_NAME_BYTES, 'display name');
  if (!isAcceptableDisplayName(name)) throw new ProtocolError('bad-encoding', 'display name');
  return name;
}
