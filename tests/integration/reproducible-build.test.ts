/**
 * The build is reproducible: two copies of the source tree, at different paths, each built with `npm run
 * build` as README says, give byte-identical dist/ and the same release hash, which is what coreutils
 * compute from the directory (README, Build it yourself and compare).
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseFiles, releaseHash } from '../../client/build/release-hash.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
const BUILD_TIMEOUT_MS = 150_000;

let work: string;
let trees: [string, string];

/** The source tree as a clean clone of it would have it (plus files not committed yet, not ignored). */
function copyTree(to: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  for (const path of listed.split('\0')) {
    if (path === '' || path === 'node_modules' || !existsSync(join(REPO, path))) continue;
    mkdirSync(dirname(join(to, path)), { recursive: true });
    copyFileSync(join(REPO, path), join(to, path));
  }
  symlinkSync(realpathSync(join(REPO, 'node_modules')), join(to, 'node_modules'));
}

/** `npm run build` in `tree`, in a clean environment (no NODE_ENV, a fresh HOME). */
async function build(tree: string): Promise<void> {
  const home = join(work, `home-${trees.indexOf(tree)}`);
  mkdirSync(join(home, '.npm'), { recursive: true });
  await run('npm', ['run', '--silent', 'build'], {
    cwd: tree,
    env: { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: work },
    timeout: BUILD_TIMEOUT_MS,
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tincan-reproducible-'));
  // Two different paths, of different lengths: a build that kept an absolute path would differ.
  trees = [join(work, 'a'), join(work, 'another', 'checkout')];
  for (const tree of trees) copyTree(tree);
  await Promise.all(trees.map(build));
}, BUILD_TIMEOUT_MS + 30_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('reproducible build', () => {
  it('two builds of the same tree at two paths give byte-identical dist/', () => {
    const [first, second] = trees.map((tree) => releaseFiles(join(tree, 'dist')));
    expect(first!.map((file) => file.path)).toEqual(expect.arrayContaining(['client/index.html', 'main.js']));
    expect(second).toEqual(first);
  });

  it('npm run release:hash prints the same hash for both, the one coreutils compute', async () => {
    const printed = await Promise.all(
      trees.map(
        async (tree) => (await run('npm', ['run', '--silent', 'release:hash'], { cwd: tree })).stdout,
      ),
    );
    const expected = releaseHash(join(trees[0], 'dist/client'));
    expect(printed).toEqual([`${expected}  dist/client\n`, `${expected}  dist/client\n`]);
    const coreutils = execFileSync(
      'sh',
      ['-c', "find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"],
      { cwd: join(trees[1], 'dist/client'), encoding: 'utf8' },
    );
    expect(coreutils).toBe(`${expected}  -\n`);
  });
});
