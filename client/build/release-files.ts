/**
 * Writes a built client's release.json: the SHA-256 of every file in the directory (release.json itself
 * excepted, as in the release hash of release-hash.ts), under a version, signed when a signer is given
 * (spec/releases.md, Release manifest). The release hash it returns is the one `npm run release:hash` prints.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ed25519Signer } from '../../crypto/ed25519.ts';
import { encodeReleaseManifest, parseReleaseManifest, releaseHash } from '../../crypto/release-manifest.ts';
import { RELEASE_MANIFEST, releaseFiles } from './release-hash.ts';

/** Every file of the release under `dir` (release.json excepted) as a URL path, with its SHA-256 in hex. */
export function hashFiles(dir: string): Record<string, string> {
  return Object.fromEntries(releaseFiles(dir).map((file) => [`/${file.path}`, file.sha256]));
}

/** Writes `dir/release.json` and returns the release hash. */
export async function writeReleaseManifest(
  dir: string,
  options: { version: string; signer?: Ed25519Signer },
): Promise<string> {
  const text = await encodeReleaseManifest(
    { version: options.version, files: hashFiles(dir) },
    options.signer,
  );
  writeFileSync(join(dir, RELEASE_MANIFEST), text);
  return releaseHash(parseReleaseManifest(text));
}
