// The one place where hub options are validated and defaulted. Every other module receives the
// frozen result and trusts it.
import { InvalidArgumentError } from '../errors.js';
import { readEnv } from './env.js';
import { assertRepoPath } from './repo-id.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/**
 * @typedef {object} HubOptions
 * @property {string} [endpoint]   Hub base URL (mirrors work too). Default: env HF_ENDPOINT, else https://huggingface.co
 * @property {string} [token]      access token for private/gated repos. Default: env HF_TOKEN
 * @property {string} [revision]   branch, tag or commit sha. Default: 'main'
 * @property {boolean} [offline]   use only the cache. Default: env HF_HUB_OFFLINE is 1/true/yes/on
 * @property {string} [cacheDir]   Node cache folder. Default: env GMATRIX_EMBED_CACHE, else $XDG_CACHE_HOME/gmatrix-embed, else ~/.cache/gmatrix-embed
 * @property {import('./storage.js').HubStorage} [cache]  storage to use instead of the one for this environment
 * @property {AbortSignal} [signal] cancels the operation with an AbortError
 * @property {(event: import('./progress.js').ProgressEvent) => void} [onProgress]
 * @property {number} [maxRetries]   retries per file after a dropped connection, a stall, 429 or 5xx. Default 5
 * @property {number} [retryDelayMs] first retry delay, doubled each time (capped at 8 s). Default 500;
 *   a 429 or 503 answer's Retry-After (up to 60 s) replaces it
 * @property {number} [connectTimeoutMs] longest wait for a response's headers, per request and per
 *   redirect. Default: env HF_HUB_ETAG_TIMEOUT (seconds), else 10 s
 * @property {number} [readTimeoutMs] longest silence while a response body streams. Default: env
 *   HF_HUB_DOWNLOAD_TIMEOUT (seconds), else 60 s
 * @property {typeof fetch} [fetch]  fetch implementation. Default: globalThis.fetch
 */

/**
 * HubOptions after defaulting: what every other module of the hub client receives.
 * @typedef {object} ResolvedHubOptions
 * @property {string} endpoint  without trailing slash
 * @property {string | undefined} token
 * @property {string} revision
 * @property {boolean} offline
 * @property {string | undefined} cacheDir  undefined only when no home folder is known (browsers)
 * @property {import('./storage.js').HubStorage | undefined} cache
 * @property {AbortSignal | undefined} signal
 * @property {((event: import('./progress.js').ProgressEvent) => void) | undefined} onProgress
 * @property {number} maxRetries
 * @property {number} retryDelayMs
 * @property {number} connectTimeoutMs
 * @property {number} readTimeoutMs
 * @property {typeof fetch} fetch
 */

// Timeouts. Headers: the Hub's front end answers in well under a second, also for a 302 to its
// CDN, so no headers after 10 s means the server or the path to it is stuck (huggingface_hub
// waits 10 s for its metadata requests too). Body: 60 s without a single byte. A live but slow
// link still sends something every few seconds, whereas a CDN fetching a cold LFS object from
// storage, or a mobile link between cells, can pause for tens of seconds; since a stalled download
// resumes where it stopped, a stall costs only the wait, so the bound is generous rather than
// huggingface_hub's 10 s (which HF_HUB_DOWNLOAD_TIMEOUT=10 restores).
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_READ_TIMEOUT_MS = 60_000;

/**
 * Validates and defaults hub options.
 * @param {HubOptions} [options]
 * @param {Record<string, string | undefined>} [env]  environment variables (tests pass their own)
 * @returns {Readonly<ResolvedHubOptions>}
 */
export function resolveHubOptions(options = {}, env = readEnv()) {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('Hub options must be an object.');
  }
  const o = options;

  // Endpoint: explicit option, then HF_ENDPOINT (the variable the Python client honours, so one
  // setting covers both), then the public Hub. A trailing slash would double up in URLs.
  const endpoint = (o.endpoint ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new InvalidArgumentError(`Invalid Hub endpoint ${JSON.stringify(endpoint)}: expected an http(s) URL such as ${DEFAULT_ENDPOINT}.`);
  }

  // Token: explicit option, then HF_TOKEN. No token is fine for public repos.
  const token = o.token ?? nonEmpty(env.HF_TOKEN);
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw new InvalidArgumentError('token must be a non-empty string (a Hugging Face access token).');
  }

  // Revision: explicit option, else 'main' (the Hub's default branch). No env fallback on purpose:
  // a global setting that silently pins every model would surprise.
  const revision = o.revision ?? 'main';
  assertRepoPath(revision, 'revision');

  // Offline: explicit option wins (so a caller can force online), then HF_HUB_OFFLINE.
  const offline = o.offline ?? isTruthy(env.HF_HUB_OFFLINE);
  if (typeof offline !== 'boolean') throw new InvalidArgumentError('offline must be a boolean.');

  // Cache folder (Node only): option, then GMATRIX_EMBED_CACHE, then the XDG cache home, then
  // ~/.cache. HOME/USERPROFILE are read from the environment so this module needs no node:os
  // and still loads in browsers, where the folder is unused.
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE);
  const xdg = nonEmpty(env.XDG_CACHE_HOME) ?? (home && `${home}/.cache`);
  const cacheDir = o.cacheDir ?? nonEmpty(env.GMATRIX_EMBED_CACHE) ?? (xdg && `${xdg}/gmatrix-embed`);
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir === '')) {
    throw new InvalidArgumentError('cacheDir must be a non-empty string.');
  }

  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('signal must be an AbortSignal.');
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw new InvalidArgumentError('onProgress must be a function.');
  }
  // Retries: enough to ride out a flaky connection on a large file, bounded so a dead server fails.
  const maxRetries = o.maxRetries ?? 5;
  const retryDelayMs = o.retryDelayMs ?? 500;
  for (const [name, value] of [['maxRetries', maxRetries], ['retryDelayMs', retryDelayMs]]) {
    if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
  }
  // Timeouts: explicit option, then the huggingface_hub variable (seconds, fractions allowed),
  // then the defaults above. HF_HUB_ETAG_TIMEOUT bounds huggingface_hub's metadata round trip,
  // which is our wait for headers; HF_HUB_DOWNLOAD_TIMEOUT is its read timeout while a file streams.
  const connectTimeoutMs = o.connectTimeoutMs
    ?? secondsFromEnv(env, 'HF_HUB_ETAG_TIMEOUT') ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const readTimeoutMs = o.readTimeoutMs
    ?? secondsFromEnv(env, 'HF_HUB_DOWNLOAD_TIMEOUT') ?? DEFAULT_READ_TIMEOUT_MS;
  for (const [name, value] of [['connectTimeoutMs', connectTimeoutMs], ['readTimeoutMs', readTimeoutMs]]) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive integer (milliseconds).`);
  }
  // fetch: injectable for proxies or tests; the global one exists in Node 20 and browsers.
  // Bound: browsers refuse fetch called as opts.fetch(...) ('Illegal invocation').
  const fetchImpl = o.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchImpl !== 'function') throw new InvalidArgumentError('No fetch available; pass options.fetch.');

  return Object.freeze({
    endpoint, token, revision, offline, cacheDir, cache: o.cache, signal: o.signal,
    onProgress: o.onProgress, maxRetries, retryDelayMs, connectTimeoutMs, readTimeoutMs, fetch: fetchImpl,
  });
}

/** A timeout given in seconds by an environment variable, in ms; undefined when unset or empty. */
function secondsFromEnv(env, name) {
  const text = nonEmpty(env[name]?.trim());
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(seconds > 0) || seconds > 86_400) {
    throw new InvalidArgumentError(`${name} must be a positive number of seconds (at most 86400), got ${JSON.stringify(text.slice(0, 40))}.`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

function nonEmpty(value) {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTruthy(value) {
  return /^(1|true|yes|on)$/i.test(value ?? '');
}
