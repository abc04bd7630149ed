import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, readU32be, toHex, u32beAt, utf8 } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { originOfRelayUrl, RELAY_AUTH_CONTEXT, relayAuthMessage } from '../../crypto/relay-auth.ts';
import { RELAY_CLOSE_ADVICE, RELAY_CLOSE_CODES, relayCloseReason } from '../../crypto/relay-close-codes.ts';
import {
  CHALLENGE_NONCE_OFFSET,
  type ClientFrame,
  checkSendFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
  RELAY_FRAME_TYPE,
  reframeSendAsDeliver,
  SEND_FLAG_RECEIPT,
  SEND_HEADER_LENGTH,
  SEND_OFFSETS,
  type ServerFrame,
} from '../../crypto/relay-frames.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const positiveU32 = fc.integer({ min: 1, max: 0xffffffff });
const token = fc.stringMatching(/^[\x21-\x7e]{1,40}$/);
const origin = fc
  .tuple(fc.constantFrom('http', 'https'), fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })))
  .map(([scheme, host, port]) => new URL(`${scheme}://${host}${port === null ? '' : `:${port}`}`).origin);

const clientFrame: fc.Arbitrary<ClientFrame> = fc.oneof(
  fc.record({ type: fc.constant('auth' as const), publicKey: bytes(32), signature: bytes(64), origin }),
  fc.record({
    type: fc.constant('send' as const),
    recipient: bytes(32),
    frameId: u32,
    receipt: fc.boolean(),
    envelope: fc.uint8Array({ minLength: 1, maxLength: 300 }),
  }),
  fc.constant({ type: 'turn-request' as const }),
);

const serverFrame: fc.Arbitrary<ServerFrame> = fc.oneof(
  fc.record({
    type: fc.constant('challenge' as const),
    nonce: bytes(32),
    limits: fc.record({
      maxFrameBytes: fc.integer({ min: SEND_HEADER_LENGTH + 1, max: 0xffffffff }),
      messagesPerSecond: positiveU32,
      messageBurst: positiveU32,
    }),
  }),
  fc.record({ type: fc.constant('ready' as const), turnAvailable: fc.boolean() }),
  fc.record({
    type: fc.constant('deliver' as const),
    envelope: fc.uint8Array({ minLength: 1, maxLength: 300 }),
  }),
  fc.record({ type: fc.constantFrom('forwarded' as const, 'undeliverable' as const), frameId: u32 }),
  fc.record({
    type: fc.constant('turn-credentials' as const),
    expiresAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    username: token,
    credential: token,
    urls: fc.array(token, { minLength: 1, maxLength: 8 }),
  }),
  fc.constant({ type: 'turn-unavailable' as const }),
);

/** Random bytes never raise anything but ProtocolError('bad-frame'); whatever decodes re-encodes exactly. */
function checkDecoder(decode: (b: Uint8Array) => ClientFrame | ServerFrame, input: Uint8Array): void {
  let frame: ClientFrame | ServerFrame;
  try {
    frame = decode(input);
  } catch (error) {
    expect(isProtocolError(error, 'bad-frame'), String(error)).toBe(true);
    return;
  }
  expect(toHex(encodeFrame(frame))).toBe(toHex(input));
}

describe('relay frames', () => {
  it('decodeClientFrame(encodeFrame(f)) = f', () => {
    fc.assert(
      fc.property(clientFrame, (f) => {
        expect(decodeClientFrame(encodeFrame(f))).toEqual(f);
      }),
    );
  });

  it('decodeServerFrame(encodeFrame(f)) = f', () => {
    fc.assert(
      fc.property(serverFrame, (f) => {
        expect(decodeServerFrame(encodeFrame(f))).toEqual(f);
      }),
    );
  });

  it('each direction refuses the other direction’s frames', () => {
    fc.assert(
      fc.property(clientFrame, serverFrame, (c, s) => {
        expect(() => decodeServerFrame(encodeFrame(c))).toThrow(
          expect.objectContaining({ code: 'bad-frame' }),
        );
        expect(() => decodeClientFrame(encodeFrame(s))).toThrow(
          expect.objectContaining({ code: 'bad-frame' }),
        );
      }),
    );
  });

  it('random bytes only ever raise bad-frame, and what decodes is canonical', () => {
    const header = fc.constantFrom(...Object.values(RELAY_FRAME_TYPE)).map((t) => Uint8Array.of(1, t));
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(header, fc.uint8Array({ maxLength: 200 })).map(([h, body]) => concatBytes(h, body)),
    );
    fc.assert(
      fc.property(input, (b) => {
        checkDecoder(decodeClientFrame, b);
        checkDecoder(decodeServerFrame, b);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid frames (flipped byte, cut, extended) decode canonically or raise bad-frame', () => {
    const mutate = fc.tuple(
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('flip', 'cut', 'extend'),
    );
    fc.assert(
      fc.property(fc.oneof(clientFrame, serverFrame), mutate, (f, [at, xor, how]) => {
        const b = encodeFrame(f);
        const i = at % b.length;
        const mutated =
          how === 'flip'
            ? b.map((v, j) => (j === i ? v ^ xor : v))
            : how === 'cut'
              ? b.subarray(0, i)
              : concatBytes(b, Uint8Array.of(xor));
        checkDecoder(decodeClientFrame, mutated);
        checkDecoder(decodeServerFrame, mutated);
      }),
      { numRuns: 2000 },
    );
  });

  it('reframeSendAsDeliver turns a SEND into the DELIVER of the same envelope without copying it', () => {
    fc.assert(
      fc.property(
        bytes(32),
        u32,
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        (recipient, frameId, envelope) => {
          const send = encodeFrame({ type: 'send', recipient, frameId, receipt: false, envelope });
          const deliver = reframeSendAsDeliver(send);
          expect(deliver.buffer).toBe(send.buffer);
          expect(decodeServerFrame(deliver)).toEqual({ type: 'deliver', envelope });
          expect(toHex(send.subarray(3, 35))).toBe(toHex(recipient));
        },
      ),
    );
  });

  it('checkSendFrame accepts exactly the SENDs decodeClientFrame accepts, and its offsets read the same fields', () => {
    const sendish = fc
      .tuple(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.integer({ min: 0, max: 3 }))
      .map(([body, flags]) => concatBytes(Uint8Array.of(1, RELAY_FRAME_TYPE.send, flags), body));
    fc.assert(
      fc.property(fc.oneof(sendish, fc.uint8Array({ maxLength: 80 })), (b) => {
        let decoded: ClientFrame | undefined;
        try {
          decoded = decodeClientFrame(b);
        } catch {}
        if (decoded?.type !== 'send') {
          expect(() => checkSendFrame(b)).toThrow(expect.objectContaining({ code: 'bad-frame' }));
          return;
        }
        const flags = checkSendFrame(b);
        expect(flags === SEND_FLAG_RECEIPT).toBe(decoded.receipt);
        expect(toHex(b.subarray(SEND_OFFSETS.recipient, SEND_OFFSETS.recipient + 32))).toBe(
          toHex(decoded.recipient),
        );
        expect(u32beAt(b, SEND_OFFSETS.frameId)).toBe(decoded.frameId);
      }),
      { numRuns: 2000 },
    );
  });

  it('u32beAt reads what readU32be reads, and refuses offsets without 4 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 40 }), fc.nat(), (b, at) => {
        const offset = at % (b.length - 3);
        expect(u32beAt(b, offset)).toBe(readU32be(b, offset));
      }),
    );
    for (const offset of [-1, 1.5, 7, 8, Number.NaN])
      expect(() => u32beAt(new Uint8Array(10), offset)).toThrow(RangeError);
    expect(() => u32beAt([1, 2, 3, 4] as unknown as Uint8Array, 0)).toThrow(TypeError);
  });

  it('puts the CHALLENGE nonce at CHALLENGE_NONCE_OFFSET', () => {
    const nonce = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const limits = { maxFrameBytes: 65536, messagesPerSecond: 200, messageBurst: 400 };
    const frame = encodeFrame({ type: 'challenge', nonce, limits });
    expect(toHex(frame.subarray(CHALLENGE_NONCE_OFFSET, CHALLENGE_NONCE_OFFSET + 32))).toBe(toHex(nonce));
  });

  it('lays out SEND as documented', () => {
    const send = encodeFrame({
      type: 'send',
      recipient: new Uint8Array(32).fill(0xaa),
      frameId: 0x01020304,
      receipt: true,
      envelope: Uint8Array.of(0xee),
    });
    expect(toHex(send)).toBe(`011001${'aa'.repeat(32)}01020304ee`);
    expect(SEND_HEADER_LENGTH).toBe(39);
  });
});

describe('relay auth message', () => {
  it('is context || 0 || challenge || len || origin', () => {
    const challenge = new Uint8Array(32).fill(7);
    const message = relayAuthMessage(challenge, 'http://127.0.0.1:8080');
    expect(toHex(message)).toBe(
      toHex(
        concatBytes(
          utf8(RELAY_AUTH_CONTEXT),
          Uint8Array.of(0),
          challenge,
          Uint8Array.of(21),
          utf8('http://127.0.0.1:8080'),
        ),
      ),
    );
  });

  it('derives the origin a client signs from the relay URL', () => {
    expect(originOfRelayUrl('ws://127.0.0.1:8080/relay')).toBe('http://127.0.0.1:8080');
    expect(originOfRelayUrl('wss://Relay.Example.org:443/relay')).toBe('https://relay.example.org');
    expect(originOfRelayUrl('wss://relay.example.org:8443/relay?x=1')).toBe('https://relay.example.org:8443');
    expect(originOfRelayUrl('ws://[::1]:80/relay')).toBe('http://[::1]');
  });
});

describe('relay close codes', () => {
  it('are unique, in 4000..4999 except the two RFC 6455 codes, and each has advice', () => {
    const codes = Object.values(RELAY_CLOSE_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [reason, code] of Object.entries(RELAY_CLOSE_CODES)) {
      if (reason === 'frame-too-large') expect(code).toBe(1009);
      else if (reason === 'internal-error') expect(code).toBe(1011);
      else expect(code >= 4000 && code <= 4999, reason).toBe(true);
      expect(relayCloseReason(code)).toBe(reason);
      expect(['reconnect', 'stop']).toContain(RELAY_CLOSE_ADVICE[reason as keyof typeof RELAY_CLOSE_CODES]);
    }
    expect(relayCloseReason(1000)).toBeUndefined();
    expect(RELAY_CLOSE_ADVICE.replaced).toBe('stop');
    expect(RELAY_CLOSE_ADVICE['going-away']).toBe('reconnect');
  });
});
