/** Wrong input to every public entry of the messenger service: programming errors are TypeError / RangeError. */
import { describe, expect, it } from 'vitest';
import { padBody, unpadBody } from '../../client/core/body-frame.ts';
import { type ChatBody, decodeBody, encodeBody, MAX_TEXT_BYTES } from '../../client/core/chat-protocol.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import { FakeRelay } from './messenger-network.ts';
import { Clock, Person } from './messenger-people.ts';

const id = '0'.repeat(32);
const body = (value: unknown) => value as ChatBody;

describe('chat-protocol wrong input', () => {
  it('encodeBody', () => {
    expect(() => encodeBody(undefined as never)).toThrow(TypeError);
    expect(() => encodeBody(body({ type: 'nope' }))).toThrow(TypeError);
    expect(() => encodeBody(body({ type: 'chat', id, sentAt: 1 }))).toThrow(TypeError); // no text
    expect(() => encodeBody({ type: 'chat', id, sentAt: 1, text: '' })).toThrow(RangeError);
    expect(() => encodeBody({ type: 'chat', id, sentAt: 1, text: 'x'.repeat(MAX_TEXT_BYTES + 1) })).toThrow(
      RangeError,
    );
    expect(() => encodeBody({ type: 'chat', id: 'ABC', sentAt: 1, text: 'x' })).toThrow(RangeError);
    expect(() =>
      encodeBody({ type: 'chat', id: id.toUpperCase().replace(/0/g, 'A'), sentAt: 1, text: 'x' }),
    ).toThrow(RangeError);
    expect(() => encodeBody({ type: 'chat', id, sentAt: -1, text: 'x' })).toThrow(RangeError);
    expect(() => encodeBody({ type: 'chat', id, sentAt: 1.5, text: 'x' })).toThrow(RangeError);
    expect(() => encodeBody({ type: 'chat', id, sentAt: 1, text: 'x', expiresInSeconds: 1e9 })).toThrow(
      RangeError,
    );
    expect(() => encodeBody({ type: 'ack', ids: [] })).toThrow(RangeError);
    expect(() => encodeBody({ type: 'ack', ids: Array(65).fill(id) })).toThrow(RangeError);
    expect(() => encodeBody(body({ type: 'ack', ids: id }))).toThrow(RangeError);
    expect(() => encodeBody(body({ type: 'presence', state: 'away' }))).toThrow(RangeError);
    expect(() => encodeBody({ type: 'contactRequest', id, displayName: '' })).toThrow(RangeError);
    expect(() => encodeBody({ type: 'contactRequest', id, displayName: 'a\u202eb' })).toThrow(RangeError);
    expect(() => encodeBody({ type: 'contactRequest', id, displayName: 'x'.repeat(65) })).toThrow(RangeError);
    expect(() => encodeBody(body({ type: 'contactRequest', id, displayName: 7 }))).toThrow(TypeError);
    expect(() => encodeBody({ type: 'settings', id, setAt: 1, expiresInSeconds: -1 })).toThrow(RangeError);
  });

  it('decodeBody, padBody, unpadBody', () => {
    expect(() => decodeBody(MESSAGE_KIND.chat, 'bytes' as never)).toThrow(TypeError);
    expect(() => decodeBody(MESSAGE_KIND.chat, undefined as never)).toThrow(TypeError);
    expect(() => padBody([1, 2] as never)).toThrow(TypeError);
    expect(() => padBody(new Uint8Array(16382))).toThrow(RangeError);
    expect(() => unpadBody(null as never)).toThrow(TypeError);
    expect(() => unpadBody(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'bad-length' }));
  });
});

describe('messenger wrong input', async () => {
  const relay = new FakeRelay();
  const alice = await Person.create('w-alice', relay, new Clock());
  const m = alice.messenger;

  it('rejects malformed peers, texts and timers before queueing anything', () => {
    expect(() => m.sendText('nope', 'x')).toThrow(RangeError);
    expect(() => m.sendText(undefined as never, 'x')).toThrow(TypeError);
    expect(() => m.sendText('ab'.repeat(32), '')).toThrow(RangeError);
    expect(() => m.sendText('ab'.repeat(32), 5 as never)).toThrow(TypeError);
    expect(() => m.sendText('ab'.repeat(32), 'x', { expiresInSeconds: -5 })).toThrow(RangeError);
    expect(() => m.requestContact('ab'.repeat(32), '')).toThrow(RangeError);
    expect(() => m.markRead('ab'.repeat(32), [])).toThrow(RangeError);
    expect(() => m.setDisappearing('ab'.repeat(32), 0.5)).toThrow(RangeError);
    expect(m.outbox.size).toBe(0);
  });

  it('turns hostile envelopes into dropped events', async () => {
    await m.receive(new Uint8Array([1, 3, 0]));
    await m.receive(new Uint8Array(0));
    expect(alice.of('dropped').map((e) => e.code)).toEqual(['bad-length', 'bad-length']);
    await expect(m.receive('bytes' as never)).rejects.toThrow(TypeError);
  });
});
