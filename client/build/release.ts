/**
 * `npm run release`: builds the web client with the release public key in its worker and signs its
 * release.json with the release private key (spec/releases.md, Signing a release).
 *
 *   npm run release -- --key FILE     the key file: 64 hex digits (the Ed25519 seed), nothing else
 *   TINCAN_RELEASE_KEY=<hex> npm run release
 *   npm run release -- --new-key FILE writes a fresh key file (mode 0600) and prints its public key
 *   --out DIR                         build into DIR instead of dist/client
 *
 * The key never belongs in the repository; keep it offline and back it up: clients that pinned its releases
 * accept no other key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { writeReleaseManifest } from './release-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function fail(message: string): never {
  console.error(`tincan release: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { key: { type: 'string' }, 'new-key': { type: 'string' }, out: { type: 'string' } },
  strict: true,
});

if (values['new-key'] !== undefined) {
  if (existsSync(values['new-key'])) fail(`${values['new-key']} already exists; a key is never overwritten`);
  const seed = randomBytes(32);
  writeFileSync(values['new-key'], `${seed.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  const signer = await nobleEd25519.importSigner(seed);
  console.log(`release key written to ${values['new-key']}; public key ${toHex(signer.publicKey)}`);
  process.exit(0);
}

const keyText = values.key !== undefined ? readFileSync(values.key, 'utf8') : process.env.TINCAN_RELEASE_KEY;
if (keyText === undefined) fail('give the release key: --key FILE or TINCAN_RELEASE_KEY');
if (!/^[0-9a-fA-F]{64}$/.test(keyText.trim())) fail('the release key must be 64 hex digits');
const signer = await nobleEd25519.importSigner(fromHex(keyText.trim().toLowerCase()));
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const outDir = resolve(values.out ?? join(ROOT, 'dist', 'client'));

process.env.TINCAN_RELEASE_PUBLIC_KEY = toHex(signer.publicKey);
process.env.NODE_ENV = 'production';
await build({
  configFile: join(ROOT, 'vite.config.ts'),
  mode: 'production',
  logLevel: 'warn',
  build: { outDir, emptyOutDir: true },
});
const hash = await writeReleaseManifest(outDir, { version, signer });
console.log(`release ${version} signed in ${outDir}: release hash ${hash}`);
