/** Cache Storage in memory, as much of it as the release worker uses: each match gives a fresh Response. */
interface Stored {
  readonly body: ArrayBuffer;
  readonly status: number;
  readonly headers: [string, string][];
}

export function memoryCaches(): CacheStorage {
  const caches = new Map<string, Map<string, Stored>>();
  const open = async (name: string): Promise<Cache> => {
    let entries = caches.get(name);
    if (!entries) {
      entries = new Map();
      caches.set(name, entries);
    }
    const store = entries;
    const cache = {
      async match(request: RequestInfo | URL) {
        const stored = store.get(String(request));
        return (
          stored && new Response(stored.body.slice(0), { status: stored.status, headers: stored.headers })
        );
      },
      async put(request: RequestInfo | URL, response: Response) {
        store.set(String(request), {
          body: await response.arrayBuffer(),
          status: response.status,
          headers: [...response.headers],
        });
      },
      async delete(request: RequestInfo | URL) {
        return store.delete(String(request));
      },
    };
    return cache as unknown as Cache;
  };
  const storage = {
    open,
    async keys() {
      return [...caches.keys()];
    },
    async delete(name: string) {
      return caches.delete(name);
    },
    async has(name: string) {
      return caches.has(name);
    },
  };
  return storage as unknown as CacheStorage;
}
