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
 * @property {number} [maxRetries]   retries per file after a dropped connection or 5xx. Default 5
 * @property {number} [retryDelayMs] first retry delay, doubled each time (capped at 8 s). Default 500
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
 * @property {typeof fetch} fetch
 */

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
  // fetch: injectable for proxies or tests; the global one exists in Node 20 and browsers.
  const fetchImpl = o.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new InvalidArgumentError('No fetch available; pass options.fetch.');

  return Object.freeze({
    endpoint, token, revision, offline, cacheDir, cache: o.cache, signal: o.signal,
    onProgress: o.onProgress, maxRetries, retryDelayMs, fetch: fetchImpl,
  });
}

function nonEmpty(value) {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTruthy(value) {
  return /^(1|true|yes|on)$/i.test(value ?? '');
}
