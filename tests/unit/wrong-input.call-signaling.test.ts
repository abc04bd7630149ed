/** Our own mistakes are TypeError / RangeError naming the argument; untrusted bytes are ProtocolError. */
import { describe, expect, it } from 'vitest';
import {
  assertFreshOffer,
  type CallBody,
  type CallOffer,
  decodeCallBody,
  encodeCallBody,
  MAX_CALL_SDP_BYTES,
  newCallId,
  sameFingerprint,
} from '../../crypto/call-signaling.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import { protocolErrorCodeOf } from '../support/protocol-errors.ts';

const notBytes: unknown[] = [undefined, null, 'ab', 42, [1, 2], new ArrayBuffer(16), {}];
const notStrings: unknown[] = [undefined, null, 42, {}, new Uint8Array(4)];
const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(0xab));
const sdp = `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 ${fp.value}\r\n`;
const offer: CallOffer = {
  type: 'offer',
  callId: new Uint8Array(16),
  media: 'audio',
  purpose: 'call',
  createdAt: 1,
  sasCommitment: new Uint8Array(32),
  fingerprint: fp,
  sdp,
};
const encode = (body: unknown) => () => encodeCallBody(body as CallBody);

describe('encodeCallBody', () => {
  it('TypeError for a body that is not an object or has an unknown type', () => {
    for (const bad of [undefined, null, 42, 'offer']) expect(encode(bad)).toThrow(TypeError);
    expect(encode({ ...offer, type: 'unknown' })).toThrow(/body.type unknown/);
  });

  it('TypeError / RangeError naming the field for wrong bytes', () => {
    for (const bad of notBytes) {
      expect(encode({ ...offer, callId: bad })).toThrow(TypeError);
      expect(encode({ ...offer, sasCommitment: bad })).toThrow(/body.sasCommitment/);
    }
    for (const length of [0, 15, 17])
      expect(encode({ ...offer, callId: new Uint8Array(length) })).toThrow(RangeError);
    for (const length of [0, 31, 33]) {
      expect(encode({ ...offer, sasCommitment: new Uint8Array(length) })).toThrow(
        /body.sasCommitment must be 32 bytes/,
      );
      expect(
        encode({
          type: 'control',
          callId: new Uint8Array(16),
          action: 'sas-reveal',
          nonce: new Uint8Array(length),
        }),
      ).toThrow(RangeError);
    }
  });

  it('RangeError for unknown enum values and bad numbers', () => {
    expect(encode({ ...offer, media: 'hologram' })).toThrow(/body.media unknown/);
    expect(encode({ ...offer, purpose: 'x' })).toThrow(/body.purpose unknown/);
    for (const createdAt of [-1, 1.5, Number.NaN, 2 ** 53])
      expect(encode({ ...offer, createdAt })).toThrow(RangeError);
    expect(encode({ type: 'control', callId: new Uint8Array(16), action: 'explode' })).toThrow(
      /body.action unknown/,
    );
    expect(
      encode({ type: 'control', callId: new Uint8Array(16), action: 'hangup', reason: 'bored' }),
    ).toThrow(/body.reason unknown/);
    expect(encode({ type: 'control', callId: new Uint8Array(16), action: 'media', flags: null })).toThrow(
      TypeError,
    );
  });

  it('a data offer: its file missing, of the wrong type or out of bounds; a file on any other offer', () => {
    const data = { ...offer, media: 'data', file: { size: 3, name: 'a.txt', type: 'text/plain' } };
    expect(encodeCallBody(data as CallBody).kind).toBe(MESSAGE_KIND.callOffer);
    expect(encode({ ...data, file: undefined })).toThrow(/body.file must be an object/);
    expect(encode({ ...data, file: null })).toThrow(TypeError);
    expect(encode({ ...offer, file: data.file })).toThrow(/body.file belongs only to a data offer/);
    expect(encode({ ...data, purpose: 'renegotiate' })).toThrow(/body.file belongs only/);
    for (const size of [-1, 1.5, Number.NaN, 2 ** 53, '3'])
      expect(encode({ ...data, file: { ...data.file, size } })).toThrow(/body.file.size/);
    for (const bad of notStrings) {
      expect(encode({ ...data, file: { ...data.file, name: bad } })).toThrow(TypeError);
      expect(encode({ ...data, file: { ...data.file, type: bad } })).toThrow(TypeError);
    }
    for (const name of ['', 'é'.repeat(128)])
      expect(encode({ ...data, file: { ...data.file, name } })).toThrow(/body.file.name must be 1..255/);
    for (const type of ['text/plain\n', 'é', 'a'.repeat(128)])
      expect(encode({ ...data, file: { ...data.file, type } })).toThrow(/body.file.type/);
  });

  it('SDP: wrong type, empty, too long', () => {
    for (const bad of notStrings) expect(encode({ ...offer, sdp: bad })).toThrow(TypeError);
    expect(encode({ ...offer, sdp: '' })).toThrow(RangeError);
    const long = `${sdp}a=x:${'y'.repeat(MAX_CALL_SDP_BYTES)}\r\n`;
    expect(encode({ ...offer, sdp: long })).toThrow(/body.sdp must be 1..16000/);
  });

  it('ICE: wrong types, forbidden characters, out-of-range index, no list or an empty one', () => {
    const one = { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null };
    const ice = (entry: Record<string, unknown>) => ({
      type: 'ice',
      callId: new Uint8Array(16),
      candidates: [one, { ...one, ...entry }],
    });
    for (const bad of notStrings) expect(encode(ice({ candidate: bad }))).toThrow(TypeError);
    expect(encode(ice({ candidate: 'candidate:1\r\n' }))).toThrow(RangeError);
    expect(encode(ice({ sdpMid: 'a b' }))).toThrow(/body.sdpMid/);
    expect(encode(ice({ usernameFragment: 'a-b' }))).toThrow(/body.usernameFragment/);
    for (const index of [-1, 0.5, 0xffff]) expect(encode(ice({ sdpMLineIndex: index }))).toThrow(RangeError);
    for (const bad of [undefined, null, 'candidate:1', { length: 1 }])
      expect(encode({ type: 'ice', callId: new Uint8Array(16), candidates: bad })).toThrow(TypeError);
    expect(encode({ type: 'ice', callId: new Uint8Array(16), candidates: [] })).toThrow(RangeError);
  });
});

describe('decodeCallBody', () => {
  it('TypeError for a payload that is not bytes', () => {
    for (const bad of notBytes)
      expect(() => decodeCallBody(MESSAGE_KIND.callOffer, bad as Uint8Array)).toThrow(TypeError);
  });

  it('empty, short and long payloads and unknown kinds are ProtocolErrors', () => {
    const { payload } = encodeCallBody(offer);
    expect(protocolErrorCodeOf(() => decodeCallBody(MESSAGE_KIND.callOffer, new Uint8Array(0)))).toBe(
      'bad-length',
    );
    expect(protocolErrorCodeOf(() => decodeCallBody(MESSAGE_KIND.callOffer, payload.subarray(0, 20)))).toBe(
      'bad-length',
    );
    expect(
      protocolErrorCodeOf(() => decodeCallBody(MESSAGE_KIND.callOffer, new Uint8Array(70_000).fill(1))),
    ).toBe('too-large');
    for (const kind of [Number.NaN, -1, 1.5, MESSAGE_KIND.chat, 999]) {
      expect(protocolErrorCodeOf(() => decodeCallBody(kind, payload))).toBe('bad-type');
    }
  });
});

describe('newCallId, assertFreshOffer, sameFingerprint', () => {
  it('newCallId refuses a random source that returns the wrong thing', () => {
    expect(() => newCallId(() => new Uint8Array(15))).toThrow(RangeError);
    expect(() => newCallId((() => 'x') as never)).toThrow(TypeError);
  });

  it('assertFreshOffer: TypeError / RangeError for wrong arguments', () => {
    expect(() => assertFreshOffer(null as never, 0)).toThrow(TypeError);
    for (const now of [-1, 1.5, Number.NaN]) expect(() => assertFreshOffer(offer, now)).toThrow(RangeError);
  });

  it('sameFingerprint: malformed fingerprints are programming errors', () => {
    expect(() => sameFingerprint(fp, { algorithm: 'sha-1' as never, value: fp.value })).toThrow(RangeError);
    expect(() => sameFingerprint(null as never, fp)).toThrow(TypeError);
  });
});
