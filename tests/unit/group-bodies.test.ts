/**
 * Group bodies (client/core/group-bodies.ts) in the chat protocol: the documented layout, decode(encode(x)) = x,
 * random bytes only ever raise a ProtocolError, and wrong input from our own code is a TypeError/RangeError.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { unpadBody } from '../../client/core/body-frame.ts';
import { type ChatBody, decodeBody, encodeBody } from '../../client/core/chat-protocol.ts';
import { toHex } from '../../crypto/bytes.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import type { GroupStatement } from '../../crypto/group-statement.ts';
import { create } from '../support/group-statements.ts';
import { testIdentity } from '../support/identities.ts';

const id = '00112233445566778899aabbccddeeff';
const groupId = 'ffeeddccbbaa99887766554433221100';
let statement: GroupStatement;

beforeAll(async () => {
  statement = await create(await testIdentity('bodies:alice'), [await testIdentity('bodies:bob')]);
});

describe('group bodies', () => {
  it('lays a group text out as documented', () => {
    const { kind, bytes } = encodeBody({
      type: 'group',
      id,
      groupId,
      payload: { kind: 'text', sentAt: 0x0102030405, text: 'hi', expiresInSeconds: 60 },
    });
    expect(kind).toBe(MESSAGE_KIND.group);
    expect(toHex(unpadBody(bytes))).toBe(`${id}${groupId}02${'0000000102030405'}${'0000003c'}6869`);
  });

  it('lays a read and a typing signal out as documented', () => {
    const read = encodeBody({ type: 'group', id, groupId, payload: { kind: 'read', ids: [groupId] } });
    expect(toHex(unpadBody(read.bytes))).toBe(`${id}${groupId}0301${groupId}`);
    const typing = encodeBody({ type: 'groupTyping', groupId, typing: true });
    expect(typing.kind).toBe(MESSAGE_KIND.groupTyping);
    expect(toHex(unpadBody(typing.bytes))).toBe(`${groupId}01`);
  });

  it('carries a statement, whose layout is checked on decoding', () => {
    const body: ChatBody = {
      type: 'group',
      id,
      groupId,
      payload: { kind: 'statement', statement: statement.bytes },
    };
    const { kind, bytes } = encodeBody(body);
    expect(decodeBody(kind, bytes)).toEqual(body);
    const text = encodeBody({ type: 'group', id, groupId, payload: { kind: 'text', sentAt: 1, text: 'hi' } });
    text.bytes[3 + 32] = 1; // a text relabelled a statement: not a statement's layout
    expect(() => decodeBody(kind, text.bytes)).toThrow(expect.toSatisfy((e) => isProtocolError(e)));
  });

  it('property: decode(encode(x)) = x', () => {
    const hex32 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toHex);
    const payload = fc.oneof(
      fc.record({
        kind: fc.constant('text' as const),
        sentAt: fc.nat(),
        text: fc.string({ minLength: 1, maxLength: 200 }).filter((t) => t.length > 0),
      }),
      fc.record({
        kind: fc.constant('read' as const),
        ids: fc.array(hex32, { minLength: 1, maxLength: 64 }),
      }),
    );
    fc.assert(
      fc.property(hex32, hex32, payload, (bodyId, group, part) => {
        const body: ChatBody = { type: 'group', id: bodyId, groupId: group, payload: part };
        const { kind, bytes } = encodeBody(body);
        expect(decodeBody(kind, bytes)).toEqual(body);
      }),
      { numRuns: 300 },
    );
  });

  it('random payloads only ever raise a ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(MESSAGE_KIND.group, MESSAGE_KIND.groupTyping),
        fc.uint8Array({ maxLength: 300 }),
        (kind, bytes) => {
          const frame = new Uint8Array(256);
          frame.set([1, bytes.length >> 8, bytes.length & 0xff]);
          if (bytes.length <= 253) frame.set(bytes, 3);
          try {
            decodeBody(kind, frame);
          } catch (error) {
            expect(isProtocolError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses an unknown part: bad-type', () => {
    const { kind, bytes } = encodeBody({ type: 'group', id, groupId, payload: { kind: 'read', ids: [id] } });
    bytes[3 + 32] = 9;
    expect(() => decodeBody(kind, bytes)).toThrow(expect.objectContaining({ code: 'bad-type' }));
  });

  it('wrong input from our own code is a TypeError or RangeError', () => {
    const bad: unknown[] = [
      { type: 'group', id: 'nope', groupId, payload: { kind: 'read', ids: [id] } },
      { type: 'group', id, groupId: 'nope', payload: { kind: 'read', ids: [id] } },
      { type: 'group', id, groupId, payload: { kind: 'read', ids: [] } },
      { type: 'group', id, groupId, payload: { kind: 'text', sentAt: -1, text: 'x' } },
      { type: 'group', id, groupId, payload: { kind: 'text', sentAt: 0, text: '' } },
      { type: 'group', id, groupId, payload: { kind: 'text', sentAt: 0, text: 'x', expiresInSeconds: -1 } },
      { type: 'group', id, groupId, payload: { kind: 'statement', statement: 'x' } },
      { type: 'group', id, groupId, payload: { kind: 'other' } },
      { type: 'groupTyping', groupId: 42, typing: true },
    ];
    for (const body of bad) {
      expect(() => encodeBody(body as ChatBody)).toThrow(
        expect.toSatisfy((e) => e instanceof TypeError || e instanceof RangeError),
      );
    }
  });
});
