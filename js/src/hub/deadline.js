// Time bounds for one Hub request: how long to wait for response headers (connectTimeoutMs, per
// redirect hop) and for each piece of the body (readTimeoutMs). Without them a server that sends
// headers and then nothing stalls a download forever. Each request gets its own AbortController,
// linked to the caller's signal: a timeout cancels the connection without touching the caller's
// signal, and the caller's abort still cancels the request. A timeout is a retryable NetworkError,
// so retry.js retries it like a dropped connection (and a download resumes where it stopped).
import { GmatrixEmbedError, NetworkError } from '../errors.js';
import { toTransferError, urlForMessage } from './http.js';

export class RequestDeadline {
  /** @param {import('./options.js').ResolvedHubOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.controller = new AbortController();
    this.onAbort = () => this.controller.abort(opts.signal.reason);
    if (opts.signal?.aborted) this.onAbort(); // no 'abort' event will come for it
    else opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The signal to pass to fetch. */
  get signal() {
    return this.controller.signal;
  }

  /** Stops listening to the caller's signal; call once the request is over (withDeadline does). */
  release() {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  /**
   * Awaits `request` (a fetch), failing once connectTimeoutMs pass without response headers.
   * @template T
   * @param {Promise<T>} request
   * @param {string} url
   * @returns {Promise<T>}
   */
  headers(request, url) {
    return this.within(request, this.opts.connectTimeoutMs, () => timeoutError(
      `No response from ${urlForMessage(url)} within ${seconds(this.opts.connectTimeoutMs)}`,
      'connectTimeoutMs or HF_HUB_ETAG_TIMEOUT'), url);
  }

  /**
   * The body's chunks, failing once `timeoutMs` (readTimeoutMs) pass without a byte.
   * @param {Response} response
   * @param {string} url
   * @param {number} [timeoutMs]
   * @returns {AsyncGenerator<Uint8Array>}
   */
  async* chunks(response, url, timeoutMs = this.opts.readTimeoutMs) {
    if (!response.body) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const result = await this.within(reader.read(), timeoutMs, () => timeoutError(
          `${urlForMessage(url)} sent no data for ${seconds(timeoutMs)}`,
          'readTimeoutMs or HF_HUB_DOWNLOAD_TIMEOUT'), url);
        if (result.done) return;
        yield result.value;
      }
    } finally {
      reader.cancel().catch(() => {}); // frees the connection when we stop early
    }
  }

  /**
   * The whole body as text, refused past `maxBytes` (a listing has no business being larger).
   * @param {Response} response
   * @param {string} url
   * @param {number} maxBytes
   * @param {string} what  names the body in the error
   */
  async text(response, url, maxBytes, what) {
    const chunks = [];
    let length = 0;
    for await (const chunk of this.chunks(response, url)) {
      length += chunk.length;
      if (length > maxBytes) {
        throw new NetworkError(`${what} from ${urlForMessage(url)} is larger than ${maxBytes} bytes; refused. Is HF_ENDPOINT a Hugging Face Hub?`);
      }
      chunks.push(chunk);
    }
    const all = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(all);
  }

  // Races `promise` against a timer; on timeout the request is cancelled. Failures that are not
  // the package's own become NetworkError (or AbortError when the caller's signal fired).
  async within(promise, ms, makeTimeoutError, url) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(makeTimeoutError()); // first: aborting makes `promise` reject too, and it must not win
        this.controller.abort();
      }, ms);
    });
    promise.catch(() => {}); // after a timeout it settles unobserved
    try {
      return await Promise.race([promise, timeout]);
    } catch (err) {
      if (err instanceof GmatrixEmbedError) throw err;
      throw toTransferError(err, this.opts.signal, url);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs `work` with a fresh deadline and releases it afterwards, however `work` ends.
 * @template T
 * @param {import('./options.js').ResolvedHubOptions} opts
 * @param {(deadline: RequestDeadline) => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function withDeadline(opts, work) {
  const deadline = new RequestDeadline(opts);
  try {
    return await work(deadline);
  } finally {
    deadline.release();
  }
}

function timeoutError(what, setting) {
  const err = new NetworkError(`${what} (the limit is set by ${setting}). Check the connection; a retry resumes where the download stopped.`);
  err.retryable = true;
  return err;
}

function seconds(ms) {
  return `${ms / 1000} s`;
}
