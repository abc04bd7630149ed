/**
 * Writes a built client's release.json: the SHA-256 of every file in the directory (release.json itself
 * excepted), under a version, signed when a signer is given (spec/releases.md, Release manifest).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Ed25519Signer } from '../../crypto/ed25519.ts';
import { encodeReleaseManifest, parseReleaseManifest, releaseHash } from '../../crypto/release-manifest.ts';

export const MANIFEST_FILE = 'release.json';

/** Every file under `dir` as a URL path, with its SHA-256 in hex. */
export function hashFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = `/${relative(dir, full).split(sep).join('/')}`;
    if (path === `/${MANIFEST_FILE}`) continue;
    files[path] = createHash('sha256').update(readFileSync(full)).digest('hex');
  }
  return files;
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
  writeFileSync(join(dir, MANIFEST_FILE), text);
  return releaseHash(parseReleaseManifest(text));
}
