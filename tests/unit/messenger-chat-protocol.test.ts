import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY_BUCKETS, bucketFor, padBody, unpadBody } from '../../client/core/body-frame.ts';
import {
  type ChatBody,
  decodeBody,
  encodeBody,
  MAX_DISPLAY_NAME_BYTES,
  MAX_EXPIRY_SECONDS,
  MAX_IDS_PER_BODY,
  MAX_TEXT_BYTES,
  newMessageId,
} from '../../client/core/chat-protocol.ts';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { MESSAGE_KIND, OVERHEAD } from '../../crypto/envelope.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { testRandom } from '../support/identities.ts';

const idArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toHex);
const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const name = fc
  .string({ minLength: 1, maxLength: 20 })
  .map((s) => s.normalize('NFC'))
  .filter(
    (s) => /^[\p{L}\p{N} ._-]+$/u.test(s) && new TextEncoder().encode(s).length <= MAX_DISPLAY_NAME_BYTES,
  );
const text = fc.string({ minLength: 1, maxLength: 300 }).filter((s) => !/[\uD800-\uDFFF]/.test(s));
const ids = fc.array(idArb, { minLength: 1, maxLength: MAX_IDS_PER_BODY });

const bodyArb: fc.Arbitrary<ChatBody> = fc.oneof(
  fc
    .record({
      id: idArb,
      sentAt: time,
      text,
      expires: fc.option(fc.integer({ min: 1, max: MAX_EXPIRY_SECONDS })),
    })
    .map(
      ({ id, sentAt, text, expires }): ChatBody =>
        expires === null
          ? { type: 'chat', id, sentAt, text }
          : { type: 'chat', id, sentAt, text, expiresInSeconds: expires },
    ),
  ids.map((ids): ChatBody => ({ type: 'ack', ids })),
  fc.record({ id: idArb, read: ids }).map((r): ChatBody => ({ type: 'receipt', ...r })),
  fc.boolean().map((typing): ChatBody => ({ type: 'typing', typing })),
  fc.constantFrom('ping', 'pong', 'leaving').map((state): ChatBody => ({ type: 'presence', state })),
  fc.record({ id: idArb, displayName: name }).map((r): ChatBody => ({ type: 'contactRequest', ...r })),
  fc
    .record({ id: idArb, accepted: fc.boolean(), displayName: fc.option(name) })
    .map(
      ({ id, accepted, displayName }): ChatBody =>
        displayName === null
          ? { type: 'contactResponse', id, accepted }
          : { type: 'contactResponse', id, accepted, displayName },
    ),
  fc
    .record({ id: idArb, setAt: time, expiresInSeconds: fc.integer({ min: 0, max: MAX_EXPIRY_SECONDS }) })
    .map((r): ChatBody => ({ type: 'settings', ...r })),
);

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (isProtocolError(error)) return error.code;
    throw error;
  }
};

describe('chat bodies', () => {
  it('decode(encode(x)) = x for every body, and every encoding is one of the buckets', () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        const { kind, bytes } = encodeBody(body);
        expect((BODY_BUCKETS as readonly number[]).includes(bytes.length)).toBe(true);
        expect(decodeBody(kind, bytes)).toEqual(body);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes under any kind only ever raise a ProtocolError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 1100 }), (kind, bytes) => {
        codeOf(() => decodeBody(kind, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('random payloads in a well-formed frame only ever raise a ProtocolError', () => {
    const kinds = Object.values(MESSAGE_KIND);
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 200 }), (kind, payload) => {
        codeOf(() => decodeBody(kind, padBody(payload)));
      }),
      { numRuns: 3000 },
    );
  });

  it('lays a chat message out as documented', () => {
    const id = '00112233445566778899aabbccddeeff';
    const { kind, bytes } = encodeBody({
      type: 'chat',
      id,
      sentAt: 0x0102030405,
      text: 'hi',
      expiresInSeconds: 60,
    });
    expect(kind).toBe(MESSAGE_KIND.chat);
    expect(bytes.length).toBe(256);
    expect(toHex(bytes.subarray(0, 3 + 30))).toBe(`01001e${id}0000000102030405${'0000003c'}6869`);
    expect(bytes.subarray(33).every((b) => b === 0)).toBe(true);
  });

  it('lays out the other kinds as documented', () => {
    const id = 'ff'.repeat(16);
    const payload = (body: ChatBody) => toHex(unpadBody(encodeBody(body).bytes));
    expect(payload({ type: 'ack', ids: [id, id] })).toBe(`02${id}${id}`);
    expect(payload({ type: 'receipt', id, read: [id] })).toBe(`${id}01${id}`);
    expect(payload({ type: 'typing', typing: true })).toBe('01');
    expect(payload({ type: 'presence', state: 'leaving' })).toBe('03');
    expect(payload({ type: 'contactRequest', id, displayName: 'Bo' })).toBe(`${id}02426f`);
    expect(payload({ type: 'contactResponse', id, accepted: true })).toBe(`${id}0100`);
    expect(payload({ type: 'settings', id, setAt: 1, expiresInSeconds: 2 })).toBe(
      `${id}000000000000000100000002`,
    );
  });

  it('pads to the smallest bucket that fits, so envelopes come in four sizes', () => {
    expect(BODY_BUCKETS.map((b) => b + OVERHEAD)).toEqual([359, 1127, 4199, 16487]);
    expect([0, 253, 254, 1021, 1022, 4093, 4094, 16381].map(bucketFor)).toEqual([
      256, 256, 1024, 1024, 4096, 4096, 16384, 16384,
    ]);
    expect(() => bucketFor(16382)).toThrow(RangeError);
    const longest = 'x'.repeat(MAX_TEXT_BYTES);
    expect(
      encodeBody({ type: 'chat', id: newMessageId(testRandom('id')), sentAt: 1, text: longest }).bytes.length,
    ).toBe(16384);
  });

  it('refuses non-canonical frames: wrong size, version, padding, or a bigger bucket than needed', () => {
    const good = padBody(Uint8Array.of(1));
    expect(codeOf(() => unpadBody(good.subarray(0, 255)))).toBe('bad-length');
    expect(codeOf(() => unpadBody(new Uint8Array(20_000)))).toBe('too-large');
    const version = good.slice();
    version[0] = 2;
    expect(codeOf(() => unpadBody(version))).toBe('bad-version');
    const padding = good.slice();
    padding[255] = 1;
    expect(codeOf(() => unpadBody(padding))).toBe('bad-encoding');
    const roomy = new Uint8Array(1024);
    roomy.set([1, 0, 1, 1]);
    expect(codeOf(() => unpadBody(roomy))).toBe('bad-encoding');
    const overlong = good.slice();
    overlong[1] = 0xff;
    expect(codeOf(() => unpadBody(overlong))).toBe('bad-length');
  });

  it('refuses bad fields with stable codes', () => {
    const id = 'ab'.repeat(16);
    const frame = (hex: string) => padBody(fromHex(hex));
    const time = '0000000000000001';
    expect(codeOf(() => decodeBody(MESSAGE_KIND.chat, frame(`${id}${time}00000000`)))).toBe('bad-length'); // empty text
    expect(codeOf(() => decodeBody(MESSAGE_KIND.chat, frame(`${id}${time}00000000ff`)))).toBe('bad-encoding'); // not UTF-8
    expect(codeOf(() => decodeBody(MESSAGE_KIND.chat, frame(`${id}${time}ffffffff41`)))).toBe('bad-encoding'); // expiry
    expect(codeOf(() => decodeBody(MESSAGE_KIND.chat, frame(`${id}ffffffffffffffff0000000041`)))).toBe(
      'bad-encoding',
    );
    expect(codeOf(() => decodeBody(MESSAGE_KIND.ack, frame('00')))).toBe('bad-encoding'); // no ids
    expect(codeOf(() => decodeBody(MESSAGE_KIND.ack, frame(`02${id}`)))).toBe('bad-length'); // truncated
    expect(codeOf(() => decodeBody(MESSAGE_KIND.ack, frame(`01${id}00`)))).toBe('bad-length'); // trailing
    expect(codeOf(() => decodeBody(MESSAGE_KIND.typing, frame('02')))).toBe('bad-encoding');
    expect(codeOf(() => decodeBody(MESSAGE_KIND.presence, frame('00')))).toBe('bad-encoding');
    expect(codeOf(() => decodeBody(MESSAGE_KIND.contactRequest, frame(`${id}00`)))).toBe('bad-encoding'); // no name
    expect(codeOf(() => decodeBody(MESSAGE_KIND.contactRequest, frame(`${id}021b5b`)))).toBe('bad-encoding'); // ESC [
    expect(codeOf(() => decodeBody(MESSAGE_KIND.contactResponse, frame(`${id}0200`)))).toBe('bad-encoding');
    expect(codeOf(() => decodeBody(MESSAGE_KIND.callOffer, frame('00')))).toBe('bad-type');
  });
});
