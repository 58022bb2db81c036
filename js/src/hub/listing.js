// Which files a repository has at a revision, and which commit that revision is: from the Hub's
// API online, from the cache offline. Every later download uses the commit sha, never the branch
// name, so a push to the repo halfway through a snapshot cannot mix two versions.
import { NetworkError, OfflineCacheMissError } from '../errors.js';
import { httpError, hubFetch } from './http.js';
import { withDeadline } from './deadline.js';
import { withRetries } from './retry.js';
import { isCommitSha } from './repo-id.js';
import { checkListedPaths } from './listed-paths.js';

// Listing retries are fewer than download retries: when the Hub is unreachable, falling back to
// the cache quickly beats waiting out a long backoff.
const LISTING_RETRIES = 2;
// The Hub's listing is about 200 bytes per file; 64 MB is a repository of 300,000 files. A larger
// answer is not a listing, and is refused before it fills memory.
const MAX_LISTING_BYTES = 64 * 2 ** 20;

/**
 * @typedef {object} RepoFile
 * @property {string} path        repository-relative, `/`-separated
 * @property {number} [size]      bytes
 * @property {string} [sha256]    LFS files: sha256 of the content
 * @property {string} [gitBlobId] non-LFS files: git blob id (sha1) of the content
 *
 * @typedef {object} RepoListing
 * @property {string} sha       commit the revision resolved to
 * @property {RepoFile[]} files
 * @property {{path: string, reason: string}[]} [skipped]  listed names left out, and why (see listed-paths.js)
 */

/**
 * The listing for `opts.revision`, from the cache when offline (or when the revision is a commit
 * sha already listed), else from the Hub, cached for later offline use. If the Hub cannot be
 * reached at all, a cached listing is used rather than failing.
 * @param {string} repo
 * @param {import('./options.js').ResolvedHubOptions} opts
 * @param {import('./storage.js').HubStorage} storage
 * @param {{missing?: string[], wanted?: string[]}} [want]  for the offline error if nothing is cached:
 *   `missing` the exact files then missing, or `wanted` a description (patterns) of them
 * @returns {Promise<RepoListing>}
 */
export async function resolveListing(repo, opts, storage, want = {}) {
  if (opts.offline || isCommitSha(opts.revision)) {
    const cached = await readCachedListing(repo, opts.revision, storage);
    if (cached) return cached;
    if (opts.offline) throw offlineMiss(repo, opts, storage, want.missing ?? null, want.wanted);
  }
  let listing;
  try {
    listing = await fetchListing(repo, opts);
  } catch (err) {
    const cached = err.retryable ? await readCachedListing(repo, opts.revision, storage) : null;
    if (cached) return cached;
    throw err;
  }
  await storage.writeListing(repo, listing.sha, listing);
  if (!isCommitSha(opts.revision)) await storage.writeRef(repo, opts.revision, listing.sha);
  return listing;
}

async function readCachedListing(repo, revision, storage) {
  const sha = isCommitSha(revision) ? revision : await storage.readRef(repo, revision);
  const listing = sha ? await storage.readListing(repo, sha) : null;
  // A damaged cache entry behaves as uncached, never as a listing to trust.
  return listing?.sha === sha && Array.isArray(listing.files) && listing.files.every((f) => typeof f?.path === 'string')
    ? listing : null;
}

/**
 * GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true. Without `blobs=true` the Hub
 * leaves out sizes and LFS hashes.
 */
async function fetchListing(repo, opts) {
  const url = `${opts.endpoint}/api/models/${repo}/revision/${encodeURIComponent(opts.revision)}?blobs=true`;
  const what = `repository ${repo} at revision "${opts.revision}"`;
  const text = await withRetries(() => withDeadline(opts, async (deadline) => {
    const { response } = await hubFetch(url, opts, { headers: { Accept: 'application/json' }, deadline });
    if (!response.ok) throw await httpError(response, { what, url, token: opts.token }, deadline);
    return deadline.text(response, url, MAX_LISTING_BYTES, `The listing of ${what}`);
  }), { ...opts, maxRetries: Math.min(opts.maxRetries, LISTING_RETRIES) });
  return parseListing(text, what, url);
}

/** Validates the API answer and keeps what the downloader needs. */
export function parseListing(text, what, url) {
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (!isCommitSha(json?.sha) || !Array.isArray(json.siblings)) {
    throw new NetworkError(`Unexpected answer listing ${what} from ${url}: expected JSON with "sha" and "siblings". Is HF_ENDPOINT a Hugging Face Hub?`);
  }
  // Names that cannot safely become a cache file (`..`, control characters, 300-byte names, a
  // file that is also a folder, duplicates) are left out with the reason, rather than failing the
  // repo; asking for one of them by name says why it is missing.
  const { accepted, skipped } = checkListedPaths(json.siblings.map((s) => s?.rfilename));
  const files = [];
  for (const s of json.siblings) {
    if (!accepted.has(s?.rfilename)) continue;
    const file = { path: s.rfilename };
    const size = s.lfs?.size ?? s.size;
    if (Number.isSafeInteger(size) && size >= 0) file.size = size;
    if (/^[0-9a-f]{64}$/.test(s.lfs?.sha256 ?? '')) file.sha256 = s.lfs.sha256;
    else if (!s.lfs && /^[0-9a-f]{40}$/.test(s.blobId ?? '')) file.gitBlobId = s.blobId; // an LFS blobId hashes the pointer, not the content
    files.push(file);
  }
  return skipped.length ? { sha: json.sha, files, skipped } : { sha: json.sha, files };
}

/**
 * Why `path` is not among the listing's files when the Hub listed it, or undefined.
 * @param {RepoListing} listing
 * @param {string} path
 */
export function skippedReason(listing, path) {
  return listing.skipped?.find((s) => s.path === path)?.reason;
}

/**
 * The error for offline mode when something is not cached.
 * @param {string[] | null} missing  repository paths, or null when they cannot be told (no listing cached)
 * @param {string[]} [wanted]  what was asked for, when `missing` is null
 */
export function offlineMiss(repo, opts, storage, missing, wanted) {
  const where = `${repo} at revision "${opts.revision}"`;
  const what = missing
    ? `${missing.length} file(s) of ${where} are not in the cache: ${missing.join(', ')}`
    : `${where} is not in the cache (wanted: ${wanted?.length ? wanted.join(', ') : 'all files'})`;
  const err = new OfflineCacheMissError(
    `Offline mode (HF_HUB_OFFLINE or options.offline) is on and ${what}. Cache: ${storage.location}. `
    + 'Fix: run once with network access to fill the cache, or unset HF_HUB_OFFLINE / pass offline: false.');
  err.missingFiles = missing ?? undefined;
  return err;
}
