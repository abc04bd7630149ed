/**
 * What a client does with the release manifest a server offers, given the release it runs and whether it
 * holds a release key (spec/releases.md, Rules). Pure: the service worker fetches, this decides.
 */

import type { Ed25519Backend } from './ed25519.ts';
import { isProtocolError } from './errors.ts';
import {
  compareVersions,
  parseReleaseManifest,
  type ReleaseManifest,
  releaseHash,
  verifyRelease,
} from './release-manifest.ts';

/** A worker built with a release key accepts only releases signed by it; one built without pins by hash. */
export type ReleaseTrust =
  | { readonly kind: 'signed'; readonly releaseKey: Uint8Array }
  | { readonly kind: 'unsigned' };

export interface ReleaseInfo {
  readonly version: string;
  readonly hash: string;
  readonly signed: boolean;
}

export const REFUSAL_REASONS = [
  /** Not a manifest at all, or not in the format. */
  'bad-release-manifest',
  /** No signature, where this client holds a release key. */
  'unsigned',
  /** A signature that the release key did not make. */
  'bad-signature',
  /** A correctly signed release older than the one running. */
  'downgrade',
  /** Other contents under the running version number. */
  'same-version',
  /** A file whose bytes do not have the hash the manifest lists (or that is missing). */
  'file-mismatch',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type OfferVerdict =
  | { readonly kind: 'same' }
  /** A release to fetch, check file by file, and then offer to the user (or pin, on a first visit). */
  | { readonly kind: 'acceptable'; readonly release: ReleaseInfo; readonly manifest: ReleaseManifest }
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly version: string | undefined };

export async function assessOffer(
  backend: Ed25519Backend,
  trust: ReleaseTrust,
  running: ReleaseInfo | undefined,
  manifestText: string,
): Promise<OfferVerdict> {
  let manifest: ReleaseManifest;
  try {
    manifest = parseReleaseManifest(manifestText);
  } catch (error) {
    if (isProtocolError(error, 'bad-release-manifest')) {
      return { kind: 'refused', reason: 'bad-release-manifest', version: undefined };
    }
    throw error;
  }
  const hash = releaseHash(manifest);
  if (running?.hash === hash) return { kind: 'same' };
  const refused = (reason: RefusalReason): OfferVerdict => ({
    kind: 'refused',
    reason,
    version: manifest.version,
  });
  if (trust.kind === 'unsigned') {
    return { kind: 'acceptable', release: { version: manifest.version, hash, signed: false }, manifest };
  }
  if (manifest.signature === undefined) return refused('unsigned');
  if (!(await verifyRelease(backend, manifest, trust.releaseKey))) return refused('bad-signature');
  if (running !== undefined) {
    const order = compareVersions(manifest.version, running.version);
    if (order < 0) return refused('downgrade');
    if (order === 0) return refused('same-version');
  }
  return { kind: 'acceptable', release: { version: manifest.version, hash, signed: true }, manifest };
}

/** The paths whose fetched bytes do not hash to what the manifest lists (a missing file counts). */
export function mismatchedFiles(manifest: ReleaseManifest, fetched: ReadonlyMap<string, string>): string[] {
  return Object.keys(manifest.files).filter((path) => fetched.get(path) !== manifest.files[path]);
}
