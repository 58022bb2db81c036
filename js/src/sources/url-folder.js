// A model folder served over HTTP(S) at a base URL (browsers and Node alike).
import { FileNotFoundError, NetworkError } from '../errors.js';

export class UrlFolderSource {
  /** @param {string} baseUrl @param {{fetch?: typeof fetch}} [options] */
  constructor(baseUrl, options = {}) {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    // In a page, '/models/x/' is relative to the page; URL() needs it made absolute first.
    this.base = globalThis.location?.href ? new URL(base, globalThis.location.href).href : base;
    // Bound: browsers refuse fetch called on another object ('Illegal invocation').
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
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
    return response.ok;
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
    return new Uint8Array(await response.arrayBuffer());
  }

  async readText(file) {
    return new TextDecoder().decode(await this.readBytes(file));
  }
}
