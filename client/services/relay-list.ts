/**
 * The relay nodes of the deployment that served this page: its own relay first, then the others it lists
 * at the same-origin `/relays.json` (`{"relays": ["wss://…/relay", …]}`, the relay's `--relays`). The
 * list only adds nodes to fail over to; without it (an old relay, an error) the page's own relay is used.
 */
import { relayUrlsFrom, sameOriginRelayUrl } from '../core/relay-rotation.ts';

/** The page waits no longer than this for the list before it connects. */
const RELAY_LIST_TIMEOUT_MS = 3_000;

export async function relayUrlsForPage(
  location: { protocol: string; host: string },
  fetcher: typeof fetch = fetch,
): Promise<string[]> {
  const own = sameOriginRelayUrl(location);
  try {
    const response = await fetcher('/relays.json', {
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(RELAY_LIST_TIMEOUT_MS),
    });
    if (!response.ok) return [own];
    const body: unknown = await response.json();
    return relayUrlsFrom(own, (body as { relays?: unknown } | null)?.relays);
  } catch {
    return [own];
  }
}
