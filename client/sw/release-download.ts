/**
 * Fetches every file of a release, hashes it, and stores the files only if every one has the hash its
 * manifest lists. A release is kept whole or not at all.
 */
import { toHex } from '../../crypto/bytes.ts';
import type { ReleaseManifest } from '../../crypto/release-manifest.ts';
import { mismatchedFiles } from '../../crypto/release-offer.ts';

/** Returns the paths that did not match (none: the files are stored). A network failure rejects. */
export async function downloadRelease(
  fetcher: typeof fetch,
  subtle: SubtleCrypto,
  cache: Cache,
  manifest: ReleaseManifest,
): Promise<string[]> {
  const hashes = new Map<string, string>();
  const bodies = new Map<string, Response>();
  await Promise.all(
    Object.keys(manifest.files).map(async (path) => {
      // 'no-cache': the server is asked every time, but a file the page just loaded comes back as a 304
      // from the HTTP cache instead of twice over the network. The hash check below decides either way.
      const response = await fetcher(path, { cache: 'no-cache', credentials: 'omit', redirect: 'error' });
      if (!response.ok) return;
      const bytes = await response.arrayBuffer();
      hashes.set(path, toHex(new Uint8Array(await subtle.digest('SHA-256', bytes))));
      // The server's headers (the page's CSP among them) are kept with the bytes they came with.
      bodies.set(path, new Response(bytes, { status: 200, headers: response.headers }));
    }),
  );
  const mismatched = mismatchedFiles(manifest, hashes);
  if (mismatched.length > 0) return mismatched;
  for (const [path, body] of bodies) await cache.put(path, body);
  return [];
}
