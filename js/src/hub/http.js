// One request to the Hub: authentication, redirects, and turning failures into the package's
// error classes. Retrying is the caller's business (retry.js).
import { AbortError, FileNotFoundError, GmatrixEmbedError, NetworkError } from '../errors.js';
import { isNode } from './env.js';

const MAX_REDIRECTS = 10;

/**
 * Metadata the Hub attaches to a `resolve` answer. For LFS files these ride on the Hub's 302 to
 * its CDN, not on the CDN's answer, which is why Node follows redirects by hand.
 * @typedef {object} LinkedMeta
 * @property {string} [commit]      X-Repo-Commit: the commit the revision resolved to
 * @property {string} [linkedEtag]  X-Linked-Etag: for LFS files, the quoted sha256 of the content
 * @property {string} [linkedSize]  X-Linked-Size: for LFS files, the content size
 */

/**
 * Fetches `url`, sending the token only to the Hub endpoint's own origin (never to the CDN a
 * download is redirected to). Node follows redirects itself to read the headers on each hop;
 * browsers cannot (a manual redirect is opaque there) and let fetch follow them.
 * @param {string} url
 * @param {import('./options.js').ResolvedHubOptions} opts
 * @param {{headers?: Record<string, string>, method?: string}} [init]
 * @returns {Promise<{response: Response, meta: LinkedMeta}>}
 */
export async function hubFetch(url, opts, { headers = {}, method = 'GET' } = {}) {
  const hubOrigin = new URL(opts.endpoint).origin;
  const meta = {};
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const sent = { ...headers };
    if (opts.token && current.origin === hubOrigin) sent.Authorization = `Bearer ${opts.token}`;
    let response;
    try {
      response = await opts.fetch(current.href, {
        method, headers: sent, signal: opts.signal, redirect: isNode ? 'manual' : 'follow',
      });
    } catch (err) {
      throw toTransferError(err, opts.signal, current.href);
    }
    collectMeta(meta, response.headers);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, meta };
    await response.body?.cancel().catch(() => {});
    if (hop >= MAX_REDIRECTS) throw new NetworkError(`Too many redirects while fetching ${url}.`);
    current = new URL(location, current); // relative Locations occur for renamed repos
  }
}

// First value wins: a later hop (the CDN) must not overwrite what the Hub said.
function collectMeta(meta, headers) {
  meta.commit ??= headers.get('x-repo-commit') ?? undefined;
  meta.linkedEtag ??= headers.get('x-linked-etag') ?? undefined;
  meta.linkedSize ??= headers.get('x-linked-size') ?? undefined;
}

/**
 * Maps an unsuccessful HTTP answer to an error naming what was asked for and how to fix it.
 * Errors worth retrying (429, 5xx) carry `retryable: true`; all carry the `status`.
 * @param {Response} response
 * @param {{what: string, url: string, token?: string}} context  `what` e.g. 'file "x" in owner/name at revision "main"'
 */
export function httpError(response, { what, url, token }) {
  response.body?.cancel().catch(() => {});
  const { status } = response;
  const code = response.headers.get('x-error-code');
  const serverMessage = response.headers.get('x-error-message');
  const detail = `HTTP ${status}${code ? ` ${code}` : ''}${serverMessage ? `: ${serverMessage}` : ''}; ${url}`;
  let err;
  if (status === 404) {
    err = new FileNotFoundError(`Not found on the Hub: ${what} (${detail}). Check the repository id, the revision and the file name.`);
  } else if (status === 401) {
    // The Hub answers 401, not 404, for a repo that does not exist or is private, so that
    // anonymous callers cannot probe which private repos exist.
    const fix = token
      ? 'The token was rejected: check HF_TOKEN or options.token.'
      : 'If the repository is private or gated, set HF_TOKEN or pass options.token.';
    err = new FileNotFoundError(`Not found or not accessible: ${what} (${detail}). ${fix}`);
  } else if (status === 403) {
    err = new NetworkError(`Access denied to ${what} (${detail}). For a gated model, accept its terms on the model page and use a token with read access.`);
  } else {
    const retryable = status === 429 || status >= 500;
    err = new NetworkError(`Could not fetch ${what} (${detail}).${retryable ? ' The Hub may be busy or down; try again later.' : ''}`);
    err.retryable = retryable;
  }
  err.status = status;
  return err;
}

/**
 * Turns what fetch or a body read threw into AbortError (if the signal fired) or a retryable
 * NetworkError (connection refused, reset, dropped mid-body, ...). Package errors pass through.
 */
export function toTransferError(err, signal, url) {
  if (signal?.aborted) return new AbortError('Download aborted.', { cause: signal.reason });
  if (err instanceof GmatrixEmbedError) return err;
  const reason = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err);
  const wrapped = new NetworkError(`Network error while fetching ${url}: ${reason}. Check the connection, or use offline mode with a filled cache.`, { cause: err });
  wrapped.retryable = true;
  return wrapped;
}

/** Throws the package's AbortError if `signal` has fired. */
export function throwIfAborted(signal) {
  if (signal?.aborted) throw new AbortError('Download aborted.', { cause: signal.reason });
}
