import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { padBody } from '../../client/core/body-frame.ts';
import { compareBytes } from '../../crypto/bytes.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import {
  decodeGroupCallBody,
  encodeGroupCallBody,
  GROUP_CALL_ACTIONS,
  GROUP_CALL_CAP,
  GROUP_CALL_MEDIA,
  type GroupCallBody,
  legCallId,
  MAX_GROUP_CALL_BODY_BYTES,
} from '../../crypto/group-call-body.ts';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
const base: GroupCallBody = {
  action: 'join',
  groupId: bytes(16, 7),
  callId: bytes(16, 9),
  media: 'video',
  reason: 'left',
  sentAt: 1_000,
  participants: [bytes(32, 2), bytes(32, 1)],
};

const arbitraryBody = fc
  .record({
    action: fc.constantFrom(...GROUP_CALL_ACTIONS),
    groupId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    callId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    media: fc.constantFrom(...GROUP_CALL_MEDIA),
    reason: fc.constantFrom('left', 'full', 'security' as const),
    sentAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    participants: fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
      maxLength: GROUP_CALL_CAP - 1,
      comparator: (a, b) => compareBytes(a, b) === 0,
    }),
  })
  .map((b) => ({ ...b, reason: b.action === 'leave' ? b.reason : ('left' as const) }));

describe('group call bodies', () => {
  it('property: decode(encode(x)) = x with the participants in ascending order', () => {
    fc.assert(
      fc.property(arbitraryBody, (body) => {
        const { kind, payload } = encodeGroupCallBody(body);
        expect(kind).toBe(MESSAGE_KIND.groupCall);
        expect(decodeGroupCallBody(kind, payload)).toEqual({
          ...body,
          participants: [...body.participants].sort(compareBytes),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('property: random bytes only ever raise a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 260 }), (payload) => {
        try {
          decodeGroupCallBody(MESSAGE_KIND.groupCall, payload);
        } catch (error) {
          expect(isProtocolError(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('fits the smallest padded body, like a call control: the relay cannot tell them apart', () => {
    const largest = encodeGroupCallBody({
      ...base,
      action: 'roster',
      participants: [1, 2, 3, 4, 5].map((n) => bytes(32, n)),
    });
    expect(largest.payload.length).toBe(MAX_GROUP_CALL_BODY_BYTES);
    expect(padBody(largest.payload).length).toBe(256);
  });

  it('refuses wrong input to the encoder with TypeError or RangeError', () => {
    expect(() => encodeGroupCallBody(null as unknown as GroupCallBody)).toThrow(TypeError);
    expect(() => encodeGroupCallBody({ ...base, groupId: bytes(15) })).toThrow(RangeError);
    expect(() => encodeGroupCallBody({ ...base, callId: 'x' as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => encodeGroupCallBody({ ...base, action: 'ring' as 'join' })).toThrow(RangeError);
    expect(() => encodeGroupCallBody({ ...base, media: 'data' as 'video' })).toThrow(RangeError);
    expect(() => encodeGroupCallBody({ ...base, reason: 'full' })).toThrow(RangeError);
    expect(() => encodeGroupCallBody({ ...base, sentAt: -1 })).toThrow(RangeError);
    expect(() => encodeGroupCallBody({ ...base, participants: [bytes(32), bytes(32)] })).toThrow(RangeError);
    expect(() =>
      encodeGroupCallBody({ ...base, participants: [1, 2, 3, 4, 5, 6].map((n) => bytes(32, n)) }),
    ).toThrow(RangeError);
    expect(() => encodeGroupCallBody({ ...base, participants: [bytes(31)] })).toThrow(RangeError);
    expect(() => decodeGroupCallBody(MESSAGE_KIND.groupCall, 'x' as unknown as Uint8Array)).toThrow(
      TypeError,
    );
  });

  it('derives one leg call id per ordered pair, and refuses wrong lengths', () => {
    const a = bytes(32, 1);
    const b = bytes(32, 2);
    expect(legCallId(base.callId, a, b)).toHaveLength(16);
    expect(legCallId(base.callId, a, b)).not.toEqual(legCallId(base.callId, b, a));
    expect(legCallId(base.callId, a, b)).not.toEqual(legCallId(bytes(16, 3), a, b));
    expect(() => legCallId(bytes(15), a, b)).toThrow(RangeError);
    expect(() => legCallId(base.callId, bytes(31), b)).toThrow(RangeError);
  });
});
