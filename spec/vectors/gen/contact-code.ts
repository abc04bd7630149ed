/**
 * Contact codes built here independently of crypto/contact-code.ts (node:crypto SHA-256, bit-string base32,
 * hand-laid frames), so that valid cases check the encoder and crafted invalid frames carry a correct checksum
 * wherever the case is about something else.
 */
import { createHash } from 'node:crypto';
import { concatBytes, toHex } from '../../../crypto/bytes.ts';
import { nobleEd25519 } from '../../../crypto/ed25519.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function base32(bytes: Uint8Array): string {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  const padded = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  return (
    padded
      .match(/.{5}/g)
      ?.map((chunk) => ALPHABET[Number.parseInt(chunk, 2)])
      .join('') ?? ''
  );
}

interface Frame {
  version?: number;
  flags?: number;
  key: Uint8Array;
  name?: Uint8Array;
  url?: Uint8Array;
  extra?: Uint8Array;
}

function frame({ version = 1, flags, key, name, url, extra = new Uint8Array(0) }: Frame): Uint8Array {
  const field = (value?: Uint8Array) =>
    value ? concatBytes(Uint8Array.of(value.length), value) : new Uint8Array(0);
  const computedFlags = flags ?? (name ? 1 : 0) | (url ? 2 : 0);
  const body = concatBytes(Uint8Array.of(version, computedFlags), key, field(name), field(url), extra);
  const sum = createHash('sha256')
    .update('tincan-contact-code-checksum')
    .update(body)
    .digest()
    .subarray(0, 4);
  return concatBytes(body, sum);
}

const text = (bytes: Uint8Array) => `TC1${base32(bytes)}`;
/** A wss: URL of exactly `length` bytes, with DNS-sized labels. */
const urlOfBytes = (length: number) => `wss://${'r'.repeat(50)}.${'r'.repeat(length - 66)}.example/`;

export default async (): Promise<VectorFile> => {
  const random = deterministicRandom('tincan/vectors/contact-code');
  const alice = await identityFromSeed(nobleEd25519, random(32));
  const key = alice.publicKey;
  const hexKey = toHex(key);

  const valid = (
    comment: string,
    fields: { displayName?: string; relayUrl?: string },
    input?: (code: string) => string,
  ) => {
    const code = text(
      frame({
        key,
        ...(fields.displayName !== undefined && { name: utf8(fields.displayName) }),
        ...(fields.relayUrl !== undefined && { url: utf8(fields.relayUrl) }),
      }),
    );
    return {
      label: 'valid' as const,
      comment,
      ...(input && { input: input(code) }),
      code,
      publicKey: hexKey,
      ...fields,
    };
  };
  const invalid = (comment: string, input: string, error: string): VectorCase => ({
    label: 'invalid',
    comment,
    input,
    error,
  });
  const badFrame = (comment: string, f: Frame, error: string) => invalid(comment, text(frame(f)), error);

  const typical = text(frame({ key, name: utf8('Alice Example-Person') }));
  const typo = `${typical.slice(0, 40)}${typical[40] === 'A' ? 'B' : 'A'}${typical.slice(41)}`;
  const goodFrame = frame({ key });
  const wrongSum = goodFrame.slice();
  wrongSum[wrongSum.length - 1]! ^= 0x01;
  const smallOrder = new Uint8Array(32);
  smallOrder[0] = 1;
  const nonCanonical = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff));

  const cases: VectorCase[] = [
    valid('key only', {}),
    valid('key and a typical 20-character name', { displayName: 'Alice Example-Person' }),
    valid('non-ASCII name, NFC, with an emoji', { displayName: 'Zoë Ω 🐟' }),
    valid('key and relay URL', { relayUrl: 'wss://relay.tincan.example/' }),
    valid('key, name and relay URL with a path', {
      displayName: 'Bob',
      relayUrl: 'https://tincan.example/relay',
    }),
    valid('plain ws: on loopback', { relayUrl: 'ws://127.0.0.1:8080/' }),
    valid('longest name (64 bytes) and URL (128 bytes)', {
      displayName: 'n'.repeat(64),
      relayUrl: urlOfBytes(128),
    }),
    valid(
      'typed by hand: lower case, grouped with spaces and hyphens',
      { displayName: 'Alice Example-Person' },
      (code) =>
        `${code.slice(0, 3)} ${(
          code
            .slice(3)
            .toLowerCase()
            .match(/.{1,4}/g) ?? []
        ).join('-')}`,
    ),
    valid(
      'contact link',
      { displayName: 'Alice Example-Person' },
      (code) => `https://tincan.example/#add=${code}`,
    ),
    invalid('one character changed (typo)', typo, 'bad-checksum'),
    invalid('checksum byte flipped', text(wrongSum), 'bad-checksum'),
    invalid('cut to 3 + 88 characters (55 whole bytes)', typical.slice(0, 3 + 88), 'bad-checksum'),
    invalid(
      'cut to 3 + 40 characters (25 bytes): shorter than any frame',
      typical.slice(0, 3 + 40),
      'contact-code-incomplete',
    ),
    invalid(
      'one character missing: a length base32 cannot produce',
      typical.slice(0, -1),
      'bad-contact-code',
    ),
    invalid(
      'last character changed in its unused bits only',
      `${typical.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(typical.at(-1)!) ^ 1]}`,
      'bad-contact-code',
    ),
    invalid(
      'character outside the alphabet (digit 0)',
      `${typical.slice(0, 20)}0${typical.slice(21)}`,
      'bad-contact-code',
    ),
    invalid(
      'look-alike U+0131 dotless i, which String#toUpperCase maps to I',
      `${typical.slice(0, 20)}\u0131${typical.slice(21)}`,
      'bad-contact-code',
    ),
    invalid('wrong prefix TC2', `TC2${typical.slice(3)}`, 'bad-contact-code'),
    invalid('empty', '', 'bad-contact-code'),
    invalid('the prefix alone', 'TC1', 'contact-code-incomplete'),
    invalid('one character short of the shortest code', typical.slice(0, 63), 'contact-code-incomplete'),
    invalid(
      'link without #add= fragment',
      `https://tincan.example/?add=${typical.slice(3)}`,
      'bad-contact-code',
    ),
    badFrame('version 2, correct checksum', { version: 2, key }, 'bad-version'),
    badFrame('version 0, correct checksum', { version: 0, key }, 'bad-version'),
    badFrame('small-order key (identity point)', { key: smallOrder }, 'bad-key'),
    badFrame('non-canonical key (y = p)', { key: nonCanonical }, 'bad-key'),
    badFrame('unknown flag bit 0x04', { key, flags: 0x04 }, 'bad-contact-code'),
    badFrame('name flag set, no name', { key, flags: 0x01 }, 'bad-contact-code'),
    badFrame('empty name', { key, flags: 0x01, extra: Uint8Array.of(0) }, 'bad-contact-code'),
    badFrame('name of 65 bytes', { key, name: utf8('n'.repeat(65)) }, 'bad-contact-code'),
    badFrame('name not in NFC (e + combining acute)', { key, name: utf8('Zoe\u0301') }, 'bad-contact-code'),
    badFrame('name with a newline', { key, name: utf8('Alice\nBob') }, 'bad-contact-code'),
    badFrame('name with a right-to-left override', { key, name: utf8('Alice\u202eboB') }, 'bad-contact-code'),
    badFrame('name not UTF-8', { key, name: Uint8Array.of(0x41, 0xff) }, 'bad-contact-code'),
    badFrame('URL of 129 bytes', { key, url: utf8(urlOfBytes(129)) }, 'bad-contact-code'),
    badFrame(
      'plain http: to a public host',
      { key, url: utf8('http://relay.tincan.example/') },
      'bad-contact-code',
    ),
    badFrame(
      'URL not in canonical form (no trailing slash)',
      { key, url: utf8('wss://relay.tincan.example') },
      'bad-contact-code',
    ),
    badFrame(
      'URL with credentials',
      { key, url: utf8('wss://user:pw@relay.tincan.example/') },
      'bad-contact-code',
    ),
    badFrame('URL with a query', { key, url: utf8('wss://relay.tincan.example/?x=1') }, 'bad-contact-code'),
    badFrame('URL of another scheme', { key, url: utf8('ftp://relay.tincan.example/') }, 'bad-contact-code'),
    badFrame('one trailing byte after the fields', { key, extra: Uint8Array.of(0) }, 'bad-contact-code'),
  ];
  return {
    about:
      'Tincan contact codes (crypto/contact-code.ts): "TC1" + base32(version 1 | flags | key | [len|name] | [len|url] | 4-byte SHA-256 checksum). Valid cases: encodeContactCode({publicKey, displayName?, relayUrl?}) gives code, and parseContactInput(input ?? code) gives the contact back. Invalid cases: parseContactInput(input) throws the ProtocolError code in error.',
    source:
      'spec/vectors/gen/contact-code.ts: keys from identityFromSeed(noble, deterministicRandom("tincan/vectors/contact-code")); frames, checksums and base32 built independently with node:crypto.',
    cases,
  };
};
