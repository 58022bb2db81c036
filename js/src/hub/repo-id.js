// Repository ids and repository-relative paths. Paths come from the server's listing and end up
// as file names under the cache directory, so they are checked before any use: a listing naming
// `../../.bashrc` must not write outside the cache.
import { InvalidArgumentError } from '../errors.js';

// One owner or name part, by the Hub's rules: letters, digits, `-`, `_`, `.`; must not start or
// end with `-` or `.`; no `--` or `..` (the cache folder name uses `--` as its separator).
const PART = /^(?![-.])(?!.*(?:--|\.\.))[A-Za-z0-9._-]{1,96}(?<![-.])$/;

/**
 * Whether `value` reads as a Hub repository id `owner/name`, as opposed to a local path or a URL.
 * Purely syntactic: `models/foo` could also be a relative folder, so a loader should prefer an
 * existing local path first. Single-part ids (`bert-base-uncased`) are refused as too ambiguous
 * with a folder name; use the owner form (`google-bert/bert-base-uncased`).
 * @param {unknown} value
 * @returns {boolean}
 */
export function isRepoId(value) {
  if (typeof value !== 'string') return false;
  const parts = value.split('/');
  return parts.length === 2 && parts.every((part) => PART.test(part));
}

/** @param {unknown} repo @returns {string} the id, unchanged */
export function assertRepoId(repo) {
  if (!isRepoId(repo)) {
    throw new InvalidArgumentError(
      `Not a Hub repository id: ${JSON.stringify(repo)}. Expected "owner/name", e.g. "bi-matrix/gmatrix-embedding".`);
  }
  return repo;
}

/**
 * Checks a `/`-separated path inside a repository (or a revision name used as a file name):
 * relative, no empty, `.` or `..` segments, no backslashes or NULs.
 * @param {unknown} value
 * @param {string} what  used in the error message, e.g. 'file path'
 * @returns {string}
 */
export function assertRepoPath(value, what = 'file path') {
  if (!isRepoPath(value)) {
    throw new InvalidArgumentError(`Invalid repository ${what}: ${JSON.stringify(value)}. Use a relative path like "1_Pooling/config.json".`);
  }
  return value;
}

/** Whether `value` is a safe relative `/`-separated path (see assertRepoPath). */
export function isRepoPath(value) {
  return typeof value === 'string' && value !== '' && !/[\\\0]/.test(value)
    && value.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Cache folder name for a repo: `owner/name` -> `models--owner--name` (unambiguous since ids never contain `--`). */
export function repoFolderName(repo) {
  return `models--${repo.replace('/', '--')}`;
}

/** A full 40-hex commit id, which needs no network round trip to resolve. */
export function isCommitSha(revision) {
  return typeof revision === 'string' && /^[0-9a-f]{40}$/.test(revision);
}

/** Encodes each path segment for a URL but keeps the `/` separators. */
export function encodeRepoPath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}
