import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../crypto/bytes.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import {
  checkSasReveal,
  deriveSas,
  SAS_WORD_COUNT,
  SAS_WORDS,
  type SasParty,
  sasCommitment,
} from '../../crypto/sas.ts';
import { testIdentity } from '../support/identities.ts';
import { protocolErrorCodeOf } from '../support/protocol-errors.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const partyArb: fc.Arbitrary<SasParty> = fc.record({
  identityKey: bytes(32),
  fingerprint: bytes(32).map((d) => fingerprintFromDigest('sha-256', d)),
  nonce: bytes(32),
});

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

describe('the word list', () => {
  it('has 256 distinct lower-case words of 4..8 letters, in alphabetical order', () => {
    expect(SAS_WORDS).toHaveLength(256);
    expect(new Set(SAS_WORDS).size).toBe(256);
    for (const word of SAS_WORDS) expect(word).toMatch(/^[a-z]{4,8}$/);
    expect([...SAS_WORDS].sort()).toEqual(SAS_WORDS);
    expect(Object.isFrozen(SAS_WORDS)).toBe(true);
  });

  it('every two words are at least two edits apart', () => {
    for (let i = 0; i < SAS_WORDS.length; i++) {
      for (let j = i + 1; j < SAS_WORDS.length; j++) {
        expect(
          editDistance(SAS_WORDS[i]!, SAS_WORDS[j]!),
          `${SAS_WORDS[i]} / ${SAS_WORDS[j]}`,
        ).toBeGreaterThanOrEqual(2);
      }
    }
  });
});

describe('deriveSas', () => {
  it('gives four words from the list, the same for the same inputs', () => {
    fc.assert(
      fc.property(bytes(16), partyArb, partyArb, (callId, caller, callee) => {
        const a = deriveSas(callId, caller, callee);
        const b = deriveSas(callId.slice(), { ...caller }, { ...callee });
        expect(a.words).toHaveLength(SAS_WORD_COUNT);
        expect(a.words).toEqual(b.words);
        for (const word of a.words) expect(SAS_WORDS).toContain(word);
        expect(a.words).toEqual(Array.from(a.bytes, (byte) => SAS_WORDS[byte]));
      }),
    );
  });

  it('changes when any single input changes (a third identity, another certificate, nonce or call)', () => {
    fc.assert(
      fc.property(
        bytes(16),
        partyArb,
        partyArb,
        partyArb,
        fc.constantFrom('identityKey', 'fingerprint', 'nonce', 'callId'),
        fc.boolean(),
        (callId, caller, callee, stranger, field, callerSide) => {
          const base = deriveSas(callId, caller, callee);
          let changed: ReturnType<typeof deriveSas>;
          if (field === 'callId') {
            const other = callId.slice();
            other[0]! ^= 1;
            changed = deriveSas(other, caller, callee);
          } else {
            const swap = (p: SasParty): SasParty => ({ ...p, [field]: stranger[field] });
            changed = callerSide
              ? deriveSas(callId, swap(caller), callee)
              : deriveSas(callId, caller, swap(callee));
            fc.pre(
              !equalBytes(callerSide ? caller.nonce : callee.nonce, stranger.nonce) || field !== 'nonce',
            );
          }
          // 32 bits: a collision has probability 2^-32 per run.
          expect(equalBytes(changed.bytes, base.bytes)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with real identities: equal on both sides of one call, different when Mallory sits in the middle', async () => {
    const [alice, bob, mallory] = await Promise.all(
      ['alice', 'bob', 'mallory'].map((n) => testIdentity(`sas-${n}`)),
    );
    const callId = new Uint8Array(16).fill(3);
    const fp = (n: number) => fingerprintFromDigest('sha-256', new Uint8Array(32).fill(n));
    const party = (key: Uint8Array, n: number): SasParty => ({
      identityKey: key,
      fingerprint: fp(n),
      nonce: new Uint8Array(32).fill(n),
    });
    const onAlicesPage = deriveSas(callId, party(alice!.publicKey, 1), party(bob!.publicKey, 2));
    const onBobsPage = deriveSas(callId, party(alice!.publicKey, 1), party(bob!.publicKey, 2));
    expect(onBobsPage.words).toEqual(onAlicesPage.words);
    // Two legs through Mallory: Alice talks to "Bob" = Mallory, Bob to "Alice" = Mallory.
    const aliceLeg = deriveSas(callId, party(alice!.publicKey, 1), party(mallory!.publicKey, 3));
    const bobLeg = deriveSas(callId, party(mallory!.publicKey, 4), party(bob!.publicKey, 2));
    expect(aliceLeg.words).not.toEqual(bobLeg.words);
  });
});

describe('commitment', () => {
  it('opens with its own nonce only', () => {
    fc.assert(
      fc.property(bytes(16), bytes(32), bytes(32), (callId, nonce, other) => {
        const commitment = sasCommitment(callId, nonce);
        expect(commitment).toHaveLength(32);
        expect(protocolErrorCodeOf(() => checkSasReveal(callId, commitment, nonce))).toBeUndefined();
        fc.pre(!equalBytes(nonce, other));
        expect(protocolErrorCodeOf(() => checkSasReveal(callId, commitment, other))).toBe('bad-commitment');
      }),
    );
  });

  it('is bound to the call id', () => {
    const nonce = new Uint8Array(32).fill(5);
    const commitment = sasCommitment(new Uint8Array(16), nonce);
    expect(protocolErrorCodeOf(() => checkSasReveal(new Uint8Array(16).fill(1), commitment, nonce))).toBe(
      'bad-commitment',
    );
  });
});
