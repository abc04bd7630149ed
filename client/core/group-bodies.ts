/**
 * Group bodies: what a session envelope of kind group (16) or groupTyping (17) carries, inside the padded
 * body frame of body-frame.ts like every chat body. A group body is an ordinary pairwise body: the sender
 * seals one copy per member, each in its own session, so the relay cannot tell it from one-to-one traffic.
 *
 *   group (16)        | id 16 | group id 16 | part u8 | part payload |
 *     1 statement     | signed group statement (crypto/group-statement.ts), to the end |
 *     2 text          | sentAt u64 ms | expiresIn u32 s (0 = never) | text UTF-8 (1..16000) |
 *     3 read          | count u8 (1..64) | count × id 16 |   (sent to the author of the ids only)
 *   groupTyping (17)  | group id 16 | state u8: 0 stopped, 1 typing |
 *
 * The id makes a group body reliable: every copy has the same id, and each member acknowledges it with an
 * ordinary ack once stored; the sender's outbox holds one entry per member until then.
 */
import {
  assertBytes,
  assertString,
  concatBytes,
  fromHex,
  fromUtf8,
  toHex,
  u32be,
  u64be,
  utf8,
} from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import {
  GROUP_ID_LENGTH,
  groupStatementFromBytes,
  MAX_GROUP_EXPIRY_SECONDS,
} from '../../crypto/group-statement.ts';
import type { ByteReader } from './byte-reader.ts';
import { type GroupId, isGroupId } from './group-state.ts';

const ID_BYTES = 16;
const MAX_TEXT_BYTES = 16_000;
const MAX_IDS = 64;
export const GROUP_PART = { statement: 1, text: 2, read: 3 } as const;

export type GroupPayload =
  | { readonly kind: 'statement'; readonly statement: Uint8Array }
  | {
      readonly kind: 'text';
      readonly sentAt: number;
      readonly text: string;
      readonly expiresInSeconds?: number;
    }
  | { readonly kind: 'read'; readonly ids: readonly string[] };

export interface GroupBody {
  readonly type: 'group';
  readonly id: string;
  readonly groupId: GroupId;
  readonly payload: GroupPayload;
}

export interface GroupTypingBody {
  readonly type: 'groupTyping';
  readonly groupId: GroupId;
  readonly typing: boolean;
}

const hexBytes = (value: string, name: string): Uint8Array => {
  if (typeof value !== 'string' || !/^[0-9a-f]{32}$/.test(value))
    throw new RangeError(`${name} must be 32 lower-case hex characters`);
  return fromHex(value);
};

const groupIdBytes = (groupId: GroupId): Uint8Array => {
  if (!isGroupId(groupId)) throw new RangeError('groupId must be 32 lower-case hex characters');
  return fromHex(groupId);
};

export function encodeGroupBody(body: GroupBody): Uint8Array {
  return concatBytes(hexBytes(body.id, 'id'), groupIdBytes(body.groupId), encodePart(body.payload));
}

export function encodeGroupTyping(body: GroupTypingBody): Uint8Array {
  return concatBytes(groupIdBytes(body.groupId), Uint8Array.of(body.typing ? 1 : 0));
}

function encodePart(payload: GroupPayload): Uint8Array {
  switch (payload?.kind) {
    case 'statement':
      assertBytes(payload.statement, 'payload.statement');
      groupStatementFromBytes(payload.statement);
      return concatBytes(Uint8Array.of(GROUP_PART.statement), payload.statement);
    case 'text': {
      assertString(payload.text, 'payload.text');
      const text = utf8(payload.text);
      if (text.length < 1 || text.length > MAX_TEXT_BYTES)
        throw new RangeError(`payload.text must be 1..${MAX_TEXT_BYTES} UTF-8 bytes`);
      const expires = payload.expiresInSeconds ?? 0;
      if (!Number.isInteger(expires) || expires < 0 || expires > MAX_GROUP_EXPIRY_SECONDS)
        throw new RangeError(`expiresInSeconds must be 0..${MAX_GROUP_EXPIRY_SECONDS}`);
      if (!Number.isSafeInteger(payload.sentAt) || payload.sentAt < 0)
        throw new RangeError('sentAt must be a non-negative safe integer');
      return concatBytes(Uint8Array.of(GROUP_PART.text), u64be(payload.sentAt), u32be(expires), text);
    }
    case 'read': {
      const { ids } = payload;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_IDS)
        throw new RangeError(`ids must hold 1..${MAX_IDS} ids`);
      return concatBytes(Uint8Array.of(GROUP_PART.read, ids.length), ...ids.map((id) => hexBytes(id, 'id')));
    }
    default:
      throw new TypeError(`group payload kind unknown: ${String((payload as { kind?: unknown })?.kind)}`);
  }
}

export function decodeGroupBody(reader: ByteReader): GroupBody {
  const id = toHex(reader.take(ID_BYTES));
  const groupId = toHex(reader.take(GROUP_ID_LENGTH));
  const part = reader.u8();
  switch (part) {
    case GROUP_PART.statement: {
      const statement = reader.rest();
      groupStatementFromBytes(statement); // the layout; the signature and authority are the receiver's to check
      return { type: 'group', id, groupId, payload: { kind: 'statement', statement } };
    }
    case GROUP_PART.text: {
      const sentAt = reader.u64();
      const expiresInSeconds = reader.u32();
      if (expiresInSeconds > MAX_GROUP_EXPIRY_SECONDS)
        throw new ProtocolError('bad-encoding', 'expiry too long');
      const bytes = reader.rest();
      if (bytes.length < 1 || bytes.length > MAX_TEXT_BYTES)
        throw new ProtocolError('bad-length', `text of ${bytes.length} bytes`);
      let text: string;
      try {
        text = fromUtf8(bytes);
      } catch {
        throw new ProtocolError('bad-encoding', 'text is not UTF-8');
      }
      const payload: GroupPayload = expiresInSeconds
        ? { kind: 'text', sentAt, text, expiresInSeconds }
        : { kind: 'text', sentAt, text };
      return { type: 'group', id, groupId, payload };
    }
    case GROUP_PART.read: {
      const count = reader.u8();
      if (count < 1 || count > MAX_IDS) throw new ProtocolError('bad-encoding', `${count} ids`);
      const ids = Array.from({ length: count }, () => toHex(reader.take(ID_BYTES)));
      return { type: 'group', id, groupId, payload: { kind: 'read', ids } };
    }
    default:
      throw new ProtocolError('bad-type', `group part ${part}`);
  }
}

export function decodeGroupTyping(reader: ByteReader): GroupTypingBody {
  const groupId = toHex(reader.take(GROUP_ID_LENGTH));
  return { type: 'groupTyping', groupId, typing: reader.flag() };
}
