/**
 * Session handshake messages: a signed ephemeral Diffie-Hellman (ISO 9798-3 style, each side signs both
 * identities and the ephemeral keys it has seen), with the opening message boxed to the responder's
 * identity so that the relay never learns who is calling whom from the bytes.
 *
 * INIT (initiator -> responder), 170 bytes
 *   0     1     2                          34
 *   +-----+-----+--------------------------+---------------------------------------------+
 *   | ver | 01  | initiator ephemeral E_i  | box(E_i -> responder identity, 120 + 16)    |
 *   +-----+-----+--------------------------+---------------------------------------------+
 *   plaintext: initiator identity (32) | session id (16) | timestamp ms u64 (8) | signature (64)
 *   nonce: SHA-512("tincan-init-nonce-v1" | E_i | responder X25519)[0..24]
 *   signed: "tincan-handshake-init-v1\0" | ver | responder id | initiator id | E_i | sid | ts
 *
 * ACCEPT (responder -> initiator), 162 bytes
 *   0     1     2                 18                        50
 *   +-----+-----+-----------------+-------------------------+------------------------------+
 *   | ver | 02  | session id (16) | responder ephemeral E_r | box(E_r -> E_i, 96 + 16)     |
 *   +-----+-----+-----------------+-------------------------+------------------------------+
 *   plaintext: responder identity (32) | signature (64)
 *   nonce: SHA-512("tincan-accept-nonce-v1" | E_r | E_i)[0..24]
 *   signed: "tincan-handshake-accept-v1\0" | ver | initiator id | responder id | E_i | E_r | sid | ts
 *
 * Keys: HKDF-SHA-256(ikm = X25519(e_i, E_r), salt = SHA-256(transcript), info = "tincan-session-keys-v1"),
 * 64 bytes: initiator->responder key, then responder->initiator key. The same X25519(e_i, E_r) also keys
 * the ACCEPT box (through HSalsa20, as crypto_box does), so each side computes it once.
 *
 * Every X25519 runs on the identity's backend (native where the platform has one); a box is
 * secretbox(boxKey(X25519(a, B))), identical to nacl.box(m, n, B, a).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import nacl from 'tweetnacl';
import { assertBytes, concatBytes, equalBytes, type RandomSource, readU64be, u64be, utf8 } from './bytes.ts';
import { type Ed25519Backend, verify } from './ed25519.ts';
import { ProtocolError } from './errors.ts';
import { ed25519PublicToX25519, type Identity } from './identity.ts';
import { ENVELOPE_TYPE, PROTOCOL_VERSION, SESSION_ID_LENGTH } from './wire.ts';
import { boxKey } from './x25519.ts';

export const INIT_LENGTH = 2 + 32 + 120 + 16;
export const ACCEPT_LENGTH = 2 + SESSION_ID_LENGTH + 32 + 96 + 16;

const INIT_LABEL = utf8('tincan-handshake-init-v1\0');
const ACCEPT_LABEL = utf8('tincan-handshake-accept-v1\0');
const TRANSCRIPT_LABEL = utf8('tincan-transcript-v1\0');
const KEYS_INFO = utf8('tincan-session-keys-v1');
const INIT_NONCE_LABEL = utf8('tincan-init-nonce-v1');
const ACCEPT_NONCE_LABEL = utf8('tincan-accept-nonce-v1');
const VERSION = Uint8Array.of(PROTOCOL_VERSION);

export type Role = 'initiator' | 'responder';

/** What both sides agree on after a handshake; everything else about a session derives from it. */
export interface SessionKeys {
  readonly sessionId: Uint8Array;
  readonly role: Role;
  readonly localKey: Uint8Array;
  readonly peerKey: Uint8Array;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
}

/** The initiator's secret half of a handshake in flight. */
export interface PendingHandshake {
  readonly sessionId: Uint8Array;
  readonly peerKey: Uint8Array;
  readonly ephemeralPublic: Uint8Array;
  readonly ephemeralSecret: Uint8Array;
  readonly timestamp: number;
}

/** A decrypted, signature-checked INIT. Freshness and replay are the session state machine's job. */
export interface OpenedInit {
  readonly initiatorKey: Uint8Array;
  readonly responderKey: Uint8Array;
  readonly initiatorEphemeral: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly timestamp: number;
}

const nonce = (label: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array =>
  sha512(concatBytes(label, a, b)).subarray(0, nacl.box.nonceLength);

async function freshEphemeral(
  identity: Identity,
  random: RandomSource,
): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> {
  const secretKey = random(32);
  assertBytes(secretKey, 'random(32)', 32);
  return { publicKey: await identity.x25519.publicKey(secretKey), secretKey };
}

export async function createInit(
  identity: Identity,
  responderKey: Uint8Array,
  random: RandomSource,
  now: number,
): Promise<{ bytes: Uint8Array; pending: PendingHandshake }> {
  assertBytes(responderKey, 'responderKey', 32);
  if (equalBytes(responderKey, identity.publicKey))
    throw new RangeError('cannot open a session with oneself');
  const responderBox = ed25519PublicToX25519(responderKey);
  const ephemeral = await freshEphemeral(identity, random);
  const sessionId = random(SESSION_ID_LENGTH);
  assertBytes(sessionId, 'random(16)', SESSION_ID_LENGTH);
  const ts = u64be(now);
  const signature = await identity.signer.sign(
    concatBytes(INIT_LABEL, VERSION, responderKey, identity.publicKey, ephemeral.publicKey, sessionId, ts),
  );
  const plaintext = concatBytes(identity.publicKey, sessionId, ts, signature);
  const key = boxKey(
    await identity.x25519.sharedSecret(ephemeral.secretKey, responderBox, ephemeral.publicKey),
  );
  const boxed = nacl.secretbox(plaintext, nonce(INIT_NONCE_LABEL, ephemeral.publicKey, responderBox), key);
  return {
    bytes: concatBytes(
      Uint8Array.of(PROTOCOL_VERSION, ENVELOPE_TYPE.handshakeInit),
      ephemeral.publicKey,
      boxed,
    ),
    pending: {
      sessionId,
      peerKey: responderKey.slice(),
      ephemeralPublic: ephemeral.publicKey,
      ephemeralSecret: ephemeral.secretKey,
      timestamp: now,
    },
  };
}

function checkHeader(bytes: Uint8Array, type: number, length: number): void {
  assertBytes(bytes, 'envelope');
  if (bytes.length < 2) throw new ProtocolError('bad-length', 'envelope shorter than its header');
  if (bytes[0] !== PROTOCOL_VERSION) throw new ProtocolError('bad-version', `version ${bytes[0]}`);
  if (bytes[1] !== type) throw new ProtocolError('unexpected-message', `envelope type ${bytes[1]}`);
  if (bytes.length !== length) throw new ProtocolError('bad-length', `${bytes.length} bytes, want ${length}`);
}

/**
 * `admit`, when given, sees the initiator key the INIT claims after the box opens and before the signature is
 * checked (the costlier half), and may refuse it by throwing: a responder budgets its handshake work by the
 * claimed key. The key is not yet authenticated when `admit` sees it.
 */
export async function openInit(
  identity: Identity,
  bytes: Uint8Array,
  backend: Ed25519Backend,
  admit?: (claimedInitiator: Uint8Array) => void,
): Promise<OpenedInit> {
  checkHeader(bytes, ENVELOPE_TYPE.handshakeInit, INIT_LENGTH);
  const initiatorEphemeral = bytes.slice(2, 34);
  const key = boxKey(
    await identity.x25519.sharedSecret(identity.box.secretKey, initiatorEphemeral, identity.box.publicKey),
  );
  const plaintext = nacl.secretbox.open(
    bytes.subarray(34),
    nonce(INIT_NONCE_LABEL, initiatorEphemeral, identity.box.publicKey),
    key,
  );
  if (!plaintext) throw new ProtocolError('decrypt-failed', 'handshake init');
  const initiatorKey = plaintext.slice(0, 32);
  admit?.(initiatorKey);
  const sessionId = plaintext.slice(32, 48);
  const ts = plaintext.subarray(48, 56);
  const signature = plaintext.subarray(56, 120);
  const signed = concatBytes(
    INIT_LABEL,
    VERSION,
    identity.publicKey,
    initiatorKey,
    initiatorEphemeral,
    sessionId,
    ts,
  );
  if (!(await verify(backend, signature, signed, initiatorKey))) {
    throw new ProtocolError('bad-signature', 'handshake init');
  }
  const timestamp = readU64be(ts, 0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('bad-encoding', 'timestamp');
  return {
    initiatorKey,
    responderKey: identity.publicKey,
    initiatorEphemeral,
    sessionId,
    timestamp: Number(timestamp),
  };
}

function transcript(
  initiatorKey: Uint8Array,
  responderKey: Uint8Array,
  initiatorEphemeral: Uint8Array,
  responderEphemeral: Uint8Array,
  sessionId: Uint8Array,
  timestamp: number,
): Uint8Array {
  return concatBytes(
    VERSION,
    initiatorKey,
    responderKey,
    initiatorEphemeral,
    responderEphemeral,
    sessionId,
    u64be(timestamp),
  );
}

/** `shared` is X25519(e_i, E_r), already checked non-zero by the backend. */
function deriveKeys(
  role: Role,
  shared: Uint8Array,
  transcriptBytes: Uint8Array,
  fields: { sessionId: Uint8Array; localKey: Uint8Array; peerKey: Uint8Array },
): SessionKeys {
  const okm = hkdf(sha256, shared, sha256(concatBytes(TRANSCRIPT_LABEL, transcriptBytes)), KEYS_INFO, 64);
  shared.fill(0);
  const initiatorToResponder = okm.slice(0, 32);
  const responderToInitiator = okm.slice(32, 64);
  okm.fill(0);
  return {
    ...fields,
    role,
    sendKey: role === 'initiator' ? initiatorToResponder : responderToInitiator,
    receiveKey: role === 'initiator' ? responderToInitiator : initiatorToResponder,
  };
}

export async function createAccept(
  identity: Identity,
  init: OpenedInit,
  random: RandomSource,
): Promise<{ bytes: Uint8Array; keys: SessionKeys }> {
  const ephemeral = await freshEphemeral(identity, random);
  const shared = await identity.x25519.sharedSecret(
    ephemeral.secretKey,
    init.initiatorEphemeral,
    ephemeral.publicKey,
  );
  ephemeral.secretKey.fill(0);
  const signature = await identity.signer.sign(
    concatBytes(
      ACCEPT_LABEL,
      VERSION,
      init.initiatorKey,
      identity.publicKey,
      init.initiatorEphemeral,
      ephemeral.publicKey,
      init.sessionId,
      u64be(init.timestamp),
    ),
  );
  const boxed = nacl.secretbox(
    concatBytes(identity.publicKey, signature),
    nonce(ACCEPT_NONCE_LABEL, ephemeral.publicKey, init.initiatorEphemeral),
    boxKey(shared),
  );
  const keys = deriveKeys(
    'responder',
    shared,
    transcript(
      init.initiatorKey,
      identity.publicKey,
      init.initiatorEphemeral,
      ephemeral.publicKey,
      init.sessionId,
      init.timestamp,
    ),
    { sessionId: init.sessionId, localKey: identity.publicKey, peerKey: init.initiatorKey },
  );
  return {
    bytes: concatBytes(
      Uint8Array.of(PROTOCOL_VERSION, ENVELOPE_TYPE.handshakeAccept),
      init.sessionId,
      ephemeral.publicKey,
      boxed,
    ),
    keys,
  };
}

export async function openAccept(
  identity: Identity,
  pending: PendingHandshake,
  bytes: Uint8Array,
  backend: Ed25519Backend,
): Promise<SessionKeys> {
  checkHeader(bytes, ENVELOPE_TYPE.handshakeAccept, ACCEPT_LENGTH);
  const sessionId = bytes.subarray(2, 18);
  if (!equalBytes(sessionId, pending.sessionId))
    throw new ProtocolError('unexpected-message', 'other session');
  const responderEphemeral = bytes.slice(18, 50);
  const shared = await identity.x25519.sharedSecret(
    pending.ephemeralSecret,
    responderEphemeral,
    pending.ephemeralPublic,
  );
  const plaintext = nacl.secretbox.open(
    bytes.subarray(50),
    nonce(ACCEPT_NONCE_LABEL, responderEphemeral, pending.ephemeralPublic),
    boxKey(shared),
  );
  if (!plaintext) throw new ProtocolError('decrypt-failed', 'handshake accept');
  const responderKey = plaintext.subarray(0, 32);
  if (!equalBytes(responderKey, pending.peerKey))
    throw new ProtocolError('wrong-peer', 'accept from another key');
  const signed = concatBytes(
    ACCEPT_LABEL,
    VERSION,
    identity.publicKey,
    pending.peerKey,
    pending.ephemeralPublic,
    responderEphemeral,
    pending.sessionId,
    u64be(pending.timestamp),
  );
  if (!(await verify(backend, plaintext.subarray(32, 96), signed, pending.peerKey))) {
    throw new ProtocolError('bad-signature', 'handshake accept');
  }
  return deriveKeys(
    'initiator',
    shared,
    transcript(
      identity.publicKey,
      pending.peerKey,
      pending.ephemeralPublic,
      responderEphemeral,
      pending.sessionId,
      pending.timestamp,
    ),
    { sessionId: pending.sessionId, localKey: identity.publicKey, peerKey: pending.peerKey },
  );
}
