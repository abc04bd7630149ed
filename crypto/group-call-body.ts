/**
 * Group call bodies: what a session envelope of kind groupCall carries between two members of a group, to
 * ring, join, leave and tell who is in a group call. The media itself never uses these: each pair of
 * participants runs an ordinary call (call-signaling.ts) whose call id is derived from the group call's
 * (legCallId below), so the pair's offer, answer, candidates and controls are one-to-one call bodies.
 *
 *   +----+--------+---------------+--------------+-------+--------+-------------+------+------------------+
 *   | 01 | action | group id (16) | call id (16) | media | reason | sentAt u64  | n u8 | n × identity key |
 *   |    |   u8   |               |              |  u8   |   u8   | ms, BE      | 0..5 | (32 each)        |
 *   +----+--------+---------------+--------------+-------+--------+-------------+------+------------------+
 *
 *   action   1 invite (rings the members), 2 join, 3 leave, 4 roster (the sender's view, sent to a joiner)
 *   media    1 audio, 2 video
 *   reason   0, or for leave: 1 the call was full, 2 the sender's certificate check of the recipient failed
 *   keys     the participants the sender knows are in the call, itself left out, in ascending byte order,
 *            no duplicate: at most GROUP_CALL_CAP − 1
 *
 * Exact lengths, nothing after the last key. Decoding throws ProtocolError (never critical: a bad body is
 * dropped, the session goes on).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, compareBytes, concatBytes, readU64be, u64be, utf8 } from './bytes.ts';
import { MESSAGE_KIND } from './envelope.ts';
import { ProtocolError } from './errors.ts';

export const GROUP_CALL_BODY_VERSION = 1;
/** The most people in one group call, the caller included: each pair is a connection of its own (full mesh). */
export const GROUP_CALL_CAP = 6;
export const GROUP_ID_BYTES = 16;
export const GROUP_CALL_ID_BYTES = 16;
export const IDENTITY_KEY_BYTES = 32;
const HEAD_BYTES = 1 + 1 + GROUP_ID_BYTES + GROUP_CALL_ID_BYTES + 1 + 1 + 8 + 1;
export const MAX_GROUP_CALL_BODY_BYTES = HEAD_BYTES + (GROUP_CALL_CAP - 1) * IDENTITY_KEY_BYTES;

export const GROUP_CALL_ACTIONS = ['invite', 'join', 'leave', 'roster'] as const;
export type GroupCallAction = (typeof GROUP_CALL_ACTIONS)[number];
export const GROUP_CALL_MEDIA = ['audio', 'video'] as const;
export type GroupCallMedia = (typeof GROUP_CALL_MEDIA)[number];
export const LEAVE_REASONS = ['left', 'full', 'security'] as const;
export type LeaveReason = (typeof LEAVE_REASONS)[number];

export interface GroupCallBody {
  readonly action: GroupCallAction;
  readonly groupId: Uint8Array;
  readonly callId: Uint8Array;
  readonly media: GroupCallMedia;
  /** 'left' for every action but leave. */
  readonly reason: LeaveReason;
  /** ms since the epoch, the sender's clock: an invite older than a minute no longer rings. */
  readonly sentAt: number;
  /** The participants the sender knows are in the call, the sender left out. */
  readonly participants: readonly Uint8Array[];
}

const MAX_SAFE = 2 ** 53 - 1;
const LEG_LABEL = utf8('tincan-group-call-leg-v1\0');

export function encodeGroupCallBody(body: GroupCallBody): { kind: number; payload: Uint8Array } {
  if (typeof body !== 'object' || body === null) throw new TypeError('body must be an object');
  assertBytes(body.groupId, 'body.groupId', GROUP_ID_BYTES);
  assertBytes(body.callId, 'body.callId', GROUP_CALL_ID_BYTES);
  const action = GROUP_CALL_ACTIONS.indexOf(body.action);
  const media = GROUP_CALL_MEDIA.indexOf(body.media);
  const reason = LEAVE_REASONS.indexOf(body.reason);
  if (action < 0) throw new RangeError(`body.action: unknown ${String(body.action)}`);
  if (media < 0) throw new RangeError(`body.media: unknown ${String(body.media)}`);
  if (reason < 0 || (reason > 0 && body.action !== 'leave'))
    throw new RangeError(`body.reason: ${String(body.reason)} not allowed for ${body.action}`);
  if (!Number.isSafeInteger(body.sentAt) || body.sentAt < 0)
    throw new RangeError(`body.sentAt: ${String(body.sentAt)} is not in 0..2^53-1`);
  if (!Array.isArray(body.participants)) throw new TypeError('body.participants must be an array');
  if (body.participants.length > GROUP_CALL_CAP - 1)
    throw new RangeError(`body.participants: ${body.participants.length} over ${GROUP_CALL_CAP - 1}`);
  for (const [i, key] of body.participants.entries())
    assertBytes(key, `body.participants[${i}]`, IDENTITY_KEY_BYTES);
  const keys = [...body.participants].sort(compareBytes);
  for (let i = 1; i < keys.length; i++)
    if (compareBytes(keys[i - 1]!, keys[i]!) === 0) throw new RangeError('body.participants: duplicate key');
  return {
    kind: MESSAGE_KIND.groupCall,
    payload: concatBytes(
      Uint8Array.of(GROUP_CALL_BODY_VERSION, action + 1),
      body.groupId,
      body.callId,
      Uint8Array.of(media + 1, reason),
      u64be(body.sentAt),
      Uint8Array.of(keys.length),
      ...keys,
    ),
  };
}

export function decodeGroupCallBody(kind: number, payload: Uint8Array): GroupCallBody {
  assertBytes(payload, 'payload');
  if (kind !== MESSAGE_KIND.groupCall) throw new ProtocolError('bad-type', `kind ${kind}`);
  if (payload.length > MAX_GROUP_CALL_BODY_BYTES) throw new ProtocolError('too-large', `${payload.length} B`);
  if (payload.length < HEAD_BYTES) throw new ProtocolError('bad-length', `${payload.length} B`);
  if (payload[0] !== GROUP_CALL_BODY_VERSION) throw new ProtocolError('bad-version', `${payload[0]}`);
  const action = GROUP_CALL_ACTIONS[payload[1]! - 1];
  if (!action) throw new ProtocolError('bad-encoding', `action ${payload[1]}`);
  const groupId = payload.slice(2, 2 + GROUP_ID_BYTES);
  const callIdAt = 2 + GROUP_ID_BYTES;
  const callId = payload.slice(callIdAt, callIdAt + GROUP_CALL_ID_BYTES);
  const mediaAt = callIdAt + GROUP_CALL_ID_BYTES;
  const media = GROUP_CALL_MEDIA[payload[mediaAt]! - 1];
  if (!media) throw new ProtocolError('bad-encoding', `media ${payload[mediaAt]}`);
  const reason = LEAVE_REASONS[payload[mediaAt + 1]!];
  if (!reason || (reason !== 'left' && action !== 'leave'))
    throw new ProtocolError('bad-encoding', `reason ${payload[mediaAt + 1]} for ${action}`);
  const sentAt = readU64be(payload, mediaAt + 2);
  if (sentAt > BigInt(MAX_SAFE)) throw new ProtocolError('bad-encoding', 'sentAt over 2^53-1');
  const count = payload[HEAD_BYTES - 1]!;
  if (count > GROUP_CALL_CAP - 1) throw new ProtocolError('too-large', `${count} participants`);
  if (payload.length !== HEAD_BYTES + count * IDENTITY_KEY_BYTES)
    throw new ProtocolError('bad-length', `${payload.length} B for ${count} participants`);
  const participants: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const from = HEAD_BYTES + i * IDENTITY_KEY_BYTES;
    const key = payload.slice(from, from + IDENTITY_KEY_BYTES);
    const previous = participants[i - 1];
    if (previous && compareBytes(previous, key) >= 0)
      throw new ProtocolError('bad-encoding', 'participants not in ascending order');
    participants.push(key);
  }
  return { action, groupId, callId, media, reason, sentAt: Number(sentAt), participants };
}

/**
 * The call id of the one-to-one call between two participants of a group call: SHA-256 over a label, the group
 * call's id, the offerer's key and the answerer's key, first 16 bytes. Each side can tell from a call offer's
 * id alone that it belongs to a group call it is in (and who is meant to offer), so a leg never rings as a
 * one-to-one call, whatever order the bodies arrive in.
 */
export function legCallId(callId: Uint8Array, offerer: Uint8Array, answerer: Uint8Array): Uint8Array {
  assertBytes(callId, 'callId', GROUP_CALL_ID_BYTES);
  assertBytes(offerer, 'offerer', IDENTITY_KEY_BYTES);
  assertBytes(answerer, 'answerer', IDENTITY_KEY_BYTES);
  return sha256(concatBytes(LEG_LABEL, callId, offerer, answerer)).slice(0, 16);
}
