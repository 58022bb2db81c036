// An in-memory CacheStorage standing in for the browser's `caches` in Node tests.

/** Just enough of CacheStorage/Cache: open, match, put (which stores atomically, as the spec says). */
export function fakeCaches() {
  const stores = new Map();
  return {
    stores,
    async open(name) {
      if (!stores.has(name)) stores.set(name, new Map());
      const store = stores.get(name);
      return {
        async match(key) {
          const hit = store.get(String(key));
          return hit && new Response(hit.body, { headers: hit.headers });
        },
        async put(key, response) {
          const body = new Uint8Array(await response.arrayBuffer());
          store.set(String(key), { body, headers: [...response.headers] });
        },
      };
    },
  };
}
