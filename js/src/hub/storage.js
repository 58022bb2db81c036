// The storage interface the hub client writes through, and the choice of implementation:
// a cache folder under Node (cache-node.js), the Cache API in browsers (cache-browser.js).
import { isNode } from './env.js';

/**
 * A download in progress, owned by one caller until `commit` or `close`.
 * @typedef {object} PartialFile
 * @property {number} offset  bytes held so far (a resumed partial starts above 0)
 * @property {(chunk: Uint8Array) => Promise<void>} append
 * @property {() => Promise<void>} restart  drops the bytes held (the server ignored a Range request)
 * @property {(expect: import('./integrity.js').Expectation) => Promise<string | Uint8Array>} commit
 *   verifies the bytes and stores them as the cache entry; returns what `get` would. On a
 *   mismatch it discards the bytes, stores nothing and throws IntegrityError.
 * @property {() => Promise<void>} close  gives up without storing; keeps the bytes for a later
 *   resume where the storage can (Node). A no-op after commit.
 */

/**
 * Downloads are keyed by repo and commit sha, conversions by what they were made from, so an
 * entry never changes once written.
 * @typedef {object} HubStorage
 * @property {string} location  where the cache lives, for messages
 * @property {(repo: string, revision: string) => Promise<string | null>} readRef  commit sha a revision last resolved to
 * @property {(repo: string, revision: string, sha: string) => Promise<void>} writeRef
 * @property {(repo: string, sha: string) => Promise<import('./listing.js').RepoListing | null>} readListing
 * @property {(repo: string, sha: string, listing: import('./listing.js').RepoListing) => Promise<void>} writeListing
 * @property {(repo: string, sha: string, path: string) => Promise<string | Uint8Array | null>} get
 *   the cached file (Node: its absolute path; browser: its bytes), or null
 * @property {(repo: string, sha: string, path: string, signal?: AbortSignal) => Promise<PartialFile | null>} openPartial
 *   starts or resumes a download; waits while another process downloads the same file, and
 *   returns null if that left the file cached
 * @property {(repo: string, sha: string) => string | undefined} snapshotDir  folder holding the files (Node only)
 * @property {(key: string, dtype: string, mainPath: string) => Promise<ConvertedFiles | null>} readConverted
 *   a cached conversion to that dtype (`mainPath`, its .onnx file, must be in it). The key is the
 *   loader's name for what was converted, a relative path (js/src/loader/converted-cache.js).
 * @property {(key: string, dtype: string, files: Map<string, Uint8Array>) => Promise<ConvertedFiles>} writeConverted
 *   stores a conversion whole (readers never see part of one)
 */

/**
 * Where a cached conversion is: a folder (Node) or the bytes (browsers).
 * @typedef {{dir: string} | {files: Map<string, Uint8Array>}} ConvertedFiles
 */

/**
 * @param {import('./options.js').ResolvedHubOptions} opts
 * @returns {Promise<HubStorage>}
 */
export async function openStorage(opts) {
  if (opts.cache) return opts.cache;
  // Dynamic imports keep node:fs out of browser bundles and the Cache API out of Node.
  if (isNode) return (await import('./cache-node.js')).createNodeCache(opts.cacheDir);
  return (await import('./cache-browser.js')).createBrowserCache();
}
