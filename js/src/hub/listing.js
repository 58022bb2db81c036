// Which files a repository has at a revision, and which commit that revision is: from the Hub's
// API online, from the cache offline. Every later download uses the commit sha, never the branch
// name, so a push to the repo halfway through a snapshot cannot mix two versions.
import { NetworkError, OfflineCacheMissError } from '../errors.js';
import { httpError, hubFetch, toTransferError } from './http.js';
import { withRetries } from './retry.js';
import { isCommitSha, isRepoPath } from './repo-id.js';

// Listing retries are fewer than download retries: when the Hub is unreachable, falling back to
// the cache quickly beats waiting out a long backoff.
const LISTING_RETRIES = 2;

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
  return sha ? storage.readListing(repo, sha) : null;
}

/**
 * GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true. Without `blobs=true` the Hub
 * leaves out sizes and LFS hashes.
 */
async function fetchListing(repo, opts) {
  const url = `${opts.endpoint}/api/models/${repo}/revision/${encodeURIComponent(opts.revision)}?blobs=true`;
  const what = `repository ${repo} at revision "${opts.revision}"`;
  const text = await withRetries(async () => {
    const { response } = await hubFetch(url, opts, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw httpError(response, { what, url, token: opts.token });
    try {
      return await response.text();
    } catch (err) {
      throw toTransferError(err, opts.signal, url);
    }
  }, { ...opts, maxRetries: Math.min(opts.maxRetries, LISTING_RETRIES) });
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
  const files = [];
  for (const s of json.siblings) {
    // Names that cannot be a relative path (`..`, backslashes) could escape the cache folder;
    // no model file is named like that, so they are left out rather than failing the repo.
    if (!isRepoPath(s?.rfilename)) continue;
    const file = { path: s.rfilename };
    const size = s.lfs?.size ?? s.size;
    if (Number.isSafeInteger(size) && size >= 0) file.size = size;
    if (/^[0-9a-f]{64}$/.test(s.lfs?.sha256 ?? '')) file.sha256 = s.lfs.sha256;
    else if (!s.lfs && /^[0-9a-f]{40}$/.test(s.blobId ?? '')) file.gitBlobId = s.blobId; // an LFS blobId hashes the pointer, not the content
    files.push(file);
  }
  return { sha: json.sha, files };
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
