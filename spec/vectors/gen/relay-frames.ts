/**
 * Relay frames and relay auth messages, laid out by hand here (Buffer writes, node:crypto Ed25519) and not
 * with crypto/relay-frames.ts or crypto/relay-auth.ts, so the checker compares two independent readings of
 * spec/drafts/relay.md. Cases:
 *   kind "client-frame" / "server-frame": `frame` hex; valid ones carry `decoded` (bytes as hex), invalid
 *     ones `error` (the ProtocolError code).
 *   kind "auth": `seed`, `publicKey`, `challenge`, `origin`, `message`, `signature`; valid when the relay
 *     must accept the signature for that challenge and origin.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const cat = (...parts: (Uint8Array | number[])[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u16 = (n: number) => [n >> 8, n & 0xff];
const ascii = (s: string) => Buffer.from(s, 'latin1');
const field16 = (s: string) => cat(u16(s.length), ascii(s));

const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
function keyPair(seed: Uint8Array) {
  const privateKey = createPrivateKey({ key: cat(PKCS8, seed), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(12)) };
}

export default async (): Promise<VectorFile> => {
  const random = deterministicRandom('tincan/vectors/relay-frames');
  const cases: VectorCase[] = [];
  const frame = (kind: 'client' | 'server', comment: string, bytes: Uint8Array, decoded?: object) =>
    cases.push(
      decoded
        ? { label: 'valid', comment, kind: `${kind}-frame`, frame: hex(bytes), decoded }
        : { label: 'invalid', comment, kind: `${kind}-frame`, frame: hex(bytes), error: 'bad-frame' },
    );

  const nonce = random(32);
  const key = random(32);
  const signature = random(64);
  const recipient = random(32);
  const envelope = random(300);

  // ---- valid server frames
  const challenge = cat([1, 1], nonce, u32(65536), u32(200), u32(400));
  frame('server', 'CHALLENGE with the default limits', challenge, {
    type: 'challenge',
    nonce: hex(nonce),
    limits: { maxFrameBytes: 65536, messagesPerSecond: 200, messageBurst: 400 },
  });
  frame(
    'server',
    'CHALLENGE with the largest limits',
    cat([1, 1], nonce, u32(0xffffffff), u32(0xffffffff), u32(0xffffffff)),
    {
      type: 'challenge',
      nonce: hex(nonce),
      limits: { maxFrameBytes: 0xffffffff, messagesPerSecond: 0xffffffff, messageBurst: 0xffffffff },
    },
  );
  frame('server', 'READY, no TURN', Buffer.from([1, 3, 0]), { type: 'ready', turnAvailable: false });
  frame('server', 'READY, TURN available', Buffer.from([1, 3, 1]), { type: 'ready', turnAvailable: true });
  frame('server', 'DELIVER of a 1-byte envelope', Buffer.from([1, 0x11, 0x42]), {
    type: 'deliver',
    envelope: '42',
  });
  frame('server', 'DELIVER of a 300-byte envelope', cat([1, 0x11], envelope), {
    type: 'deliver',
    envelope: hex(envelope),
  });
  frame('server', 'FORWARDED, frame id 0', Buffer.from([1, 0x12, 0, 0, 0, 0]), {
    type: 'forwarded',
    frameId: 0,
  });
  frame('server', 'UNDELIVERABLE, frame id 2^32-1', Buffer.from([1, 0x13, 255, 255, 255, 255]), {
    type: 'undeliverable',
    frameId: 0xffffffff,
  });
  const urls = ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'];
  const turnFrame = (expires: Buffer, username: string, credential: string, list: string[]) =>
    cat([1, 0x21], expires, field16(username), field16(credential), [list.length], ...list.map(field16));
  const expires = Buffer.alloc(8);
  expires.writeBigUInt64BE(1767225600n);
  const turn = turnFrame(expires, '1767225600:0123456789abcdef', 'qLmTsMhUDH8cI6lzn5hQnGzqa9c=', urls);
  frame('server', 'TURN_CREDENTIALS with two URLs', turn, {
    type: 'turn-credentials',
    expiresAt: 1767225600,
    username: '1767225600:0123456789abcdef',
    credential: 'qLmTsMhUDH8cI6lzn5hQnGzqa9c=',
    urls,
  });
  frame('server', 'TURN_UNAVAILABLE', Buffer.from([1, 0x22]), { type: 'turn-unavailable' });

  // ---- valid client frames
  const origin = 'https://relay.example.org';
  frame(
    'client',
    'AUTH for https://relay.example.org',
    cat([1, 2], key, signature, [origin.length], ascii(origin)),
    {
      type: 'auth',
      publicKey: hex(key),
      signature: hex(signature),
      origin,
    },
  );
  const send = cat([1, 0x10, 1], recipient, u32(7), envelope);
  frame('client', 'SEND with receipt, frame id 7', send, {
    type: 'send',
    receipt: true,
    recipient: hex(recipient),
    frameId: 7,
    envelope: hex(envelope),
  });
  frame(
    'client',
    'SEND without receipt, 1-byte envelope',
    cat([1, 0x10, 0], recipient, u32(0xffffffff), [0]),
    {
      type: 'send',
      receipt: false,
      recipient: hex(recipient),
      frameId: 0xffffffff,
      envelope: '00',
    },
  );
  frame('client', 'TURN_REQUEST', Buffer.from([1, 0x20]), { type: 'turn-request' });

  // ---- invalid frames, each wrong in exactly one way
  frame('client', 'empty', Buffer.alloc(0));
  frame('server', 'one byte', Buffer.from([1]));
  frame('client', 'version 0', cat([0, 0x10, 0], recipient, u32(1), [0]));
  frame('server', 'version 2', Buffer.from([2, 0x13, 0, 0, 0, 1]));
  frame('client', 'unknown type 0x7f', Buffer.from([1, 0x7f]));
  frame('server', 'unknown type 0x00', Buffer.from([1, 0x00]));
  frame('client', 'a server frame (DELIVER) sent by a client', Buffer.from([1, 0x11, 0x42]));
  frame('client', 'a server frame (CHALLENGE) sent by a client', challenge);
  frame('server', 'a client frame (SEND) sent by a server', send);
  frame('server', 'a client frame (TURN_REQUEST) sent by a server', Buffer.from([1, 0x20]));
  frame('client', 'SEND without envelope', cat([1, 0x10, 0], recipient, u32(1)));
  frame('client', 'SEND with an unknown flag bit', cat([1, 0x10, 2], recipient, u32(1), [0]));
  frame('client', 'SEND cut inside the recipient', cat([1, 0x10, 0], recipient.subarray(0, 20)));
  const authWith = (n: number, text: Buffer) => cat([1, 2], key, signature, [n], text);
  frame(
    'client',
    'AUTH whose origin is one byte shorter than announced',
    authWith(origin.length, ascii(origin).subarray(1)),
  );
  frame(
    'client',
    'AUTH with trailing bytes after the origin',
    authWith(origin.length, cat(ascii(origin), [0x41])),
  );
  frame('client', 'AUTH with an empty origin', authWith(0, Buffer.alloc(0)));
  frame('client', 'AUTH whose origin holds a space', authWith(5, ascii('a b c')));
  frame('client', 'AUTH whose origin holds a non-ASCII byte', authWith(3, Buffer.from([0x61, 0xc3, 0xa9])));
  frame('client', 'AUTH cut inside the signature', cat([1, 2], key, signature.subarray(0, 10)));
  frame('client', 'TURN_REQUEST with a body', Buffer.from([1, 0x20, 0]));
  frame('server', 'CHALLENGE one byte short', challenge.subarray(0, challenge.length - 1));
  frame(
    'server',
    'CHALLENGE whose max frame size cannot hold a SEND',
    cat([1, 1], nonce, u32(39), u32(200), u32(400)),
  );
  frame('server', 'CHALLENGE with a zero rate', cat([1, 1], nonce, u32(65536), u32(0), u32(400)));
  frame('server', 'READY with an unknown flag bit', Buffer.from([1, 3, 2]));
  frame('server', 'READY without flags', Buffer.from([1, 3]));
  frame('server', 'FORWARDED with a 3-byte frame id', Buffer.from([1, 0x12, 0, 0, 1]));
  frame('server', 'UNDELIVERABLE with a trailing byte', Buffer.from([1, 0x13, 0, 0, 0, 1, 0]));
  frame('server', 'DELIVER without envelope', Buffer.from([1, 0x11]));
  frame('server', 'TURN_UNAVAILABLE with a body', Buffer.from([1, 0x22, 0]));
  frame('server', 'TURN_CREDENTIALS without URLs', turnFrame(expires, 'u:1', 'c', []));
  frame('server', 'TURN_CREDENTIALS with a trailing byte', cat(turn, [0]));
  frame('server', 'TURN_CREDENTIALS cut inside a URL', turn.subarray(0, turn.length - 3));
  frame('server', 'TURN_CREDENTIALS with an empty username', turnFrame(expires, '', 'c', urls));
  frame('server', 'TURN_CREDENTIALS whose username holds a space', turnFrame(expires, 'a b', 'c', urls));
  frame(
    'server',
    'TURN_CREDENTIALS expiring past 2^53-1',
    turnFrame(Buffer.alloc(8, 0xff), 'u:1', 'c', urls),
  );

  // ---- auth messages
  const seed = random(32);
  const { privateKey, publicKey } = keyPair(seed);
  const authChallenge = random(32);
  const message = (c: Uint8Array, o: string) =>
    cat(ascii('tincan-relay-auth-v1'), [0], c, [o.length], ascii(o));
  const auth = (
    label: 'valid' | 'invalid',
    comment: string,
    c: Uint8Array,
    o: string,
    sig: Uint8Array,
    msg = message(c, o),
  ) =>
    cases.push({
      label,
      comment,
      kind: 'auth',
      seed: hex(seed),
      publicKey: hex(publicKey),
      challenge: hex(c),
      origin: o,
      message: hex(msg),
      signature: hex(sig),
    });
  for (const o of ['https://relay.example.org', 'http://127.0.0.1:8080', 'http://[::1]:8080']) {
    auth(
      'valid',
      `signature over the challenge and ${o}`,
      authChallenge,
      o,
      sign(null, message(authChallenge, o), privateKey),
    );
  }
  const good = sign(null, message(authChallenge, origin), privateKey);
  const otherChallenge = random(32);
  auth('invalid', 'signature made for another challenge (a replayed AUTH)', otherChallenge, origin, good);
  auth('invalid', 'signature made for another origin', authChallenge, 'https://evil.example.org', good);
  const flipped = Buffer.from(good);
  flipped[10]! ^= 1;
  auth('invalid', 'signature with one bit flipped', authChallenge, origin, flipped);
  const noContext = cat(authChallenge, [origin.length], ascii(origin));
  auth(
    'invalid',
    'signature over the message without its context string',
    authChallenge,
    origin,
    sign(null, noContext, privateKey),
  );

  return {
    about:
      'Relay protocol frames (both directions) and the relay authentication message; spec/drafts/relay.md.',
    source:
      'spec/vectors/gen/relay-frames.ts (hand-laid bytes, node:crypto Ed25519, seed "tincan/vectors/relay-frames")',
    cases,
  };
};
