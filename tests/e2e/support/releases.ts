/**
 * Releases of the built client as a server would serve them over time: copies of a build with changed bytes,
 * signed by the release key, by another key, or not at all. Keys are made by the test; none is ever a file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeReleaseManifest } from '../../../client/build/release-files.ts';
import { toHex } from '../../../crypto/bytes.ts';
import { type Ed25519Signer, nobleEd25519 } from '../../../crypto/ed25519.ts';

export interface TestReleaseKey {
  readonly signer: Ed25519Signer;
  readonly publicKeyHex: string;
}

export async function newReleaseKey(): Promise<TestReleaseKey> {
  const signer = await nobleEd25519.importSigner(randomBytes(32));
  return { signer, publicKeyHex: toHex(signer.publicKey) };
}

/** A copy of a built client in a fresh temporary directory. */
export async function copyClient(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-release-'));
  await cp(from, dir, { recursive: true });
  return dir;
}

export const removeClient = (dir: string) => rm(dir, { recursive: true, force: true });

/** The first-screen script that index.html loads (assets/index-*.js). */
export async function entryScript(dir: string): Promise<string> {
  const name = (await readdir(join(dir, 'assets'))).find((f) => /^index-.*\.js$/.test(f));
  if (!name) throw new Error(`no entry script in ${dir}`);
  return `/assets/${name}`;
}

/**
 * Rewrites the entry script's bytes under the same file name. The integrity index.html names for it (in the
 * script tag and in the import map) is recomputed too: a hostile server rewrites both, so only the pinning
 * can stop it. The relay allows the changed import map by its new hash, as it would any build it serves.
 */
export async function rewriteEntry(dir: string, change: (bytes: Buffer) => Buffer): Promise<string> {
  const path = await entryScript(dir);
  const file = join(dir, path);
  const bytes = change(await readFile(file));
  await writeFile(file, bytes);
  const indexFile = join(dir, 'index.html');
  const html = await readFile(indexFile, 'utf8');
  const digest = (algorithm: string) =>
    `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
  const fixed = html
    // The script tag's own integrity attribute…
    .replace(/<[^>]*>/g, (tag) =>
      tag.includes(path)
        ? tag.replace(
            /integrity="(sha256|sha384|sha512)-[^"]*"/,
            (_all, algorithm: string) => `integrity="${digest(algorithm)}"`,
          )
        : tag,
    )
    // …and its entry in the import map's integrity list.
    .replace(
      new RegExp(`"${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}":"(sha256|sha384|sha512)-[^"]*"`, 'g'),
      (_all, algorithm: string) => `"${path}":"${digest(algorithm)}"`,
    );
  await writeFile(indexFile, fixed);
  return path;
}

/** Puts `code` before the entry script's own. */
export const prependToEntry = (dir: string, code: string): Promise<string> =>
  rewriteEntry(dir, (bytes) => Buffer.concat([Buffer.from(code), bytes]));

/** Changes one byte of the entry script: the first letter of the loading screen's "Tincan" to lower case. */
export const changeOneByte = (dir: string): Promise<string> =>
  rewriteEntry(dir, (bytes) => {
    const at = bytes.indexOf('Opening Tincan');
    if (at < 0) throw new Error('the entry script has no "Opening Tincan"');
    const changed = Buffer.from(bytes);
    changed[at + 'Opening '.length] = 't'.charCodeAt(0);
    return changed;
  });

/** Rewrites release.json for the directory as it is now: signed by `signer`, or unsigned. */
export const signRelease = (dir: string, version: string, signer?: Ed25519Signer): Promise<string> =>
  writeReleaseManifest(dir, signer ? { version, signer } : { version });

/** Code that leaves a mark in the page's storage when it runs. */
export const setsMarker = (name: string) => `localStorage.setItem(${JSON.stringify(name)},'ran');\n`;

export const markerOf = (page: Page, name: string) => () =>
  page.evaluate((key) => localStorage.getItem(key), name);

/** Whether a release worker controls the page. */
export const controlled = (page: Page) => () =>
  page.evaluate(() => navigator.serviceWorker.controller !== null);
