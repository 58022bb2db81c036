// The public entry points: list a repository, download one file, download a snapshot.
import { FileNotFoundError, quoteUntrusted } from '../errors.js';
import { resolveHubOptions } from './options.js';
import { openStorage } from './storage.js';
import { offlineMiss, resolveListing, skippedReason } from './listing.js';
import { createProgress } from './progress.js';
import { transfer } from './transfer.js';
import { expectationFor } from './integrity.js';
import { literalPatterns, makeFileFilter } from './glob.js';
import { assertRepoId, assertRepoPath, encodeRepoPath } from './repo-id.js';

/**
 * Lists the files of a repository at `options.revision` (cached listing when offline).
 * @param {string} repo  "owner/name"
 * @param {import('./options.js').HubOptions} [options]
 * @returns {Promise<{sha: string, files: import('./listing.js').RepoFile[]}>}
 */
export async function listRepoFiles(repo, options) {
  const { listing } = await prepare(repo, options);
  return { sha: listing.sha, files: listing.files.map((f) => ({ ...f })) };
}

/**
 * Downloads one file (or takes it from the cache), verified against the Hub's checksum.
 * @param {string} repo  "owner/name"
 * @param {string} path  repository-relative path, e.g. "1_Pooling/config.json"
 * @param {import('./options.js').HubOptions} [options]
 * @returns {Promise<string | Uint8Array>} Node: absolute path of the cached file; browsers: its bytes
 */
export async function downloadFile(repo, path, options) {
  assertRepoPath(path);
  const { opts, storage, listing } = await prepare(repo, options, { missing: [path] });
  const file = listing.files.find((f) => f.path === path);
  if (!file) {
    const skipped = skippedReason(listing, path);
    if (skipped) throw skippedFileError(repo, opts, listing, path, skipped);
    const some = listing.files.slice(0, 20).map((f) => f.path).join(', ');
    throw new FileNotFoundError(`"${path}" is not in ${repo} at revision "${opts.revision}" (commit ${listing.sha}). Files there: ${some || 'none'}.`);
  }
  const progress = createProgress(opts.onProgress, [file]);
  if (opts.offline) {
    const cached = await storage.get(repo, listing.sha, path);
    if (!cached) throw offlineMiss(repo, opts, storage, [path]);
    progress.cached(path);
    return cached;
  }
  return fetchFile(repo, listing.sha, file, { opts, storage, progress });
}

/**
 * Downloads the files of a repository selected by `include` (all files by default), one after
 * the other, reporting overall progress. Names without wildcards in `include` must exist.
 * @param {string} repo  "owner/name"
 * @param {import('./options.js').HubOptions & {include?: string | string[] | ((path: string) => boolean)}} [options]
 * @returns {Promise<{sha: string, dir?: string, files: Map<string, string | Uint8Array>}>}
 *   `files` maps each repository path to what downloadFile returns; `dir` is the Node snapshot folder
 */
export async function snapshotDownload(repo, options) {
  const { include, ...hubOptions } = options ?? {};
  const accept = makeFileFilter(include); // validate before any network traffic
  const wanted = typeof include === 'function' ? ['files chosen by the include function'] : [include ?? []].flat();
  const { opts, storage, listing } = await prepare(repo, hubOptions, { wanted });
  const absent = literalPatterns(include).filter((name) => !listing.files.some((f) => f.path === name));
  const skipped = absent.find((name) => skippedReason(listing, name));
  if (skipped) throw skippedFileError(repo, opts, listing, skipped, skippedReason(listing, skipped));
  if (absent.length > 0) {
    throw new FileNotFoundError(`${repo} at revision "${opts.revision}" (commit ${listing.sha}) has no ${absent.map((n) => `"${n}"`).join(', ')}.`);
  }
  const selected = listing.files.filter((f) => accept(f.path));
  const progress = createProgress(opts.onProgress, selected);
  const files = new Map();

  if (opts.offline) {
    // Check everything first, so the error names every missing file at once.
    for (const f of selected) files.set(f.path, await storage.get(repo, listing.sha, f.path));
    const missing = selected.filter((f) => !files.get(f.path)).map((f) => f.path);
    if (missing.length > 0) throw offlineMiss(repo, opts, storage, missing);
    for (const f of selected) progress.cached(f.path);
  } else {
    for (const f of selected) files.set(f.path, await fetchFile(repo, listing.sha, f, { opts, storage, progress }));
  }
  return { sha: listing.sha, dir: storage.snapshotDir(repo, listing.sha), files };
}

// A file the Hub lists under a name the client will not use as a cache path (listed-paths.js).
function skippedFileError(repo, opts, listing, path, reason) {
  return new FileNotFoundError(`${quoteUntrusted(path)} in ${repo} at revision "${opts.revision}" (commit ${listing.sha}) `
    + `cannot be downloaded: ${reason}. Rename it in the repository.`);
}

async function prepare(repo, options, want) {
  assertRepoId(repo);
  const opts = resolveHubOptions(options);
  const storage = await openStorage(opts);
  const listing = await resolveListing(repo, opts, storage, want);
  return { opts, storage, listing };
}

// Cache hit, or download into a partial file, verify, and commit it as the cache entry.
async function fetchFile(repo, sha, file, { opts, storage, progress }) {
  const cached = await storage.get(repo, sha, file.path);
  if (cached) {
    progress.cached(file.path);
    return cached;
  }
  const part = await storage.openPartial(repo, sha, file.path, opts.signal);
  if (!part) { // another process or call finished it while we waited for the lock
    progress.cached(file.path);
    return storage.get(repo, sha, file.path);
  }
  try {
    const what = `"${file.path}" in ${repo} at revision "${opts.revision}" (commit ${sha})`;
    const url = `${opts.endpoint}/${repo}/resolve/${sha}/${encodeRepoPath(file.path)}`;
    const meta = await transfer(url, part, file, what, opts, progress);
    const stored = await part.commit(expectationFor(file, meta, what));
    progress.done(file.path, part.offset);
    return stored;
  } finally {
    await part.close(); // no-op after commit; otherwise keeps the partial for a later resume
  }
}
