/**
 * `npm run release` (client/build/release.ts): builds the client with the release public key in its worker
 * and signs release.json with the key given in TINCAN_RELEASE_KEY or a key file; refuses to run without a
 * key; `--new-key` writes a fresh key file readable by its owner only. Keys are made here, never kept.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseHash } from '../../client/build/release-hash.ts';
import { toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { parseReleaseManifest, verifyRelease } from '../../crypto/release-manifest.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-release-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const release = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', join(ROOT, 'client/build/release.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    timeout: 120_000,
  });

describe('npm run release', () => {
  it('signs a build with the key from the environment; the worker holds its public key', async () => {
    const seed = randomBytes(32);
    const { publicKey } = await nobleEd25519.importSigner(seed);
    const out = fresh();
    const { stdout } = await release(['--out', out], { TINCAN_RELEASE_KEY: seed.toString('hex') });
    const manifest = parseReleaseManifest(readFileSync(join(out, 'release.json'), 'utf8'));
    expect(await verifyRelease(nobleEd25519, manifest, publicKey)).toBe(true);
    expect(stdout).toContain(`signed in ${out}: release hash ${releaseHash(out)}`);
    expect(readFileSync(join(out, 'sw.js'), 'utf8')).toContain(toHex(publicKey));
    for (const [path, hash] of Object.entries(manifest.files)) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(out, path)))
          .digest('hex'),
        path,
      ).toBe(hash);
    }
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['/index.html', '/sw.js']));
  }, 180_000);

  it('refuses to run without a usable key: none given, or a key file that is not 64 hex digits', async () => {
    const dir = fresh();
    await expect(release(['--out', join(dir, 'none')])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('give the release key'),
    });
    writeFileSync(join(dir, 'bad.key'), 'not hex\n');
    await expect(release(['--key', join(dir, 'bad.key'), '--out', join(dir, 'bad')])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('64 hex digits'),
    });
  }, 60_000);

  it('--new-key writes a key file only its owner can read, and never overwrites one', async () => {
    const file = join(fresh(), 'release.key');
    const { stdout } = await release(['--new-key', file]);
    const seed = readFileSync(file, 'utf8').trim();
    expect(seed).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { publicKey } = await nobleEd25519.importSigner(Buffer.from(seed, 'hex'));
    expect(stdout).toContain(toHex(publicKey));
    await expect(release(['--new-key', file])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('already exists'),
    });
    expect(readFileSync(file, 'utf8').trim()).toBe(seed);
  }, 60_000);
});
