/**
 * The release worker (served as /sw.js): pins one release of the web client and serves nothing else
 * (spec/releases.md). Its bytes depend only on this source and the release key built into it, so they stay
 * the same from release to release: the browser re-fetches this script on its own, and a changed script is
 * the one thing the pinned release cannot refuse.
 */
import { fromHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import type { ReleaseTrust } from '../../crypto/release-offer.ts';
import { isReleaseRequest, type ReleaseRequest, type ReleaseStatus } from './messages.ts';
import { createReleaseKeeper, MANIFEST_PATH } from './release-keeper.ts';
import { createReleaseStore } from './release-store.ts';
import type { WorkerScope } from './worker-scope.ts';

/** The release public key in hex, set at build time; empty for a build without one. */
declare const __TINCAN_RELEASE_KEY__: string;

const scope = self as unknown as WorkerScope;
const origin = scope.location.origin;
const trust: ReleaseTrust = __TINCAN_RELEASE_KEY__
  ? { kind: 'signed', releaseKey: fromHex(__TINCAN_RELEASE_KEY__) }
  : { kind: 'unsigned' };

const keeper = createReleaseKeeper({
  store: createReleaseStore(scope.caches, origin),
  fetcher: (input, init) => scope.fetch(input, init),
  subtle: scope.crypto.subtle,
  backend: nobleEd25519,
  trust,
});

/** Live answers from the server, never part of a release. */
const FROM_THE_SERVER = new Set([MANIFEST_PATH, '/relays.json', '/healthz', '/readyz', '/metrics', '/sw.js']);

scope.addEventListener('install', (event) => {
  event.waitUntil(keeper.pinFirst().then(() => scope.skipWaiting()));
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(scope.clients.claim());
});

scope.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== origin || FROM_THE_SERVER.has(url.pathname)) return;
  // Every page of the app is the one index.html; the query and fragment are the page's business.
  const path = request.mode === 'navigate' || url.pathname === '/' ? '/index.html' : url.pathname;
  event.respondWith(keeper.serve(path));
});

scope.addEventListener('message', (event) => {
  const [port] = event.ports;
  if (port === undefined || !isReleaseRequest(event.data)) return;
  event.waitUntil(answer(event.data).then((status) => port.postMessage(status)));
});

function answer(request: ReleaseRequest): Promise<ReleaseStatus> {
  switch (request.type) {
    case 'status':
      return keeper.status();
    case 'check':
      return keeper.check();
    case 'accept':
      return keeper.accept(request.hash);
  }
}
