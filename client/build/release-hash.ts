/**
 * The release hash: one SHA-256 over a built directory, so that anyone can build a commit and compare what
 * they get with what a relay serves. It is exactly what coreutils compute from the directory:
 *
 *   cd dist/client && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum
 *
 * that is, the SHA-256 of the listing `<sha256 hex>  <path>\n` of every file, paths relative to the
 * directory, '/'-separated, in byte order (README, Build it yourself and compare).
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

/** Every file under `dir` with its SHA-256, in byte order of the paths. */
export function releaseFiles(dir: string): ReleaseFile[] {
  return filesUnder(dir)
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
