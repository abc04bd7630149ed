import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../client/core/body-frame.ts';
import { concatBytes } from '../../crypto/bytes.ts';
import {
  assertFreshOffer,
  CALL_ID_BYTES,
  type CallBody,
  type CallOffer,
  candidateFits,
  decodeCallBody,
  encodeCallBody,
  isCallKind,
  MAX_CALL_SDP_BYTES,
  MAX_CANDIDATE_BYTES,
  MAX_CANDIDATES_PER_BODY,
  newCallId,
  OFFER_MAX_AGE_MS,
  sameFingerprint,
} from '../../crypto/call-signaling.ts';
import { type DtlsFingerprint, fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { testRandom } from '../support/identities.ts';
import { protocolErrorCodeOf } from '../support/protocol-errors.ts';

const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
const fingerprintArb = digest.map((d) => fingerprintFromDigest('sha-256', d));
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const sdpFor = (fp: DtlsFingerprint, filler: string) =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=x-note:${filler}`,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    `a=fingerprint:${fp.algorithm} ${fp.value}`,
    'a=mid:0',
    '',
  ].join('\r\n');
// Any text without line breaks (so it cannot add fingerprint lines) and without lone surrogates.
const filler = fc.string({ maxLength: 200 }).filter((s) => !/[\r\n\uD800-\uDFFF]/.test(s));
const purpose = fc.constantFrom('call' as const, 'renegotiate' as const);

const bodyArb: fc.Arbitrary<CallBody> = fc.oneof(
  fc
    .record({
      callId: bytes(16),
      media: fc.constantFrom('audio' as const, 'video' as const),
      purpose,
      createdAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      sasCommitment: bytes(32),
      fingerprint: fingerprintArb,
      filler,
    })
    .map(
      ({ filler: f, ...rest }): CallBody => ({ type: 'offer', ...rest, sdp: sdpFor(rest.fingerprint, f) }),
    ),
  fc
    .record({
      callId: bytes(16),
      purpose,
      connectsOnAccept: fc.boolean(),
      sasNonce: bytes(32),
      fingerprint: fingerprintArb,
      filler,
    })
    .map(
      ({ filler: f, ...rest }): CallBody => ({
        type: 'answer',
        ...rest,
        // Only the answer to the call itself may connect on accept (a renegotiation happens mid-call).
        connectsOnAccept: rest.connectsOnAccept && rest.purpose === 'call',
        sdp: sdpFor(rest.fingerprint, f),
      }),
    ),
  fc
    .record({
      callId: bytes(16),
      candidates: fc.array(
        fc.record({
          candidate: fc.oneof(
            fc.constant(''),
            fc.stringMatching(/^[\x20-\x7e]{0,200}$/).map((s) => `candidate:${s}`),
          ),
          sdpMid: fc.option(fc.stringMatching(/^[\x21-\x7e]{1,32}$/)),
          sdpMLineIndex: fc.option(fc.integer({ min: 0, max: 0xfffe })),
          usernameFragment: fc.option(fc.stringMatching(/^[A-Za-z0-9+/]{1,64}$/)),
        }),
        { minLength: 1, maxLength: MAX_CANDIDATES_PER_BODY },
      ),
    })
    .map((r): CallBody => ({ type: 'ice', ...r })),
  fc
    .record({
      callId: bytes(16),
      action: fc.constantFrom(
        'ringing',
        'reject',
        'cancel',
        'busy',
        'no-answer',
        'ice-restart',
        'accept' as const,
      ),
    })
    .map((r): CallBody => ({ type: 'control', ...r }) as CallBody),
  fc
    .record({ callId: bytes(16), reason: fc.constantFrom('normal', 'security', 'failed' as const) })
    .map((r): CallBody => ({ type: 'control', action: 'hangup', ...r })),
  fc
    .record({
      callId: bytes(16),
      flags: fc.record({ audioMuted: fc.boolean(), videoOff: fc.boolean(), screenSharing: fc.boolean() }),
    })
    .map((r): CallBody => ({ type: 'control', action: 'media', ...r })),
  fc
    .record({ callId: bytes(16), nonce: bytes(32) })
    .map((r): CallBody => ({ type: 'control', action: 'sas-reveal', ...r })),
);

const KINDS = [
  MESSAGE_KIND.callOffer,
  MESSAGE_KIND.callAnswer,
  MESSAGE_KIND.iceCandidate,
  MESSAGE_KIND.callControl,
];

describe('call signalling bodies', () => {
  it('decode(encode(body)) = body, for every kind', () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        const { kind, payload } = encodeCallBody(body);
        expect(decodeCallBody(kind, payload)).toEqual(body);
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes under any kind only ever raise a ProtocolError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 400 }), (kind, payload) => {
        try {
          decodeCallBody(kind, payload);
        } catch (error) {
          expect(isProtocolError(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid prefix with random bytes after it only ever raises a ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        bytes(16),
        fc.uint8Array({ maxLength: 300 }),
        (kind, callId, rest) => {
          try {
            decodeCallBody(kind, concatBytes(Uint8Array.of(1), callId, rest));
          } catch (error) {
            expect(isProtocolError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('any one byte changed in an offer is refused or decodes to a different body, never the same one', () => {
    fc.assert(
      fc.property(
        bodyArb.filter((b) => b.type === 'offer'),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (body, at, xor) => {
          const { kind, payload } = encodeCallBody(body);
          const changed = payload.slice();
          changed[at % changed.length]! ^= xor;
          try {
            expect(decodeCallBody(kind, changed)).not.toEqual(body);
          } catch (error) {
            expect(isProtocolError(error)).toBe(true);
          }
        },
      ),
    );
  });

  it('refuses to encode an SDP that names another certificate than the committed one', () => {
    const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(1));
    const other = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(2));
    const offer: CallOffer = {
      type: 'offer',
      callId: new Uint8Array(16),
      media: 'video',
      purpose: 'call',
      createdAt: 0,
      sasCommitment: new Uint8Array(32),
      fingerprint: fp,
      sdp: sdpFor(other, ''),
    };
    expect(() => encodeCallBody(offer)).toThrow(/differs from the SDP fingerprint/);
    expect(() => encodeCallBody({ ...offer, sdp: 'v=0\r\n' })).toThrow(/no usable fingerprint/);
    expect(encodeCallBody({ ...offer, fingerprint: other }).kind).toBe(MESSAGE_KIND.callOffer);
  });

  it('refuses to encode a renegotiation answer that says it connects on accept', () => {
    const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(1));
    const answer: CallBody = {
      type: 'answer',
      callId: new Uint8Array(16),
      purpose: 'renegotiate',
      connectsOnAccept: true,
      sasNonce: new Uint8Array(32),
      fingerprint: fp,
      sdp: sdpFor(fp, ''),
    };
    expect(() => encodeCallBody(answer)).toThrow(/only the answer to the call itself/);
    expect(encodeCallBody({ ...answer, purpose: 'call' }).payload[18]).toBe(1);
    expect(encodeCallBody({ ...answer, connectsOnAccept: false }).payload[18]).toBe(0);
  });

  it('a decoded body never shares memory with the payload', () => {
    const body: CallBody = {
      type: 'control',
      callId: new Uint8Array(16).fill(7),
      action: 'sas-reveal',
      nonce: new Uint8Array(32).fill(9),
    };
    const { kind, payload } = encodeCallBody(body);
    const decoded = decodeCallBody(kind, payload);
    payload.fill(0);
    expect(decoded).toEqual(body);
  });
});

describe('limits and constants', () => {
  it('the largest offer fits one padded chat-layer body', () => {
    // version, call id, media, purpose, createdAt, commitment, fp length, sha-512 fingerprint, sdp length
    const header = 1 + CALL_ID_BYTES + 1 + 1 + 8 + 32 + 1 + 65 + 2;
    expect(header + MAX_CALL_SDP_BYTES).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
  });

  it('kinds: exactly the four call kinds', () => {
    expect(KINDS.every(isCallKind)).toBe(true);
    expect([MESSAGE_KIND.chat, MESSAGE_KIND.fileTransfer, MESSAGE_KIND.ack, 0, 255].some(isCallKind)).toBe(
      false,
    );
  });

  it('candidates up to MAX_CANDIDATE_BYTES pass; one more is too large', () => {
    const ice = (candidate: string): CallBody => ({
      type: 'ice',
      callId: new Uint8Array(16),
      candidates: [{ candidate, sdpMid: null, sdpMLineIndex: null, usernameFragment: null }],
    });
    const longest = `candidate:${'1'.repeat(MAX_CANDIDATE_BYTES - 10)}`;
    const { kind, payload } = encodeCallBody(ice(longest));
    expect(decodeCallBody(kind, payload)).toEqual(ice(longest));
    expect(() => encodeCallBody(ice(`${longest}1`))).toThrow(RangeError);
  });

  it('a body holds 1..MAX_CANDIDATES_PER_BODY candidates; the most and longest still fit the largest body', () => {
    const entry = {
      candidate: `candidate:${'1'.repeat(MAX_CANDIDATE_BYTES - 10)}`,
      sdpMid: 'm'.repeat(32),
      sdpMLineIndex: 0,
      usernameFragment: 'u'.repeat(64),
    };
    const body = (n: number): CallBody => ({
      type: 'ice',
      callId: new Uint8Array(16),
      candidates: Array.from({ length: n }, () => entry),
    });
    const { kind, payload } = encodeCallBody(body(MAX_CANDIDATES_PER_BODY));
    expect(payload.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(decodeCallBody(kind, payload)).toEqual(body(MAX_CANDIDATES_PER_BODY));
    expect(() => encodeCallBody(body(MAX_CANDIDATES_PER_BODY + 1))).toThrow(RangeError);
    expect(() => encodeCallBody(body(0))).toThrow(RangeError);
  });

  it('candidateFits says which candidates a body can carry, so that one it cannot does not hold back the others', () => {
    const entry = (candidate: string) => ({
      candidate,
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'Qm3v',
    });
    const host = 'candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0';
    const refused = [
      entry(`candidate:${'1'.repeat(MAX_CANDIDATE_BYTES - 9)}`),
      entry('candidate:1 1 udp 1 host.local 9 typ host é'),
      entry('a=fingerprint:sha-256 00'),
      { ...entry(host), sdpMid: 'm'.repeat(33) },
    ];
    for (const candidate of [entry(host), entry(''), ...refused]) {
      const body: CallBody = { type: 'ice', callId: new Uint8Array(16), candidates: [candidate] };
      const encodes = (() => {
        try {
          encodeCallBody(body);
          return true;
        } catch {
          return false;
        }
      })();
      expect(candidateFits(candidate)).toBe(encodes);
      expect(encodes).toBe(!refused.includes(candidate));
    }
  });

  it('newCallId takes 16 bytes from the random source', () => {
    const random = testRandom('call-id');
    const a = newCallId(random);
    const b = newCallId(random);
    expect(a).toHaveLength(16);
    expect(a).not.toEqual(b);
  });
});

describe('assertFreshOffer', () => {
  const offer = { createdAt: 1_000_000 } as CallOffer;
  it('accepts offers within OFFER_MAX_AGE_MS either way, refuses older or later ones', () => {
    for (const now of [1_000_000, 1_000_000 + OFFER_MAX_AGE_MS, 1_000_000 - OFFER_MAX_AGE_MS]) {
      expect(protocolErrorCodeOf(() => assertFreshOffer(offer, now))).toBeUndefined();
    }
    for (const now of [1_000_001 + OFFER_MAX_AGE_MS, 999_999 - OFFER_MAX_AGE_MS]) {
      expect(protocolErrorCodeOf(() => assertFreshOffer(offer, now))).toBe('too-old');
    }
  });
});

describe('sameFingerprint', () => {
  it('compares hash and digest, not text case', () => {
    const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(0xab));
    expect(sameFingerprint(fp, { algorithm: 'sha-256', value: fp.value.toLowerCase() })).toBe(true);
    expect(sameFingerprint(fp, fingerprintFromDigest('sha-256', new Uint8Array(32).fill(0xac)))).toBe(false);
  });
});
