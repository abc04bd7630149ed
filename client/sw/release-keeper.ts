/**
 * The release worker's decisions over its store: pin the first release, serve only the pinned release's
 * files, judge what the server offers later, and switch only when the user accepts (spec/releases.md, Rules).
 */
import { toHex } from '../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import { assessOffer, type RefusalReason, type ReleaseTrust } from '../../crypto/release-offer.ts';
import type { ReleaseStatus } from './messages.ts';
import { downloadRelease } from './release-download.ts';
import type { ReleaseStore, StoredRelease } from './release-store.ts';

export const MANIFEST_PATH = '/release.json';

export interface KeeperDeps {
  readonly store: ReleaseStore;
  readonly fetcher: typeof fetch;
  readonly subtle: SubtleCrypto;
  readonly backend: Ed25519Backend;
  readonly trust: ReleaseTrust;
}

export interface ReleaseKeeper {
  /** First install: pins the server's release, or rejects (the worker is then not installed). */
  pinFirst(): Promise<void>;
  check(): Promise<ReleaseStatus>;
  status(): Promise<ReleaseStatus>;
  accept(hash: string): Promise<ReleaseStatus>;
  /** The pinned copy of a page or file; a path outside the release gets a 404. */
  serve(path: string): Promise<Response>;
}

type Judged =
  | { readonly kind: 'same' }
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly version: string | null }
  | { readonly kind: 'staged'; readonly release: StoredRelease };

export function createReleaseKeeper(deps: KeeperDeps): ReleaseKeeper {
  const { store } = deps;
  let refusal: ReleaseStatus['refusal'] = null;
  let checking: Promise<ReleaseStatus> | undefined;
  let following: Promise<ReleaseStatus> | undefined;

  /** The server's release.json; a server error rejects like a lost network (nothing is offered then). */
  async function fetchManifest(): Promise<string> {
    const response = await deps.fetcher(MANIFEST_PATH, { cache: 'no-store', credentials: 'omit' });
    if (response.status >= 500) throw new Error(`release.json: HTTP ${response.status}`);
    return response.ok ? response.text() : '';
  }

  /** Judges the offered manifest against the running release and, if acceptable, fetches and checks it. */
  async function judge(running: StoredRelease | undefined, text: string): Promise<Judged> {
    const verdict = await assessOffer(deps.backend, deps.trust, running?.info, text);
    if (verdict.kind !== 'acceptable')
      return verdict.kind === 'same' ? verdict : { ...verdict, version: verdict.version ?? null };
    const { release: info, manifest } = verdict;
    const staged: StoredRelease = { info, manifestText: text, manifest };
    const offered = await store.read('offer');
    if (offered?.info.hash === info.hash) return { kind: 'staged', release: offered };
    const mismatched = await downloadRelease(
      deps.fetcher,
      deps.subtle,
      await store.files(info.hash),
      manifest,
    );
    if (mismatched.length > 0) return { kind: 'refused', reason: 'file-mismatch', version: info.version };
    return { kind: 'staged', release: staged };
  }

  async function status(): Promise<ReleaseStatus> {
    const [running, offer] = await Promise.all([store.read('pinned'), store.read('offer')]);
    return {
      trust: deps.trust.kind,
      releaseKey: deps.trust.kind === 'signed' ? toHex(deps.trust.releaseKey) : null,
      running: running?.info ?? null,
      offer: offer?.info ?? null,
      refusal,
    };
  }

  async function runCheck(): Promise<ReleaseStatus> {
    const running = await store.read('pinned');
    let text: string;
    try {
      text = await fetchManifest();
    } catch {
      return status(); // offline: nothing offered, nothing to say
    }
    let judged: Judged;
    try {
      judged = await judge(running, text);
    } catch {
      return status(); // the network went away while fetching files: try again later
    }
    if (judged.kind === 'refused') {
      refusal = { reason: judged.reason, version: judged.version };
    } else {
      refusal = null;
      if (judged.kind === 'same') await store.write('offer', undefined);
      else await store.write('offer', judged.release);
    }
    await store.keepOnly(
      [running?.info.hash, (await store.read('offer'))?.info.hash].filter(
        (h): h is string => h !== undefined,
      ),
    );
    return status();
  }

  return {
    async pinFirst() {
      if (await store.read('pinned')) return; // a new worker script keeps the release the user runs
      const judged = await judge(undefined, await fetchManifest());
      if (judged.kind !== 'staged') {
        throw new Error(
          `the server's release was refused: ${judged.kind === 'refused' ? judged.reason : 'none'}`,
        );
      }
      await store.write('pinned', judged.release);
    },
    check() {
      // A check asked for while one runs gets the answer of a fresh one that starts when it ends: the running
      // one may have read release.json before the server changed it, and its answer would hide the change.
      if (following) return following;
      const start = () =>
        runCheck().finally(() => {
          checking = following;
          following = undefined;
        });
      if (checking) following = checking.catch(() => undefined).then(start);
      else checking = start();
      return following ?? checking;
    },
    status,
    async accept(hash) {
      const offer = await store.read('offer');
      if (offer?.info.hash === hash) {
        await store.write('pinned', offer);
        await store.write('offer', undefined);
        await store.keepOnly([hash]);
        refusal = null;
      }
      return status();
    },
    async serve(path) {
      const pinned = await store.read('pinned');
      if (pinned === undefined) return deps.fetcher(path);
      if (!Object.hasOwn(pinned.manifest.files, path)) {
        return new Response('not part of this release\n', {
          status: 404,
          headers: { 'content-type': 'text/plain' },
        });
      }
      const cached = await (await store.files(pinned.info.hash)).match(path);
      return (
        cached ??
        new Response('this release is missing from the browser storage: clear site data to start over\n', {
          status: 503,
          headers: { 'content-type': 'text/plain' },
        })
      );
    },
  };
}
