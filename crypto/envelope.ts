/**
 * Session envelopes: every message after the handshake (chat, receipts, presence, SDP, ICE, call control)
 * is signed by the sender's identity, then sealed with the session's per-direction key.
 *
 *   0     1     2                 18                     22
 *   +-----+-----+-----------------+----------------------+--------------------------------------+
 *   | ver | 03  | session id (16) | masked counter u32BE | secretbox(plaintext) (plaintext + 16) |
 *   +-----+-----+-----------------+----------------------+--------------------------------------+
 *   plaintext: kind (1) | body (0..MAX_BODY_BYTES) | signature (64)
 *   nonce (24): direction (1: 0 = initiator->responder, 1 = back) | 19 zero bytes | counter u32BE
 *   signed: "tincan-envelope-v1\0" | ver | sid | direction | counter | sender id | recipient id | kind | body
 *   masked counter: counter XOR HMAC-SHA-256(mask key, secretbox tag (the first 16 sealed bytes))[0..4]
 *   mask key: SHA-256("tincan-counter-mask-v1\0" | the direction's session key)
 *
 * The header is authenticated without associated data: the counter and direction are in the nonce, the
 * session id selects the key, and all three are signed. Counters start at 0; the receiver keeps a sliding
 * window of REPLAY_WINDOW counters and only moves it after the signature has verified.
 *
 * The counter travels masked, so the relay cannot count how many envelopes a session carried (a call's data
 * channel shares the session's counter) nor tell a resend from a new message. The mask is keyed by the
 * session and drawn from the tag, which differs for every envelope; a changed masked counter unmasks to a
 * wrong nonce and the envelope fails to open.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import nacl from 'tweetnacl';
import { assertBytes, concatBytes, equalBytes, readU32be, u32be, utf8 } from './bytes.ts';
import { type Ed25519Backend, type Ed25519Signer, verify } from './ed25519.ts';
import { ProtocolError } from './errors.ts';
import type { SessionKeys } from './handshake.ts';
import { ENVELOPE_TYPE, MAX_ENVELOPE_BYTES, PROTOCOL_VERSION, SESSION_ID_LENGTH } from './wire.ts';

export const HEADER_LENGTH = 2 + SESSION_ID_LENGTH + 4;
export const SIGNATURE_LENGTH = 64;
export const OVERHEAD = HEADER_LENGTH + nacl.secretbox.overheadLength + 1 + SIGNATURE_LENGTH;
export const MAX_BODY_BYTES = MAX_ENVELOPE_BYTES - OVERHEAD;
export const REPLAY_WINDOW = 128;
export const MAX_COUNTER = 0xffffffff;

/** What an envelope carries; the body format belongs to the layer above. */
export const MESSAGE_KIND = {
  chat: 1,
  ack: 2,
  receipt: 3,
  typing: 4,
  presence: 5,
  contactRequest: 6,
  contactResponse: 7,
  callOffer: 8,
  callAnswer: 9,
  iceCandidate: 10,
  callControl: 11,
  conversationSettings: 12,
  keyRotation: 13,
  fileTransfer: 14,
  /** Key confirmation: the initiator's first envelope when it has nothing else to send (empty body). */
  sessionConfirm: 15,
  /** A group body (client/core/group-bodies.ts): reliable, one pairwise copy per member. */
  group: 16,
  /** A group's typing signal: fire-and-forget, like typing. */
  groupTyping: 17,
  /** Ringing, joining and leaving a group call (crypto/group-call-body.ts); each pair's media is a call of its own. */
  groupCall: 20,
} as const;
export type MessageKind = (typeof MESSAGE_KIND)[keyof typeof MESSAGE_KIND];
const KNOWN_KINDS = new Set<number>(Object.values(MESSAGE_KIND));
export const isMessageKind = (value: unknown): value is MessageKind =>
  typeof value === 'number' && KNOWN_KINDS.has(value);

/** Sliding window over received counters: `highest` seen, and a bitmap of the REPLAY_WINDOW below it. */
export interface ReplayWindow {
  readonly highest: number;
  readonly seen: bigint;
}

export interface SessionState {
  readonly keys: SessionKeys;
  /** Next counter to send. */
  readonly sendCounter: number;
  readonly received: ReplayWindow;
}

export interface OpenedEnvelope {
  readonly kind: MessageKind;
  readonly body: Uint8Array;
  readonly counter: number;
}

const LABEL = utf8('tincan-envelope-v1\0');
const MASK_LABEL = utf8('tincan-counter-mask-v1\0');
const TAG_LENGTH = nacl.secretbox.overheadLength;
const WINDOW_MASK = (1n << BigInt(REPLAY_WINDOW)) - 1n;

export function newSessionState(keys: SessionKeys): SessionState {
  return { keys, sendCounter: 0, received: { highest: -1, seen: 0n } };
}

const direction = (sender: 'initiator' | 'responder'): number => (sender === 'initiator' ? 0 : 1);

function nonceFor(dir: number, counter: number): Uint8Array {
  const nonce = new Uint8Array(nacl.secretbox.nonceLength);
  nonce[0] = dir;
  nonce.set(u32be(counter), nonce.length - 4);
  return nonce;
}

/** The counter as it travels: XOR with four bytes keyed by the session and drawn from the tag. */
function maskedCounter(directionKey: Uint8Array, sealed: Uint8Array, counter: Uint8Array): Uint8Array {
  const mask = hmac(sha256, sha256(concatBytes(MASK_LABEL, directionKey)), sealed.subarray(0, TAG_LENGTH));
  return Uint8Array.from(counter, (byte, i) => byte ^ mask[i]!);
}

function signedBytes(
  keys: SessionKeys,
  dir: number,
  counter: Uint8Array,
  sender: Uint8Array,
  recipient: Uint8Array,
  kind: number,
  body: Uint8Array,
): Uint8Array {
  return concatBytes(
    LABEL,
    Uint8Array.of(PROTOCOL_VERSION),
    keys.sessionId,
    Uint8Array.of(dir),
    counter,
    sender,
    recipient,
    Uint8Array.of(kind),
    body,
  );
}

export async function sealEnvelope(
  state: SessionState,
  signer: Ed25519Signer,
  kind: MessageKind,
  body: Uint8Array,
): Promise<{ bytes: Uint8Array; state: SessionState }> {
  assertBytes(body, 'body');
  if (!isMessageKind(kind)) throw new RangeError(`unknown message kind ${String(kind)}`);
  if (body.length > MAX_BODY_BYTES)
    throw new RangeError(`body of ${body.length} bytes exceeds ${MAX_BODY_BYTES}`);
  const { keys, sendCounter } = state;
  if (sendCounter > MAX_COUNTER)
    throw new ProtocolError('counter-exhausted', 'start a new session', { critical: true });
  const dir = direction(keys.role);
  const counter = u32be(sendCounter);
  const signature = await signer.sign(
    signedBytes(keys, dir, counter, keys.localKey, keys.peerKey, kind, body),
  );
  const sealed = nacl.secretbox(
    concatBytes(Uint8Array.of(kind), body, signature),
    nonceFor(dir, sendCounter),
    keys.sendKey,
  );
  return {
    bytes: concatBytes(
      Uint8Array.of(PROTOCOL_VERSION, ENVELOPE_TYPE.sessionMessage),
      keys.sessionId,
      maskedCounter(keys.sendKey, sealed, counter),
      sealed,
    ),
    state: { ...state, sendCounter: sendCounter + 1 },
  };
}

/** Throws 'replayed' or 'too-old' for a counter the window has already accepted or left behind. */
export function checkReplay(window: ReplayWindow, counter: number): void {
  if (counter > window.highest) return;
  const age = window.highest - counter;
  if (age >= REPLAY_WINDOW) throw new ProtocolError('too-old', `counter ${counter} is behind the window`);
  if ((window.seen >> BigInt(age)) & 1n) throw new ProtocolError('replayed', `counter ${counter}`);
}

export function markReceived(window: ReplayWindow, counter: number): ReplayWindow {
  if (counter > window.highest) {
    const shift = counter - window.highest;
    const seen = shift >= REPLAY_WINDOW ? 1n : ((window.seen << BigInt(shift)) | 1n) & WINDOW_MASK;
    return { highest: counter, seen };
  }
  return { highest: window.highest, seen: window.seen | (1n << BigInt(window.highest - counter)) };
}

export async function openEnvelope(
  state: SessionState,
  bytes: Uint8Array,
  backend: Ed25519Backend,
): Promise<{ opened: OpenedEnvelope; state: SessionState }> {
  assertBytes(bytes, 'envelope');
  if (bytes.length > MAX_ENVELOPE_BYTES) throw new ProtocolError('too-large', `${bytes.length} bytes`);
  if (bytes.length < OVERHEAD)
    throw new ProtocolError('bad-length', `${bytes.length} bytes is below the minimum`);
  if (bytes[0] !== PROTOCOL_VERSION) throw new ProtocolError('bad-version', `version ${bytes[0]}`);
  if (bytes[1] !== ENVELOPE_TYPE.sessionMessage)
    throw new ProtocolError('unexpected-message', `type ${bytes[1]}`);
  const { keys } = state;
  if (!equalBytes(bytes.subarray(2, 18), keys.sessionId)) throw new ProtocolError('unknown-session');
  const counterBytes = maskedCounter(keys.receiveKey, bytes.subarray(HEADER_LENGTH), bytes.subarray(18, 22));
  const counter = readU32be(counterBytes, 0);
  checkReplay(state.received, counter);
  const dir = direction(keys.role === 'initiator' ? 'responder' : 'initiator');
  const plaintext = nacl.secretbox.open(
    bytes.subarray(HEADER_LENGTH),
    nonceFor(dir, counter),
    keys.receiveKey,
  );
  if (!plaintext) throw new ProtocolError('decrypt-failed', 'session envelope');
  const kind = plaintext[0]!;
  if (!isMessageKind(kind)) throw new ProtocolError('bad-type', `message kind ${kind}`);
  const body = plaintext.slice(1, plaintext.length - SIGNATURE_LENGTH);
  const signature = plaintext.subarray(plaintext.length - SIGNATURE_LENGTH);
  const signed = signedBytes(keys, dir, counterBytes, keys.peerKey, keys.localKey, kind, body);
  if (!(await verify(backend, signature, signed, keys.peerKey))) {
    throw new ProtocolError('bad-signature', 'session envelope');
  }
  return {
    opened: { kind, body, counter },
    state: { ...state, received: markReceived(state.received, counter) },
  };
}
