/**
 * `npm run release:hash [-- --files] [DIR]`: prints the release hash of the built client (default
 * dist/client), and with --files the SHA-256 of every file first, to find the one that differs.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { releaseFiles, releaseHash, releaseListing } from './release-hash.ts';

const { values, positionals } = parseArgs({
  options: { files: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const dir = positionals[0] ?? 'dist/client';
if (!existsSync(dir)) {
  console.error(`${dir} does not exist: run npm run build first`);
  process.exit(1);
}
if (values.files) process.stdout.write(releaseListing(releaseFiles(dir)));
console.log(`${releaseHash(dir)}  ${dir}`);
