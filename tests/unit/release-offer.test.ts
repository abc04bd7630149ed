/** What a client makes of an offered manifest (crypto/release-offer.ts, spec/releases.md, Rules). */
import { describe, expect, it } from 'vitest';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { encodeReleaseManifest, parseReleaseManifest } from '../../crypto/release-manifest.ts';
import {
  assessOffer,
  mismatchedFiles,
  type ReleaseInfo,
  type ReleaseTrust,
} from '../../crypto/release-offer.ts';
import { testIdentity } from '../support/identities.ts';

const files = { '/index.html': 'a'.repeat(64), '/x.js': 'b'.repeat(64) };
const changed = { ...files, '/x.js': 'c'.repeat(64) };

describe('assessOffer', async () => {
  const key = await testIdentity('release-key');
  const other = await testIdentity('another-key');
  const signedTrust: ReleaseTrust = { kind: 'signed', releaseKey: key.publicKey };
  const unsignedTrust: ReleaseTrust = { kind: 'unsigned' };
  const signed = (version: string, f = files, signer = key.signer) =>
    encodeReleaseManifest({ version, files: f }, signer);
  const judge = async (trust: ReleaseTrust, running: ReleaseInfo | undefined, text: string) =>
    assessOffer(nobleEd25519, trust, running, text);
  const runningOf = async (text: string): Promise<ReleaseInfo> => {
    const verdict = await judge(signedTrust, undefined, text);
    if (verdict.kind !== 'acceptable') throw new Error('not acceptable');
    return verdict.release;
  };

  it('a first visit takes a correctly signed release, and only that, when the client holds a key', async () => {
    expect(await judge(signedTrust, undefined, await signed('0.1.0'))).toMatchObject({
      kind: 'acceptable',
      release: { version: '0.1.0', signed: true },
    });
    expect(
      await judge(signedTrust, undefined, await encodeReleaseManifest({ version: '0.1.0', files })),
    ).toEqual({
      kind: 'refused',
      reason: 'unsigned',
      version: '0.1.0',
    });
    expect(await judge(signedTrust, undefined, await signed('0.1.0', files, other.signer))).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it('the running release offered again is "same"', async () => {
    const text = await signed('0.1.0');
    expect(await judge(signedTrust, await runningOf(text), text)).toEqual({ kind: 'same' });
  });

  it('refuses a downgrade, other contents under the same version, another key, no signature, and junk', async () => {
    const running = await runningOf(await signed('0.2.0'));
    const reason = async (text: string) => {
      const verdict = await judge(signedTrust, running, text);
      return verdict.kind === 'refused' ? verdict.reason : verdict.kind;
    };
    expect(await reason(await signed('0.1.9', changed))).toBe('downgrade');
    // The same files under another version are the same release: nothing to offer or refuse.
    expect(await reason(await signed('0.1.9'))).toBe('same');
    expect(await reason(await signed('0.2.0', changed))).toBe('same-version');
    expect(await reason(await signed('0.3.0', changed, other.signer))).toBe('bad-signature');
    expect(await reason(await encodeReleaseManifest({ version: '0.3.0', files: changed }))).toBe('unsigned');
    expect(await reason('<html>not found</html>')).toBe('bad-release-manifest');
    expect(await reason('')).toBe('bad-release-manifest');
    expect(await reason(await signed('0.10.0', changed))).toBe('acceptable');
  });

  it('without a key, any other build is offered (unsigned) whatever its version, and junk is refused', async () => {
    const first = await judge(
      unsignedTrust,
      undefined,
      await encodeReleaseManifest({ version: '0.1.0', files }),
    );
    if (first.kind !== 'acceptable') throw new Error('first build refused');
    expect(first.release.signed).toBe(false);
    const older = await judge(
      unsignedTrust,
      first.release,
      await encodeReleaseManifest({ version: '0.0.1', files: changed }),
    );
    expect(older).toMatchObject({ kind: 'acceptable', release: { version: '0.0.1', signed: false } });
    expect(await judge(unsignedTrust, first.release, '{}')).toMatchObject({ reason: 'bad-release-manifest' });
  });
});

describe('mismatchedFiles', () => {
  it('names files with another hash and files that were not fetched', () => {
    const manifest = parseReleaseManifest(JSON.stringify({ format: 1, version: '1.0.0', files }));
    expect(mismatchedFiles(manifest, new Map(Object.entries(files)))).toEqual([]);
    expect(mismatchedFiles(manifest, new Map([['/index.html', 'a'.repeat(64)]]))).toEqual(['/x.js']);
    expect(mismatchedFiles(manifest, new Map(Object.entries(changed)))).toEqual(['/x.js']);
  });
});
