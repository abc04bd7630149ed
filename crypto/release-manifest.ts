/**
 * A release manifest: the version of a web client release and the SHA-256 of every file it serves, signed by
 * the release key or not signed at all (spec/releases.md, Release manifest).
 *
 * The file, `release.json` (UTF-8 JSON, no other keys allowed):
 *
 *   {"format":1,"version":"0.3.0","files":{"/index.html":"<64 hex>",…},"signature":"<128 hex>"}
 *
 * `signature` is absent on an unsigned build. The listing is the `sha256sum` output for the release's files:
 *
 *   for each file, by path in byte order:  SHA256-HEX "  " PATH-WITHOUT-THE-LEADING-"/" LF
 *
 * The release hash is SHA-256 of the listing: what `npm run release:hash` and coreutils print for the built
 * directory (client/build/release-hash.ts). What is signed is the canonical text, not the JSON:
 *
 *   "tincan-release-v1" LF  "version " VERSION LF  listing
 *
 * under Tincan's Ed25519 verification rule.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertString, fromHex, toHex, utf8 } from './bytes.ts';
import { type Ed25519Backend, type Ed25519Signer, verify } from './ed25519.ts';
import { ProtocolError } from './errors.ts';

export const RELEASE_FORMAT = 1;
const CANONICAL_HEADER = 'tincan-release-v1\n';
/** A release has a few dozen files; the cap keeps a hostile manifest from making the client hash forever. */
export const MAX_RELEASE_FILES = 512;
export const MAX_RELEASE_MANIFEST_LENGTH = 128 * 1024;

const VERSION = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
/** Absolute URL paths of plain file names: no `..`, no empty segment, no query, nothing to escape. */
const PATH = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})+$/;
const HASH = /^[0-9a-f]{64}$/;
const SIGNATURE = /^[0-9a-f]{128}$/;

export interface Release {
  readonly version: string;
  /** Path → SHA-256 of the file's bytes, lower-case hex. */
  readonly files: Readonly<Record<string, string>>;
}

export interface ReleaseManifest extends Release {
  readonly signature: Uint8Array | undefined;
}

const bad = (detail: string): never => {
  throw new ProtocolError('bad-release-manifest', detail);
};

const byteOrder = (a: string, b: string): number => {
  const x = utf8(a);
  const y = utf8(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

/** Parses and checks `release.json`; anything else than the format above is `bad-release-manifest`. */
export function parseReleaseManifest(text: string): ReleaseManifest {
  assertString(text, 'text');
  if (text.length > MAX_RELEASE_MANIFEST_LENGTH) bad('too long');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('not an object');
  const record = json as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!['format', 'version', 'files', 'signature'].includes(key)) bad(`unknown key ${key}`);
  }
  if (record.format !== RELEASE_FORMAT) bad('unknown format');
  const { version, files, signature } = record;
  if (typeof version !== 'string' || !VERSION.test(version)) return bad('version');
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return bad('files');
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_RELEASE_FILES) bad('file count');
  const checked: Record<string, string> = {};
  for (const [path, hash] of entries) {
    if (!PATH.test(path) || path.split('/').some((part) => part === '.' || part === '..')) bad('path');
    if (typeof hash !== 'string' || !HASH.test(hash)) bad('hash');
    checked[path] = hash as string;
  }
  if (signature !== undefined && (typeof signature !== 'string' || !SIGNATURE.test(signature))) {
    bad('signature');
  }
  return {
    version,
    files: checked,
    signature: typeof signature === 'string' ? fromHex(signature) : undefined,
  };
}

/** The `sha256sum` listing of the release's files (see the top of this file). */
export function releaseListing(release: Release): string {
  const paths = Object.keys(release.files).sort(byteOrder);
  return paths.map((path) => `${release.files[path]}  ${path.slice(1)}\n`).join('');
}

/** The text that is signed: a fixed header, the version, the listing. */
export function canonicalRelease(release: Release): Uint8Array {
  return utf8(`${CANONICAL_HEADER}version ${release.version}\n${releaseListing(release)}`);
}

/** SHA-256 of the listing, lower-case hex: the name of a release's files that anyone can recompute. */
export function releaseHash(release: Release): string {
  return toHex(sha256(utf8(releaseListing(release))));
}

export async function verifyRelease(
  backend: Ed25519Backend,
  manifest: ReleaseManifest,
  releaseKey: Uint8Array,
): Promise<boolean> {
  assertBytes(releaseKey, 'releaseKey', 32);
  if (manifest.signature === undefined) return false;
  return verify(backend, manifest.signature, canonicalRelease(manifest), releaseKey);
}

/** `release.json` for a release: signed when a signer is given. Keys in a fixed order, files sorted. */
export async function encodeReleaseManifest(release: Release, signer?: Ed25519Signer): Promise<string> {
  const files: Record<string, string> = {};
  for (const path of Object.keys(release.files).sort(byteOrder)) files[path] = release.files[path]!;
  // Round-trips through the parser, so a build never writes a manifest the client would refuse.
  parseReleaseManifest(JSON.stringify({ format: RELEASE_FORMAT, version: release.version, files }));
  const signature = signer ? toHex(await signer.sign(canonicalRelease({ ...release, files }))) : undefined;
  return `${JSON.stringify({ format: RELEASE_FORMAT, version: release.version, files, ...(signature ? { signature } : {}) }, null, 1)}\n`;
}

/** Orders two checked versions numerically, part by part: negative when `a` is older. */
export function compareVersions(a: string, b: string): number {
  assertString(a, 'a');
  assertString(b, 'b');
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

function versionParts(version: string): number[] {
  const match = VERSION.exec(version);
  if (!match) throw new RangeError(`version: not MAJOR.MINOR.PATCH: ${JSON.stringify(version)}`);
  return match.slice(1).map(Number);
}
