/**
 * Where the release worker keeps releases: in Cache Storage, one cache of files per release (named by its
 * hash), and a small state cache naming the pinned release and the offered one. It outlives any worker
 * script, so a new worker script takes over the pinned release instead of pinning what the server has now.
 */
import { parseReleaseManifest, type ReleaseManifest } from '../../crypto/release-manifest.ts';
import type { ReleaseInfo } from '../../crypto/release-offer.ts';

const STATE_CACHE = 'tincan-state';
const FILES_CACHE_PREFIX = 'tincan-files-';

export type Slot = 'pinned' | 'offer';

export interface StoredRelease {
  readonly info: ReleaseInfo;
  /** The release.json text as it was checked. */
  readonly manifestText: string;
  readonly manifest: ReleaseManifest;
}

export interface ReleaseStore {
  read(slot: Slot): Promise<StoredRelease | undefined>;
  write(slot: Slot, release: StoredRelease | undefined): Promise<void>;
  files(hash: string): Promise<Cache>;
  /** Drops the file caches of every release but these. */
  keepOnly(hashes: readonly string[]): Promise<void>;
}

export function createReleaseStore(caches: CacheStorage, origin: string): ReleaseStore {
  const key = (slot: Slot) => `${origin}/tincan-state/${slot}`;
  const memory = new Map<Slot, StoredRelease | undefined>();
  return {
    async read(slot) {
      if (memory.has(slot)) return memory.get(slot);
      const response = await (await caches.open(STATE_CACHE)).match(key(slot));
      let release: StoredRelease | undefined;
      if (response) {
        const { info, manifestText } = (await response.json()) as Omit<StoredRelease, 'manifest'>;
        release = { info, manifestText, manifest: parseReleaseManifest(manifestText) };
      }
      memory.set(slot, release);
      return release;
    },
    async write(slot, release) {
      const cache = await caches.open(STATE_CACHE);
      if (release === undefined) await cache.delete(key(slot));
      else {
        const body = JSON.stringify({ info: release.info, manifestText: release.manifestText });
        await cache.put(key(slot), new Response(body, { headers: { 'content-type': 'application/json' } }));
      }
      memory.set(slot, release);
    },
    files: (hash) => caches.open(FILES_CACHE_PREFIX + hash),
    async keepOnly(hashes) {
      const keep = new Set(hashes.map((hash) => FILES_CACHE_PREFIX + hash));
      for (const name of await caches.keys()) {
        if (name.startsWith(FILES_CACHE_PREFIX) && !keep.has(name)) await caches.delete(name);
      }
    },
  };
}
