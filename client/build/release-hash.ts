/**
 * The release hash: one SHA-256 over a built directory, so that anyone can build a commit and compare what
 * they get with what a relay serves. It is exactly what coreutils compute from the directory:
 *
 *   cd dist/client && find . -type f ! -path ./release.json -printf '%P\n' | LC_ALL=C sort |
 *     xargs -d '\n' sha256sum | sha256sum
 *
 * that is, the SHA-256 of the listing `<sha256 hex>  <path>\n` of every file but the release manifest,
 * paths relative to the directory, '/'-separated, in byte order (README, Build it yourself and compare).
 * The release manifest lists these same lines and is signed after the build, so it is left out: the hash
 * is the same signed or not, and it is the one the app shows in Settings → About (spec/releases.md).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReleaseFile {
  readonly path: string;
  readonly sha256: string;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(dir, path);
    if (entry.isFile()) return [path];
    throw new Error(`${join(dir, path)} is neither a file nor a directory`);
  });
}

/** The release manifest, at the top of the directory: a statement about the other files, not one of them. */
export const RELEASE_MANIFEST = 'release.json';

/** Every file under `dir` but the release manifest, with its SHA-256, in byte order of the paths. */
export function releaseFiles(dir: string): ReleaseFile[] {
  return filesUnder(dir)
    .filter((path) => path !== RELEASE_MANIFEST)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((path) => ({
      path,
      sha256: createHash('sha256')
        .update(readFileSync(join(dir, path)))
        .digest('hex'),
    }));
}

/** The listing `sha256sum` prints for those files. */
export function releaseListing(files: readonly ReleaseFile[]): string {
  return files.map((file) => `${file.sha256}  ${file.path}\n`).join('');
}

/** The release hash of `dir`: SHA-256 of its listing, hex. */
export function releaseHash(dir: string): string {
  return createHash('sha256')
    .update(releaseListing(releaseFiles(dir)))
    .digest('hex');
}
