/**
 * Which relay node to try next. A deployment may run several relay nodes that share routing (Redis,
 * spec/scale-out.md); a client that knows their URLs moves to the next one at once when the one it uses fails, so a node
 * that is down, or stays down, costs one refused connection instead of a backoff wait. Only when every node
 * has failed in a row does the client back off; the next attempt then goes on from the following node.
 * Isomorphic and pure: the browser's relay connection and the Node client share it.
 */

/** A deployment lists a few nodes; more than this in a list is not a relay list. */
export const MAX_RELAY_URLS = 16;

export class RelayRotation {
  private readonly urls: readonly string[];
  private index = 0;
  private failuresInRow = 0;

  /** `urls`: the first is tried first; duplicates are dropped. */
  constructor(urls: readonly string[]) {
    const unique = [...new Set(urls)];
    if (unique.length === 0) throw new RangeError('urls must name at least one relay');
    if (unique.length > MAX_RELAY_URLS)
      throw new RangeError(`urls: at most ${MAX_RELAY_URLS}, got ${unique.length}`);
    this.urls = unique;
  }

  get current(): string {
    return this.urls[this.index]!;
  }

  get size(): number {
    return this.urls.length;
  }

  /**
   * The current node failed, or a connection to it was lost. Moves to the next node and says whether to
   * try it at once ('now') or after a backoff ('backoff': every node has failed in a row).
   */
  failed(): 'now' | 'backoff' {
    this.index = (this.index + 1) % this.urls.length;
    this.failuresInRow++;
    if (this.failuresInRow < this.urls.length) return 'now';
    this.failuresInRow = 0;
    return 'backoff';
  }

  /** The current node let us in: a later failure starts a new round. */
  succeeded(): void {
    this.failuresInRow = 0;
  }
}

/** ws(s)://<page host>/relay for the page's own origin. */
export function sameOriginRelayUrl(page: { protocol: string; host: string }): string {
  return `${page.protocol === 'https:' ? 'wss' : 'ws'}://${page.host}/relay`;
}

/**
 * The relay URLs to use, in order: `first` (the relay the page came from, or the first one configured),
 * then the others of `listed` that are ws:// or wss:// URLs. Anything else in `listed` is left out: the
 * list is advice from a server, never a reason to fail.
 */
export function relayUrlsFrom(first: string, listed: unknown): string[] {
  const others = Array.isArray(listed)
    ? listed.filter((url): url is string => typeof url === 'string' && isRelayUrl(url))
    : [];
  return [...new Set([first, ...others])].slice(0, MAX_RELAY_URLS);
}

export function isRelayUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}
