/**
 * The release manifest (crypto/release-manifest.ts): encode/parse round trips, the canonical text and hash,
 * signatures, version order, and wrong input. The byte-exact cases are in spec/vectors/release-manifest.json.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import {
  canonicalRelease,
  compareVersions,
  encodeReleaseManifest,
  MAX_RELEASE_FILES,
  parseReleaseManifest,
  releaseHash,
  releaseListing,
  verifyRelease,
} from '../../crypto/release-manifest.ts';
import { testIdentity } from '../support/identities.ts';
import { protocolErrorCodeOf } from '../support/protocol-errors.ts';

const part = fc.integer({ min: 0, max: 999 });
const versionArb = fc.tuple(part, part, part).map((p) => p.join('.'));
const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}$/);
const pathArb = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`);
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const releaseArb = fc.record({
  version: versionArb,
  files: fc.dictionary(pathArb, hashArb, { minKeys: 1, maxKeys: 8 }),
});

describe('release manifests', () => {
  it('parse(encode(release)) gives the release back, unsigned and signed, with the same hash', async () => {
    const { signer } = await testIdentity('release-key');
    await fc.assert(
      fc.asyncProperty(releaseArb, async (release) => {
        const unsigned = parseReleaseManifest(await encodeReleaseManifest(release));
        expect(unsigned).toEqual({ ...release, signature: undefined });
        const signed = parseReleaseManifest(await encodeReleaseManifest(release, signer));
        expect(releaseHash(signed)).toBe(releaseHash(unsigned));
        expect(await verifyRelease(nobleEd25519, signed, signer.publicKey)).toBe(true);
        expect(await verifyRelease(nobleEd25519, unsigned, signer.publicKey)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('the canonical text is a header, the version and the sha256sum listing; the release hash is that of the listing', () => {
    const release = { version: '1.2.3', files: { '/b': 'b'.repeat(64), '/a/x': 'a'.repeat(64) } };
    const listing = `${'a'.repeat(64)}  a/x\n${'b'.repeat(64)}  b\n`;
    expect(releaseListing(release)).toBe(listing);
    expect(fromUtf8(canonicalRelease(release))).toBe(`tincan-release-v1\nversion 1.2.3\n${listing}`);
    expect(releaseHash(release)).toBe(createHash('sha256').update(listing).digest('hex'));
  });

  it('any change of a hash or a path changes the release hash; the version changes only what is signed', () => {
    const files = { '/index.html': 'a'.repeat(64), '/x.js': 'b'.repeat(64) };
    const base = releaseHash({ version: '1.0.0', files });
    expect(releaseHash({ version: '1.0.1', files })).toBe(base);
    expect(canonicalRelease({ version: '1.0.1', files })).not.toEqual(
      canonicalRelease({ version: '1.0.0', files }),
    );
    expect(releaseHash({ version: '1.0.0', files: { ...files, '/y.js': 'b'.repeat(64) } })).not.toBe(base);
    expect(releaseHash({ version: '1.0.0', files: { ...files, '/x.js': `${'b'.repeat(63)}c` } })).not.toBe(
      base,
    );
    expect(releaseHash({ version: '1.0.0', files: { '/index.html': files['/index.html'] } })).not.toBe(base);
  });

  it('random text is refused with bad-release-manifest, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          parseReleaseManifest(text);
        } catch (error) {
          expect(isProtocolError(error, 'bad-release-manifest')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses more files than the cap and text longer than the cap', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= MAX_RELEASE_FILES; i++) files[`/f${i}`] = 'a'.repeat(64);
    expect(
      protocolErrorCodeOf(() => parseReleaseManifest(JSON.stringify({ format: 1, version: '1.0.0', files }))),
    ).toBe('bad-release-manifest');
    expect(protocolErrorCodeOf(() => parseReleaseManifest(' '.repeat(200_000)))).toBe('bad-release-manifest');
  });

  it('orders versions by number, part by part', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '0.99.99')).toBeGreaterThan(0);
    expect(compareVersions('0.2.0', '0.2.0')).toBe(0);
    expect(compareVersions('0.0.9', '0.1.0')).toBeLessThan(0);
  });

  it('wrong arguments are TypeError / RangeError naming the argument', async () => {
    for (const bad of [undefined, null, 42, {}, new Uint8Array(2)]) {
      expect(() => parseReleaseManifest(bad as string)).toThrow(TypeError);
      expect(() => compareVersions(bad as string, '1.0.0')).toThrow(TypeError);
    }
    expect(() => compareVersions('1.0', '1.0.0')).toThrow(RangeError);
    const manifest = parseReleaseManifest(
      JSON.stringify({ format: 1, version: '1.0.0', files: { '/a': 'a'.repeat(64) } }),
    );
    await expect(verifyRelease(nobleEd25519, manifest, new Uint8Array(31))).rejects.toThrow(/releaseKey/);
    await expect(verifyRelease(nobleEd25519, manifest, 'ab' as unknown as Uint8Array)).rejects.toThrow(
      TypeError,
    );
    await expect(encodeReleaseManifest({ version: '1.0', files: { '/a': 'a'.repeat(64) } })).rejects.toThrow(
      /bad-release-manifest/,
    );
  });
});
