/** Wrong types, lengths and empty input for every public function of crypto/contact-code.ts. */
import { describe, expect, it } from 'vitest';
import {
  contactFromBytes,
  contactLink,
  contactToBytes,
  decodeContactCode,
  encodeContactCode,
  formatContactCode,
  MAX_CONTACT_INPUT_LENGTH,
  parseContactInput,
} from '../../crypto/contact-code.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { identityFromSeed } from '../../crypto/identity.ts';
import { deterministicRandom } from '../support/deterministic-random.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

const random = deterministicRandom('tests/unit/wrong-input.contact-code');
const key = (await identityFromSeed(nobleEd25519, random(32))).publicKey;
const code = encodeContactCode({ publicKey: key });
const notBytes: unknown[] = [undefined, null, 'abc', 42, [1, 2, 3], new ArrayBuffer(32), new Uint16Array(16)];
const notStrings: unknown[] = [undefined, null, 42, {}, new Uint8Array(3), ['TC1']];
const any = (value: unknown) => value as never;

describe('contact-code: wrong input', () => {
  it('contactToBytes / encodeContactCode: the contact and its fields must have the right types', () => {
    for (const encode of [contactToBytes, encodeContactCode]) {
      for (const bad of [undefined, null, 42, 'TC1', {}]) expect(() => encode(any(bad))).toThrow(TypeError);
      for (const bad of notBytes) expect(() => encode({ publicKey: any(bad) })).toThrow(TypeError);
      for (const length of [0, 31, 33])
        expect(() => encode({ publicKey: new Uint8Array(length) })).toThrow(RangeError);
      for (const bad of [42, null, {}]) {
        expect(() => encode({ publicKey: key, displayName: any(bad) })).toThrow(TypeError);
        expect(() => encode({ publicKey: key, relayUrl: any(bad) })).toThrow(TypeError);
      }
      expect(() => encode({ publicKey: key, displayName: '' })).toThrow(RangeError);
      expect(() => encode({ publicKey: key, relayUrl: '' })).toThrow(RangeError);
      expect(encode({ publicKey: key, displayName: any(undefined) })).toEqual(encode({ publicKey: key }));
    }
  });

  it('contactFromBytes: frame must be bytes; empty, short and long frames are rejected', () => {
    for (const bad of notBytes) expect(() => contactFromBytes(any(bad))).toThrow(TypeError);
    const frame = contactToBytes({ publicKey: key });
    expectProtocolError(() => contactFromBytes(new Uint8Array(0)), 'contact-code-incomplete');
    expectProtocolError(() => contactFromBytes(frame.subarray(0, 37)), 'contact-code-incomplete');
    expectProtocolError(() => contactFromBytes(frame.subarray(0, -1)), 'contact-code-incomplete'); // below 38 bytes
    const named = contactToBytes({ publicKey: key, displayName: 'Al' });
    expectProtocolError(() => contactFromBytes(named.subarray(0, -1)), 'bad-checksum');
    expectProtocolError(() => contactFromBytes(new Uint8Array([...frame, 0])), 'bad-checksum');
    expectProtocolError(() => contactFromBytes(new Uint8Array(10_000)), 'bad-checksum');
  });

  it('decodeContactCode / parseContactInput: text must be a string; empty, short and long text is rejected', () => {
    for (const decode of [decodeContactCode, parseContactInput]) {
      for (const bad of notStrings) expect(() => decode(any(bad))).toThrow(TypeError);
      for (const text of ['', ' ', 'TC1', 'TC', code.slice(0, 10), `${code}${'A'.repeat(8)}`]) {
        expect(() => decode(text), text).toThrow(expect.objectContaining({ name: 'ProtocolError' }));
      }
      expectProtocolError(
        () => decode(`${code}${' '.repeat(MAX_CONTACT_INPUT_LENGTH)}`),
        'contact-code-too-long',
      );
      expectProtocolError(() => decode('x'.repeat(1_000_000)), 'contact-code-too-long');
    }
  });

  it('a pasted megabyte is refused as too long at once, before any parsing', () => {
    const huge = `${code}${code.slice(3).repeat(Math.ceil(1_000_000 / (code.length - 3)))}`;
    for (const decode of [decodeContactCode, parseContactInput]) {
      const started = performance.now();
      expectProtocolError(() => decode(huge), 'contact-code-too-long');
      expectProtocolError(() => decode(`https://tincan.example/#add=${huge}`), 'contact-code-too-long');
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it('a code cut short says it is incomplete, not that it is no code', () => {
    for (const decode of [decodeContactCode, parseContactInput]) {
      for (const length of [3, 10, 40, 63]) {
        expectProtocolError(() => decode(code.slice(0, length)), 'contact-code-incomplete');
      }
      expectProtocolError(() => decode('TC1!'), 'bad-contact-code');
      expectProtocolError(() => decode('hello'), 'bad-contact-code');
    }
    const link = `https://tincan.example/#add=${code.slice(0, 30)}`;
    expectProtocolError(() => parseContactInput(link), 'contact-code-incomplete');
  });

  it('formatContactCode: code must be a string', () => {
    for (const bad of notStrings) expect(() => formatContactCode(any(bad))).toThrow(TypeError);
    expect(formatContactCode('')).toBe('');
    expect(formatContactCode('TC1')).toBe('TC1');
  });

  it('contactLink: origin and code must be strings; empty ones are RangeError', () => {
    for (const bad of notStrings) {
      expect(() => contactLink(any(bad), code)).toThrow(TypeError);
      expect(() => contactLink('https://tincan.example', any(bad))).toThrow(TypeError);
    }
    expect(() => contactLink('', code)).toThrow(RangeError);
    expect(() => contactLink('https://tincan.example', '')).toThrow(RangeError);
    expect(() => contactLink('https://tincan.example', `${code}${'A'.repeat(2000)}`)).toThrow(RangeError);
  });
});
