// The browser cache: entries in the Cache API (`caches.open('gmatrix-embed')`), keyed by
// synthetic URLs that mirror the Node folder layout. `cache.put` stores an entry atomically, so
// an aborted download never leaves a partial one. Partial downloads live in memory only: a
// dropped connection resumes with Range within one call, but not across page loads.
// Without the Cache API (insecure http:// pages, some workers) nothing persists and every call
// downloads again.
import { concatBytes, verifyBytes } from './integrity.js';
import { encodeRepoPath, isCommitSha } from './repo-id.js';

// Keys only; nothing is ever fetched from this origin. The Cache API requires http(s) keys.
const KEY_ORIGIN = 'https://gmatrix-embed.cache';

/**
 * @param {{caches?: CacheStorage, name?: string}} [options]  `caches` defaults to the global one
 * @returns {import('./storage.js').HubStorage}
 */
export function createBrowserCache({ caches = globalThis.caches, name = 'gmatrix-embed' } = {}) {
  let opened;
  const open = () => (opened ??= caches ? caches.open(name) : Promise.resolve(null));
  const repoKey = (repo, ...rest) => [KEY_ORIGIN, 'models', repo, ...rest].join('/');
  const refKey = (repo, revision) => repoKey(repo, 'refs', encodeURIComponent(revision));
  const listingKey = (repo, sha) => repoKey(repo, 'listings', `${sha}.json`);
  const fileKey = (repo, sha, path) => repoKey(repo, 'snapshots', sha, encodeRepoPath(path));
  const convertedKey = (key, dtype, path) => [KEY_ORIGIN, 'converted', key, dtype, encodeRepoPath(path)].join('/');
  // Lists a conversion's files; written after them, so its presence means the set is complete.
  const convertedIndexKey = (key, dtype) => [KEY_ORIGIN, 'converted', key, `${dtype}.json`].join('/');

  async function read(key) {
    return (await (await open())?.match(key)) ?? null;
  }
  async function write(key, body, type) {
    await (await open())?.put(key, new Response(body, { headers: { 'content-type': type } }));
  }

  return {
    location: `the browser Cache Storage "${name}"`,
    snapshotDir: () => undefined,
    async readRef(repo, revision) {
      const sha = (await (await read(refKey(repo, revision)))?.text())?.trim();
      return isCommitSha(sha) ? sha : null;
    },
    writeRef: (repo, revision, sha) => write(refKey(repo, revision), sha, 'text/plain'),
    async readListing(repo, sha) {
      const response = await read(listingKey(repo, sha));
      return response ? response.json().catch(() => null) : null;
    },
    writeListing: (repo, sha, listing) => write(listingKey(repo, sha), JSON.stringify(listing), 'application/json'),
    async get(repo, sha, path) {
      const response = await read(fileKey(repo, sha, path));
      return response ? new Uint8Array(await response.arrayBuffer()) : null;
    },
    async readConverted(key, dtype) {
      const index = await (await read(convertedIndexKey(key, dtype)))?.json().catch(() => null);
      if (!Array.isArray(index)) return null;
      const files = new Map();
      for (const path of index) {
        const response = await read(convertedKey(key, dtype, path));
        if (!response) return null; // evicted by the browser: convert again
        files.set(path, new Uint8Array(await response.arrayBuffer()));
      }
      return { files };
    },
    async writeConverted(key, dtype, files) {
      for (const [path, bytes] of files) await write(convertedKey(key, dtype, path), bytes, 'application/octet-stream');
      await write(convertedIndexKey(key, dtype), JSON.stringify([...files.keys()]), 'application/json');
      return { files };
    },
    async openPartial(repo, sha, path) {
      return memoryPartial(async (bytes) => {
        await write(fileKey(repo, sha, path), bytes, 'application/octet-stream');
        return bytes;
      });
    },
  };
}

/** @returns {import('./storage.js').PartialFile} */
function memoryPartial(store) {
  let chunks = [];
  let offset = 0;
  return {
    get offset() { return offset; },
    async append(chunk) {
      chunks.push(chunk);
      offset += chunk.length;
    },
    async restart() {
      chunks = [];
      offset = 0;
    },
    async commit(expect) {
      const bytes = concatBytes(chunks);
      chunks = [];
      await verifyBytes(bytes, expect);
      return store(bytes);
    },
    async close() {
      chunks = [];
    },
  };
}
