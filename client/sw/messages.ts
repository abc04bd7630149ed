/**
 * What the page and the release worker say to each other (spec/releases.md, The worker). The page asks, the
 * worker answers on the MessageChannel port the request carries.
 */
import type { RefusalReason, ReleaseInfo } from '../../crypto/release-offer.ts';

export type { RefusalReason, ReleaseInfo };

export type ReleaseRequest =
  /** What the worker knows now, without the network. */
  | { readonly type: 'status' }
  /** Fetch the server's release.json, judge it, and stage a release worth offering. */
  | { readonly type: 'check' }
  /** The user agreed to run the offered release with this hash. */
  | { readonly type: 'accept'; readonly hash: string };

export interface ReleaseStatus {
  /** Whether this worker holds a release key ('signed') or pins whatever it first loaded ('unsigned'). */
  readonly trust: 'signed' | 'unsigned';
  /** The release public key this worker holds, in hex; null without one. */
  readonly releaseKey: string | null;
  /** The pinned release the page runs. */
  readonly running: ReleaseInfo | null;
  /** A checked release the user may switch to. */
  readonly offer: ReleaseInfo | null;
  /** Why the server's last offer was refused; null when it offered nothing wrong. */
  readonly refusal: { readonly reason: RefusalReason; readonly version: string | null } | null;
}

export function isReleaseRequest(value: unknown): value is ReleaseRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { type, hash } = value as { type?: unknown; hash?: unknown };
  return type === 'status' || type === 'check' || (type === 'accept' && typeof hash === 'string');
}
