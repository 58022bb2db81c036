// One request to the Hub: authentication, redirects, and turning failures into the package's
// error classes. Retrying is the caller's business (retry.js), time bounds are deadline.js's.
// Whatever a server says (an error body, a header) reaches messages only escaped and cut short.
import { AbortError, FileNotFoundError, GmatrixEmbedError, NetworkError, quoteUntrusted } from '../errors.js';
import { isNode } from './env.js';

const MAX_REDIRECTS = 10;
// Longest wait a Retry-After may ask for. Past it the call fails at once, saying when to try
// again: blocking a load for minutes on a busy Hub is worse than a clear error.
export const MAX_RETRY_AFTER_MS = 60_000;
// An error body is read only for its message: the first few KB.
const MAX_ERROR_BODY_BYTES = 4096;

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
 * @param {{headers?: Record<string, string>, method?: string, deadline: import('./deadline.js').RequestDeadline}} init
 *   `deadline` bounds the wait for each hop's headers and carries the request's signal
 * @returns {Promise<{response: Response, meta: LinkedMeta}>}
 */
export async function hubFetch(url, opts, { headers = {}, method = 'GET', deadline }) {
  const hubOrigin = new URL(opts.endpoint).origin;
  const meta = {};
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const sent = { ...headers };
    if (opts.token && current.origin === hubOrigin) sent.Authorization = `Bearer ${opts.token}`;
    let request;
    try {
      request = opts.fetch(current.href, {
        method, headers: sent, signal: deadline.signal, redirect: isNode ? 'manual' : 'follow',
      });
    } catch (err) { // a fetch that throws instead of rejecting
      throw toTransferError(err, opts.signal, current.href);
    }
    const response = await deadline.headers(Promise.resolve(request), current.href);
    collectMeta(meta, response.headers);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, meta };
    await response.body?.cancel().catch(() => {});
    if (hop >= MAX_REDIRECTS) throw new NetworkError(`Too many redirects while fetching ${urlForMessage(url)}.`);
    current = redirectTarget(location, current); // relative Locations occur for renamed repos
  }
}

// Only http(s) redirects are followed; anything else (file:, data:, a malformed URL) is refused.
function redirectTarget(location, current) {
  let target = null;
  try {
    target = new URL(location, current);
  } catch { /* malformed: refused below */ }
  if (!target || !/^https?:$/.test(target.protocol)) {
    throw new NetworkError(`${urlForMessage(current.href)} redirects to ${quoteUntrusted(location, 100)}, which is not an http(s) URL; refused.`);
  }
  return target;
}

// First value wins: a later hop (the CDN) must not overwrite what the Hub said.
function collectMeta(meta, headers) {
  meta.commit ??= headers.get('x-repo-commit') ?? undefined;
  meta.linkedEtag ??= headers.get('x-linked-etag') ?? undefined;
  meta.linkedSize ??= headers.get('x-linked-size') ?? undefined;
}

/**
 * Maps an unsuccessful HTTP answer to an error naming what was asked for and how to fix it.
 * Errors worth retrying (429, 5xx) carry `retryable: true`, and `retryAfterMs` when the server
 * said how long to wait; all carry the `status`. The server's own message (the X-Error-Message
 * header, else the start of the body) is quoted escaped and cut short.
 * @param {Response} response
 * @param {{what: string, url: string, token?: string}} context  `what` e.g. 'file "x" in owner/name at revision "main"'
 * @param {import('./deadline.js').RequestDeadline} deadline  bounds reading the error body
 * @returns {Promise<GmatrixEmbedError>}
 */
export async function httpError(response, { what, url, token }, deadline) {
  const { status } = response;
  const code = response.headers.get('x-error-code');
  const serverMessage = response.headers.get('x-error-message') ?? await errorBodyMessage(response, url, deadline);
  // Shown as the server wrote them (the constructor escapes control characters), cut short.
  const detail = `HTTP ${status}${code ? ` ${cut(code, 60)}` : ''}`
    + `${serverMessage ? `: ${cut(serverMessage, 300)}` : ''}; ${urlForMessage(url)}`;
  response.body?.cancel().catch(() => {});
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
    // Retry-After is honoured on 429 (RFC 6585) and 503 (RFC 9110), the statuses that define it.
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) {
      const when = new Date(Date.now() + retryAfterMs).toISOString();
      err = new NetworkError(`Could not fetch ${what} (${detail}). The Hub asks to wait ${Math.ceil(retryAfterMs / 1000)} s `
        + `before retrying, longer than the ${MAX_RETRY_AFTER_MS / 1000} s this client waits; try again after ${when}.`);
      err.retryAfterMs = retryAfterMs;
    } else {
      err = new NetworkError(`Could not fetch ${what} (${detail}).${retryable ? ' The Hub may be busy or down; try again later.' : ''}`);
      err.retryable = retryable;
      if (retryAfterMs !== undefined) err.retryAfterMs = retryAfterMs;
    }
  }
  err.status = status;
  return err;
}

/**
 * Retry-After as milliseconds from now: delay-seconds or an HTTP-date (RFC 9110 10.2.3); a date
 * in the past is 0. Undefined when absent or unreadable (the usual backoff applies then).
 * @param {string | null} value
 * @returns {number | undefined}
 */
export function parseRetryAfter(value) {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return Math.min(Number(text), 2 ** 31) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

// The message in an error body: the Hub's JSON {"error": "..."}, else the text itself. Read within
// the deadline and only its first few KB; a body that cannot be read just leaves the detail out.
async function errorBodyMessage(response, url, deadline) {
  if (!response.body) return undefined;
  let text = '';
  try {
    const decoder = new TextDecoder();
    // An error body comes with its headers; a server that stalls it gets only the headers' wait.
    for await (const chunk of deadline.chunks(response, url, deadline.opts.connectTimeoutMs)) {
      text += decoder.decode(chunk.subarray(0, MAX_ERROR_BODY_BYTES - text.length), { stream: true });
      if (text.length >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    return undefined;
  }
  try {
    const json = JSON.parse(text);
    if (typeof json?.error === 'string') return json.error;
  } catch { /* not JSON: use the text */ }
  return text.trim() || undefined;
}

/**
 * Turns what fetch or a body read threw into AbortError (if the signal fired) or a retryable
 * NetworkError (connection refused, reset, dropped mid-body, ...). Package errors pass through.
 */
export function toTransferError(err, signal, url) {
  if (signal?.aborted) return new AbortError('Download aborted.', { cause: signal.reason });
  if (err instanceof GmatrixEmbedError) return err;
  const reason = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err);
  const wrapped = new NetworkError(`Network error while fetching ${urlForMessage(url)}: ${String(reason).slice(0, 300)}. Check the connection, or use offline mode with a filled cache.`, { cause: err });
  wrapped.retryable = true;
  return wrapped;
}

/**
 * A URL for an error message: without its query string, which on a CDN redirect holds a signed,
 * short-lived credential that has no place in logs.
 * @param {string} url
 */
export function urlForMessage(url) {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return quoteUntrusted(String(url), 200);
  }
}

/** Throws the package's AbortError if `signal` has fired. */
export function throwIfAborted(signal) {
  if (signal?.aborted) throw new AbortError('Download aborted.', { cause: signal.reason });
}

function cut(text, maxLength) {
  return text.length > maxLength ? `${text.slice(0, maxLength)}... (${text.length} characters)` : text;
}
