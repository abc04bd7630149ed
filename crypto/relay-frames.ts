/**
 * Relay wire frames (spec/relay.md, Frames): one binary WebSocket message per frame, integers
 * big-endian, every length exact. The relay reads only what it needs to route; envelopes stay opaque.
 *
 *   0        1        2
 *   +--------+--------+------------------------------------------------ ...
 *   | 0x01   |  type  | body (fixed layout per type)
 *   +--------+--------+------------------------------------------------ ...
 *
 *   CHALLENGE 0x01 (s->c)   | nonce 32 | maxFrameBytes u32 | messagesPerSecond u32 | messageBurst u32 |
 *   AUTH 0x02 (c->s)        | identity key 32 | signature 64 | n u8 | origin n (ASCII, 1..255) |
 *   READY 0x03 (s->c)       | flags u8: bit 0 = TURN available, other bits 0 |
 *   SEND 0x10 (c->s)        | flags u8: bit 0 = receipt, other bits 0 | recipient 32 | frame id u32 | envelope >= 1 |
 *   DELIVER 0x11 (s->c)     | envelope >= 1 |
 *   FORWARDED 0x12 (s->c)   | frame id u32 |
 *   UNDELIVERABLE 0x13 (s->c) | frame id u32 |
 *   TURN_REQUEST 0x20 (c->s)  (no body)
 *   TURN_CREDENTIALS 0x21 (s->c) | expires u64 (unix s) | u16 n | username | u16 n | credential |
 *                                | count u8 (1..8) | count x (u16 n | url) |     strings: ASCII 0x21..0x7e
 *   TURN_UNAVAILABLE 0x22 (s->c) (no body)
 *
 * Decoders are directional: a frame type the other side never sends is a bad frame. Decoded byte fields
 * are views into the input, not copies.
 */
import { assertBytes, concatBytes, readU32be, u32be, u32beAt } from './bytes.ts';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './ed25519.ts';
import { ProtocolError } from './errors.ts';
import { assertRelayOrigin, CHALLENGE_LENGTH, isRelayOrigin } from './relay-auth.ts';
import {
  asciiBytes,
  decodeTurnCredentialsBody,
  encodeTurnCredentialsBody,
  readAscii,
  type TurnCredentialsBody,
} from './relay-turn-credentials.ts';

export const RELAY_FRAME_VERSION = 0x01;

export const RELAY_FRAME_TYPE = {
  challenge: 0x01,
  auth: 0x02,
  ready: 0x03,
  send: 0x10,
  deliver: 0x11,
  forwarded: 0x12,
  undeliverable: 0x13,
  'turn-request': 0x20,
  'turn-credentials': 0x21,
  'turn-unavailable': 0x22,
} as const;

/** version, type, flags, recipient, frame id: everything before the envelope of a SEND. */
export const SEND_HEADER_LENGTH = 39;
/** Where a SEND's fields start, for the relay's per-frame path (see checkSendFrame). */
export const SEND_OFFSETS = Object.freeze({ flags: 2, recipient: 3, frameId: 35 });
/** SEND flags bit 0: the sender wants FORWARDED on success. */
export const SEND_FLAG_RECEIPT = 0x01;
/** Where the nonce sits in a CHALLENGE: a relay encodes its CHALLENGE once and writes each socket's nonce here. */
export const CHALLENGE_NONCE_OFFSET = 2;
const DELIVER_HEADER_LENGTH = 2;

export interface AnnouncedLimits {
  readonly maxFrameBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
}

export type ClientFrame =
  | { type: 'auth'; publicKey: Uint8Array; signature: Uint8Array; origin: string }
  | { type: 'send'; recipient: Uint8Array; frameId: number; receipt: boolean; envelope: Uint8Array }
  | { type: 'turn-request' };

export type ServerFrame =
  | { type: 'challenge'; nonce: Uint8Array; limits: AnnouncedLimits }
  | { type: 'ready'; turnAvailable: boolean }
  | { type: 'deliver'; envelope: Uint8Array }
  | { type: 'forwarded'; frameId: number }
  | { type: 'undeliverable'; frameId: number }
  | ({ type: 'turn-credentials' } & TurnCredentialsBody)
  | { type: 'turn-unavailable' };

export type RelayFrame = ClientFrame | ServerFrame;

const bad = (detail: string): ProtocolError => new ProtocolError('bad-frame', detail);
const head = (type: RelayFrame['type']): Uint8Array =>
  Uint8Array.of(RELAY_FRAME_VERSION, RELAY_FRAME_TYPE[type]);

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  const type = frameType(bytes);
  if (type === RELAY_FRAME_TYPE.send) {
    const flags = checkSendFrame(bytes);
    return {
      type: 'send',
      receipt: flags === SEND_FLAG_RECEIPT,
      recipient: bytes.subarray(SEND_OFFSETS.recipient, SEND_OFFSETS.frameId),
      frameId: u32beAt(bytes, SEND_OFFSETS.frameId),
      envelope: bytes.subarray(SEND_HEADER_LENGTH),
    };
  }
  if (type === RELAY_FRAME_TYPE.auth) {
    const originStart = 2 + PUBLIC_KEY_LENGTH + SIGNATURE_LENGTH + 1;
    if (bytes.length < originStart + 1 || bytes.length !== originStart + bytes[originStart - 1]!) {
      throw bad('AUTH length');
    }
    const origin = readAscii(bytes.subarray(originStart), 'origin');
    if (!isRelayOrigin(origin)) throw bad('origin is not a canonical http(s) origin');
    return { type: 'auth', publicKey: bytes.subarray(2, 34), signature: bytes.subarray(34, 98), origin };
  }
  if (type === RELAY_FRAME_TYPE['turn-request']) {
    exactLength(bytes, 2);
    return { type: 'turn-request' };
  }
  throw bad(`type 0x${type.toString(16)} is not a client frame`);
}

/**
 * Exactly the checks decodeClientFrame makes on a SEND, without building an object or views: for the
 * relay's per-frame path, which then reads the fields at SEND_OFFSETS itself. Returns the flags byte;
 * throws ProtocolError('bad-frame') for anything decodeClientFrame would refuse.
 */
export function checkSendFrame(bytes: Uint8Array): number {
  if (frameType(bytes) !== RELAY_FRAME_TYPE.send) throw bad('not a SEND');
  if (bytes.length <= SEND_HEADER_LENGTH) throw bad('SEND without envelope');
  const flags = bytes[SEND_OFFSETS.flags]!;
  if ((flags & ~SEND_FLAG_RECEIPT) !== 0) throw bad('unknown SEND flags');
  return flags;
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  const type = frameType(bytes);
  switch (type) {
    case RELAY_FRAME_TYPE.deliver:
      if (bytes.length <= DELIVER_HEADER_LENGTH) throw bad('DELIVER without envelope');
      return { type: 'deliver', envelope: bytes.subarray(DELIVER_HEADER_LENGTH) };
    case RELAY_FRAME_TYPE.forwarded:
    case RELAY_FRAME_TYPE.undeliverable:
      exactLength(bytes, 6);
      return {
        type: type === RELAY_FRAME_TYPE.forwarded ? 'forwarded' : 'undeliverable',
        frameId: readU32be(bytes, 2),
      };
    case RELAY_FRAME_TYPE.challenge: {
      exactLength(bytes, 2 + CHALLENGE_LENGTH + 12);
      const limits = {
        maxFrameBytes: readU32be(bytes, 34),
        messagesPerSecond: readU32be(bytes, 38),
        messageBurst: readU32be(bytes, 42),
      };
      if (!limitsAreUsable(limits)) throw bad('unusable limits');
      return { type: 'challenge', nonce: bytes.subarray(2, 34), limits };
    }
    case RELAY_FRAME_TYPE.ready:
      exactLength(bytes, 3);
      if ((bytes[2]! & 0xfe) !== 0) throw bad('unknown READY flags');
      return { type: 'ready', turnAvailable: bytes[2] === 1 };
    case RELAY_FRAME_TYPE['turn-credentials']:
      return { type: 'turn-credentials', ...decodeTurnCredentialsBody(bytes.subarray(2)) };
    case RELAY_FRAME_TYPE['turn-unavailable']:
      exactLength(bytes, 2);
      return { type: 'turn-unavailable' };
    default:
      throw bad(`type 0x${type.toString(16)} is not a server frame`);
  }
}

export function encodeFrame(frame: RelayFrame): Uint8Array {
  switch (frame.type) {
    case 'send': {
      assertBytes(frame.recipient, 'recipient', PUBLIC_KEY_LENGTH);
      assertBytes(frame.envelope, 'envelope');
      if (frame.envelope.length === 0) throw new RangeError('envelope must not be empty');
      const flags = Uint8Array.of(frame.receipt ? 1 : 0);
      return concatBytes(head('send'), flags, frame.recipient, u32be(frame.frameId), frame.envelope);
    }
    case 'deliver':
      assertBytes(frame.envelope, 'envelope');
      if (frame.envelope.length === 0) throw new RangeError('envelope must not be empty');
      return concatBytes(head('deliver'), frame.envelope);
    case 'forwarded':
    case 'undeliverable':
      return concatBytes(head(frame.type), u32be(frame.frameId));
    case 'auth': {
      assertBytes(frame.publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
      assertBytes(frame.signature, 'signature', SIGNATURE_LENGTH);
      assertRelayOrigin(frame.origin);
      const origin = asciiBytes(frame.origin);
      return concatBytes(
        head('auth'),
        frame.publicKey,
        frame.signature,
        Uint8Array.of(origin.length),
        origin,
      );
    }
    case 'challenge': {
      assertBytes(frame.nonce, 'nonce', CHALLENGE_LENGTH);
      if (!limitsAreUsable(frame.limits)) throw new RangeError('limits must be usable u32 values');
      const { maxFrameBytes, messagesPerSecond, messageBurst } = frame.limits;
      return concatBytes(
        head('challenge'),
        frame.nonce,
        u32be(maxFrameBytes),
        u32be(messagesPerSecond),
        u32be(messageBurst),
      );
    }
    case 'ready':
      return concatBytes(head('ready'), Uint8Array.of(frame.turnAvailable ? 1 : 0));
    case 'turn-credentials':
      return concatBytes(head('turn-credentials'), encodeTurnCredentialsBody(frame));
    case 'turn-request':
    case 'turn-unavailable':
      return head(frame.type);
    default:
      throw new TypeError(`frame.type unknown: ${String((frame as { type: unknown }).type)}`);
  }
}

/**
 * Turns a SEND the relay received into the DELIVER it forwards, without copying the envelope: it writes
 * the two-byte DELIVER header over the last bytes of the frame id (already decoded) and returns a view.
 * The input must be a SEND that decodeClientFrame accepted; it is modified.
 */
export function reframeSendAsDeliver(send: Uint8Array): Uint8Array {
  const deliver = send.subarray(SEND_HEADER_LENGTH - DELIVER_HEADER_LENGTH);
  deliver[0] = RELAY_FRAME_VERSION;
  deliver[1] = RELAY_FRAME_TYPE.deliver;
  return deliver;
}

function frameType(bytes: Uint8Array): number {
  assertBytes(bytes, 'frame');
  if (bytes.length < 2) throw bad('shorter than the header');
  if (bytes[0] !== RELAY_FRAME_VERSION) throw bad(`version ${bytes[0]}`);
  return bytes[1]!;
}

function exactLength(bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw bad(`length ${bytes.length}, expected ${length}`);
}

const isU32 = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 0xffffffff;

function limitsAreUsable(limits: AnnouncedLimits): boolean {
  return (
    typeof limits === 'object' &&
    limits !== null &&
    isU32(limits.maxFrameBytes) &&
    limits.maxFrameBytes > SEND_HEADER_LENGTH &&
    isU32(limits.messagesPerSecond) &&
    isU32(limits.messageBurst)
  );
}
