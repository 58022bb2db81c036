// A model folder served over HTTP(S) at a base URL (browsers and Node alike).
import { FileNotFoundError, NetworkError } from '../errors.js';

// Development servers of single-page apps (Vite's default, webpack-dev-server's
// historyApiFallback) answer a missing file with index.html and status 200. No model file is an
// HTML page, so such an answer means the file is not there.
function isHtmlFallback(response, file) {
  return /^text\/html\b/i.test(response.headers?.get?.('content-type') ?? '') && !/\.html?$/i.test(file);
}

export class UrlFolderSource {
  /**
   * @param {string} baseUrl
   * @param {{fetch?: typeof fetch, onProgress?: Function}} [options]  onProgress receives
   *   {file, fileLoaded, fileTotal, loaded, total, status: 'download'|'done'} per file read
   */
  constructor(baseUrl, options = {}) {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    // In a page, '/models/x/' is relative to the page; URL() needs it made absolute first.
    this.base = globalThis.location?.href ? new URL(base, globalThis.location.href).href : base;
    // Bound: browsers refuse fetch called on another object ('Illegal invocation').
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.onProgress = options.onProgress;
    this.description = `URL ${this.base}`;
  }

  async #get(file, method = 'GET') {
    const url = new URL(file, this.base).href;
    try {
      return await this.fetch(url, { method });
    } catch (err) {
      throw new NetworkError(`Could not fetch ${url}: ${err.message}. Check the URL and your connection.`,
        { cause: err });
    }
  }

  async has(file) {
    const response = await this.#get(file, 'HEAD');
    return response.ok && !isHtmlFallback(response, file);
  }

  async readBytes(file) {
    const response = await this.#get(file);
    if (response.status === 404) {
      throw new FileNotFoundError(`${file} is missing from ${this.description}; a sentence-transformers ` +
        'model folder needs it.');
    }
    if (!response.ok) {
      throw new NetworkError(`Fetching ${file} from ${this.description} failed with HTTP ${response.status}.`);
    }
    if (isHtmlFallback(response, file)) {
      throw new FileNotFoundError(`${file} is missing from ${this.description}: the server answered with an HTML ` +
        'page (a single-page-app fallback), not the file. Put the model files under that URL.');
    }
    return this.#body(file, response);
  }

  // Reads the body in chunks when someone listens for progress (model files are hundreds of MB).
  async #body(file, response) {
    const size = Number(response.headers?.get?.('content-length'));
    const total = Number.isFinite(size) && size > 0 ? size : undefined;
    if (!this.onProgress || !response.body?.getReader) return new Uint8Array(await response.arrayBuffer());
    const reader = response.body.getReader();
    const chunks = [];
    let loaded = 0;
    const report = (status) => this.onProgress({ file, fileLoaded: loaded, fileTotal: total, loaded, total, status });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      report('download');
    }
    report('done');
    const bytes = new Uint8Array(loaded);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  }

  async readText(file) {
    return new TextDecoder().decode(await this.readBytes(file));
  }
}
