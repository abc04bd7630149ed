import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, utf8 } from '../../crypto/bytes.ts';
import {
  CONTACT_CHECKSUM_LABEL,
  CONTACT_CODE_PREFIX,
  CONTACT_CODE_VERSION,
  type ContactCard,
  contactFromBytes,
  contactLink,
  contactToBytes,
  decodeContactCode,
  encodeContactCode,
  formatContactCode,
  MAX_DISPLAY_NAME_BYTES,
  MAX_RELAY_URL_BYTES,
  parseContactInput,
} from '../../crypto/contact-code.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import type { ProtocolErrorCode } from '../../crypto/errors.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import { deterministicRandom } from '../support/deterministic-random.ts';
import { protocolErrorCodeOf } from '../support/protocol-errors.ts';

const random = deterministicRandom('tests/unit/contact-code');
const keys = (
  await Promise.all(Array.from({ length: 8 }, () => identityFromSeed(nobleEd25519, random(32))))
).map((identity) => identity.publicKey);
const key = keys[0]!;
const REJECTION_CODES: (ProtocolErrorCode | undefined)[] = [
  'bad-contact-code',
  'contact-code-too-long',
  'contact-code-incomplete',
  'bad-checksum',
  'bad-version',
  'bad-key',
];

const codeOf = protocolErrorCodeOf;

/** Test-side rule, written apart from the module: what a stored display name may be. */
const isStorableName = (name: string) =>
  name.length > 0 &&
  name === name.normalize('NFC') &&
  utf8(name).length <= MAX_DISPLAY_NAME_BYTES &&
  !/[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(name);

const nameArb = fc
  .string({ unit: fc.constantFrom(...'aZ09 -_.ÅéßΩж中😀'.match(/./gu)!), minLength: 1, maxLength: 24 })
  .map((s) => s.normalize('NFC'))
  .filter(isStorableName);
const urlArb = fc
  .tuple(
    fc.constantFrom('wss://', 'https://', 'ws://localhost', 'http://127.0.0.1'),
    fc.stringMatching(/^[a-z0-9]{1,20}$/),
    fc.stringMatching(/^(\/[a-z0-9]{1,10}){0,3}$/),
  )
  .map(([scheme, host, path]) =>
    scheme.endsWith('//') ? `${scheme}${host}.example${path}` : `${scheme}:8443${path}`,
  )
  .map((url) => new URL(url).href);
const contactArb: fc.Arbitrary<ContactCard> = fc.record(
  { publicKey: fc.constantFrom(...keys), displayName: nameArb, relayUrl: urlArb },
  { requiredKeys: ['publicKey'] },
);

const typical = encodeContactCode({ publicKey: key, displayName: 'Alice Example-Person' });

describe('contact code', () => {
  it('constants are the ones the spec names', () => {
    expect([CONTACT_CODE_PREFIX, CONTACT_CODE_VERSION, CONTACT_CHECKSUM_LABEL]).toEqual([
      'TC1',
      1,
      'tincan-contact-code-checksum',
    ]);
    expect([MAX_DISPLAY_NAME_BYTES, MAX_RELAY_URL_BYTES]).toEqual([64, 128]);
  });

  it('lays out version, flags, key, fields and a domain-separated SHA-256 checksum', () => {
    const frame = contactToBytes({ publicKey: key, displayName: 'Al', relayUrl: 'wss://r.example/' });
    const body = concatBytes(
      Uint8Array.of(1, 3),
      key,
      Uint8Array.of(2),
      utf8('Al'),
      Uint8Array.of(16),
      utf8('wss://r.example/'),
    );
    expect(frame).toEqual(
      concatBytes(body, sha256(concatBytes(utf8('tincan-contact-code-checksum'), body)).subarray(0, 4)),
    );
    expect(contactToBytes({ publicKey: key }).subarray(0, 2)).toEqual(Uint8Array.of(1, 0));
  });

  it('uses only QR alphanumeric characters and fits QR version 5 at level M with a 20-character name', () => {
    expect(typical).toHaveLength(98);
    expect(typical).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
    const qr = QRCode.create(typical, { errorCorrectionLevel: 'M' });
    expect(qr.version).toBe(5);
    expect(qr.segments.map((s) => s.mode.id)).toEqual(['Alphanumeric']);
    expect(QRCode.create(encodeContactCode({ publicKey: key }), { errorCorrectionLevel: 'M' }).version).toBe(
      4,
    );
  });

  it('decode(encode(x)) = x, and encode(decode(code)) = code', () => {
    fc.assert(
      fc.property(contactArb, (contact) => {
        const code = encodeContactCode(contact);
        expect(decodeContactCode(code)).toEqual(contact);
        expect(encodeContactCode(decodeContactCode(code))).toBe(code);
        expect(contactFromBytes(contactToBytes(contact))).toEqual(contact);
      }),
    );
  });

  it('accepts lower case, whitespace and hyphens, and the display grouping', () => {
    const contact = decodeContactCode(typical);
    expect(decodeContactCode(typical.toLowerCase())).toEqual(contact);
    expect(decodeContactCode(formatContactCode(typical))).toEqual(contact);
    expect(decodeContactCode(` ${typical.slice(0, 10)}-\n${typical.slice(10)}\t`)).toEqual(contact);
    expect(formatContactCode(typical).split(' ')[0]).toBe('TC1');
    expect(
      formatContactCode(typical)
        .split(' ')
        .slice(1, -1)
        .every((g) => g.length === 4),
    ).toBe(true);
  });

  it('rejects every single-character substitution, deletion, insertion and truncation', () => {
    // Space and hyphen are left out on purpose: they are grouping, ignored by design. Lower case is the same code.
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$%*+./:'];
    const mutations = function* (code: string) {
      for (let i = 0; i <= code.length; i++) {
        yield code.slice(0, i); // truncation (the whole code excluded below)
        if (i < code.length) yield code.slice(0, i) + code.slice(i + 1);
        for (const c of alphabet) {
          if (i < code.length && c !== code[i]) yield code.slice(0, i) + c + code.slice(i + 1);
          yield code.slice(0, i) + c + code.slice(i);
        }
      }
    };
    fc.assert(
      fc.property(contactArb, (contact) => {
        const code = encodeContactCode(contact);
        for (const mutated of mutations(code)) {
          if (mutated === code) continue;
          const result = codeOf(() => decodeContactCode(mutated));
          if (!REJECTION_CODES.includes(result as ProtocolErrorCode)) {
            throw new Error(`${JSON.stringify(mutated)} gave ${result ?? 'a contact'}`);
          }
        }
      }),
      { numRuns: 10 },
    );
  });

  it('random text and random frames only ever raise a typed ProtocolError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        expect(REJECTION_CODES).toContain(codeOf(() => parseContactInput(text)));
        expect(REJECTION_CODES).toContain(codeOf(() => decodeContactCode(`TC1${text}`)));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(REJECTION_CODES).toContain(codeOf(() => contactFromBytes(bytes)));
      }),
    );
  });

  it('frames with a correct checksum but random content are only ever rejected with a typed ProtocolError', () => {
    const withChecksum = (body: Uint8Array) =>
      concatBytes(body, sha256(concatBytes(utf8(CONTACT_CHECKSUM_LABEL), body)).subarray(0, 4));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (flags, rest) => {
        const frame = withChecksum(concatBytes(Uint8Array.of(1, flags), key, rest));
        const result = codeOf(() => contactFromBytes(frame));
        if (result !== undefined) expect(REJECTION_CODES).toContain(result);
        else expect(contactToBytes(contactFromBytes(frame))).toEqual(frame); // whatever decodes is canonical
      }),
    );
  });

  it('tells a typo (bad-checksum) from a newer version (bad-version) and a weak key (bad-key)', () => {
    const frame = contactToBytes({ publicKey: key });
    const reframe = (body: Uint8Array) =>
      concatBytes(body, sha256(concatBytes(utf8(CONTACT_CHECKSUM_LABEL), body)).subarray(0, 4));
    const v2 = reframe(concatBytes(Uint8Array.of(2), frame.subarray(1, -4)));
    expect(codeOf(() => contactFromBytes(v2))).toBe('bad-version');
    const typo = frame.slice();
    typo[0] = 2;
    expect(codeOf(() => contactFromBytes(typo))).toBe('bad-checksum');
    const weak = reframe(concatBytes(Uint8Array.of(1, 0), fromHex(`01${'00'.repeat(31)}`)));
    expect(codeOf(() => contactFromBytes(weak))).toBe('bad-key');
    expect(codeOf(() => encodeContactCode({ publicKey: fromHex(`01${'00'.repeat(31)}`) }))).toBe('bad-key');
  });

  it('normalizes the name to NFC and the URL to its WHATWG form when encoding', () => {
    const decoded = decodeContactCode(
      encodeContactCode({ publicKey: key, displayName: 'Zoe\u0301', relayUrl: 'WSS://Relay.Example' }),
    );
    expect(decoded).toEqual({ publicKey: key, displayName: 'Zoé', relayUrl: 'wss://relay.example/' });
  });

  it('accepts only https:/wss: relays, or http:/ws: on loopback, without credentials, query or fragment', () => {
    const ok = [
      'wss://r.example/',
      'https://r.example/x',
      'ws://localhost:8080/',
      'http://127.0.0.1/',
      'ws://[::1]/',
    ];
    for (const relayUrl of ok)
      expect(decodeContactCode(encodeContactCode({ publicKey: key, relayUrl })).relayUrl).toBe(relayUrl);
    const bad = [
      'http://r.example/',
      'ws://r.example/',
      'ftp://r.example/',
      'wss://u:p@r.example/',
      'wss://r.example/?a=1',
      'wss://r.example/?',
      'wss://r.example/#x',
      'not a url',
      `wss://${'r'.repeat(130)}.example/`,
    ];
    for (const relayUrl of bad)
      expect(() => encodeContactCode({ publicKey: key, relayUrl }), relayUrl).toThrow(RangeError);
  });

  it('refuses names that are empty, too long, or carry control or bidi characters', () => {
    for (const displayName of [
      '',
      'n'.repeat(65),
      'ü'.repeat(33),
      'a\u0000b',
      'a\nb',
      'a\u202eb',
      'a\u2066b',
      'a\u0085b',
      '\ud800',
    ]) {
      expect(() => encodeContactCode({ publicKey: key, displayName }), JSON.stringify(displayName)).toThrow(
        RangeError,
      );
    }
    expect(
      decodeContactCode(encodeContactCode({ publicKey: key, displayName: 'n'.repeat(64) })).displayName,
    ).toHaveLength(64);
  });
});

describe('contact links', () => {
  it('puts the code in the fragment and reads it back', () => {
    const link = contactLink('https://tincan.example', typical);
    expect(link).toBe(`https://tincan.example/#add=${typical}`);
    expect(parseContactInput(link)).toEqual(decodeContactCode(typical));
    expect(parseContactInput(`  ${typical.toLowerCase()}\n`)).toEqual(decodeContactCode(typical));
    expect(parseContactInput(contactLink('http://localhost:5173', typical))).toEqual(
      decodeContactCode(typical),
    );
  });

  it('contactLink refuses non-https origins, origins with a path, and non-canonical or invalid codes', () => {
    for (const origin of [
      'http://tincan.example',
      'https://tincan.example/',
      'https://tincan.example/app',
      'tincan.example',
      'javascript:alert(1)',
    ]) {
      expect(() => contactLink(origin, typical), origin).toThrow(RangeError);
    }
    for (const code of [typical.toLowerCase(), formatContactCode(typical), typical.slice(0, -1), '']) {
      expect(() => contactLink('https://tincan.example', code), code).toThrow(RangeError);
    }
  });

  it('parseContactInput rejects links without a well-formed #add= fragment', () => {
    for (const text of [
      'https://tincan.example/',
      `https://tincan.example/?add=${typical}`,
      `https://tincan.example/#add=${typical}&x=1`,
      `https://tincan.example/#ADD=${typical}`,
      'https://',
      `https://tincan.example/#add=${'A'.repeat(3000)}`,
    ]) {
      expect(REJECTION_CODES, text.slice(0, 60)).toContain(codeOf(() => parseContactInput(text)));
    }
  });

  it('refuses a key that is not a point on the curve', () => {
    const offCurve = new Uint8Array(32);
    offCurve[0] = 2; // y = 2: x^2 has no square root mod p
    const code = encodeContactCode({ publicKey: offCurve });
    expect(codeOf(() => decodeContactCode(code))).toBe('bad-key');
  });
});
