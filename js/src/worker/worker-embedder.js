// The Embedder API with the model in a Web Worker: loading, tokenizing and the encoder run off
// the page's main thread, which stays free to render and handle input while a large list embeds.
//   const model = await createWorkerEmbedder('/models/gmatrix/', { onProgress });
//   const { data, dims } = await model.embed(texts, { signal });
// Requests go to ./worker-entry.js as messages; results come back transferred (not copied),
// errors as the same classes they were thrown as (./wire-errors.js).
import { AbortError, DisposedError, GmatrixEmbedError, InvalidArgumentError } from '../errors.js';
import { EMBED_OPTION_NAMES, LOAD_OPTION_NAMES, checkKnown, checkTexts, describe } from '../options.js';
import { REPO_ID_SHAPE } from '../layout.js';
import { pairSimilarity } from '../similarity.js';
import { reviveError } from './wire-errors.js';

const WORKER_OPTION_NAMES = new Set([...LOAD_OPTION_NAMES, 'workerUrl']);

/**
 * Loads a model in a new module worker.
 * @param {string} [source] a base URL (relative ones are relative to the page) or a Hub
 *   repository id; default DEFAULT_MODEL
 * @param {object} [options] Embedder.load's options (not `fetch` or `cache`, which cannot cross
 *   into a worker), plus `workerUrl`: the worker script, when it is not served beside this file
 * @returns {Promise<WorkerEmbedder>}
 */
export async function createWorkerEmbedder(source, options) {
  if (typeof Worker !== 'function') {
    throw new GmatrixEmbedError('E_WORKER_UNAVAILABLE', 'createWorkerEmbedder needs Web Workers (a browser); ' +
      "in Node use Embedder.load (in a worker_threads Worker of your own if the main thread must stay free).");
  }
  const { workerUrl, onProgress, signal, ...loadOptions } = checkKnown(options, WORKER_OPTION_NAMES, 'createWorkerEmbedder');
  for (const name of ['fetch', 'cache']) {
    if (loadOptions[name] !== undefined) {
      throw new InvalidArgumentError(`Option '${name}' cannot be sent to a worker (functions and objects with ` +
        'methods do not cross); use Embedder.load in the page for it.');
    }
  }
  checkProgress(onProgress);
  const sent = sourceForWorker(source);
  // The literal `new Worker(new URL(..., import.meta.url))` is what bundlers (Vite, webpack)
  // recognize: they bundle the worker script and rewrite this URL to it.
  const worker = workerUrl === undefined
    ? new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module' })
    : new Worker(workerUrl, { type: 'module' });
  const model = new WorkerEmbedder(worker);
  try {
    await model._load(sent, loadOptions, { onProgress, signal });
  } catch (err) {
    await model.dispose();
    throw err;
  }
  return model;
}

export class WorkerEmbedder {
  #worker;
  #info;
  #nextId = 0;
  #pending = new Map(); // request id -> {resolve, reject, onProgress}
  #failure; // set once the worker itself failed or was disposed: every later call rejects with it
  // Resolved by the worker's 'ready' message, sent once its listener is in place. Requests wait
  // for it: a bundle that inlines the package (esbuild without code splitting) awaits the
  // WebAssembly core before it can listen, and a message posted earlier would be lost.
  #ready;
  #markReady;

  /** @private use createWorkerEmbedder */
  constructor(worker) {
    this.#worker = worker;
    this.#ready = new Promise((resolve) => { this.#markReady = resolve; });
    worker.onmessage = ({ data }) => this.#receive(data);
    // A script that fails to load (or an error nothing in the worker caught) ends the worker's
    // usefulness: everything waiting and everything later fails with this error.
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#fail(new GmatrixEmbedError('E_WORKER', `The embedding worker failed: ${event.message || 'its script did not load'}. ` +
        'Served without a bundler, its imports need the import map the page has (workers do not read it): ' +
        "bundle js/src/worker/worker-entry.js and pass its URL as the 'workerUrl' option."));
    };
  }

  /** What was loaded, as Embedder#info (backend, dimensions, ...). */
  get info() {
    return this.#info;
  }

  /** @private */
  async _load(source, options, { onProgress, signal }) {
    this.#info = Object.freeze(await this.#call({ type: 'load', source, options, progress: Boolean(onProgress) }, { onProgress, signal }));
  }

  /**
   * As Embedder#embed, in the worker. `signal` stops it before its next batch (AbortError) and
   * leaves the model usable; the result's Float32Array was transferred from the worker.
   * @returns {Promise<{data: Float32Array, dims: [number, number]}>}
   */
  async embed(texts, options) {
    const list = checkTexts(texts, 'embed');
    const { onProgress, signal, ...rest } = checkKnown(options, EMBED_OPTION_NAMES, 'embed');
    checkProgress(onProgress);
    return this.#call({ type: 'embed', texts: list, options: rest, progress: Boolean(onProgress) }, { onProgress, signal });
  }

  /** As Embedder#tokenize, but asynchronous: the tokenizer lives in the worker. */
  async tokenize(text) {
    checkTexts([text], 'tokenize');
    return this.#call({ type: 'tokenize', text });
  }

  /** Similarity of two embeddings; computed here (it needs no model). */
  similarity(a, b, metric = 'cosine') {
    return pairSimilarity(a, b, metric);
  }

  /** Ends the worker (and with it the model's memory); running and later calls reject with DisposedError. */
  async dispose() {
    if (this.#failure instanceof DisposedError) return;
    this.#fail(new DisposedError('This worker model was disposed; create another with createWorkerEmbedder().'));
  }

  #call(request, { onProgress, signal } = {}) {
    if (this.#failure) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(new AbortError(`${request.type} was aborted before it started.`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const abort = () => this.#post({ id: this.#nextId++, type: 'abort', target: id });
      signal?.addEventListener('abort', abort, { once: true });
      const settle = (fn) => (value) => {
        signal?.removeEventListener('abort', abort);
        this.#pending.delete(id);
        fn(value);
      };
      this.#pending.set(id, { resolve: settle(resolve), reject: settle(reject), onProgress });
      this.#post({ id, ...request });
    });
  }

  #post(message) {
    this.#ready.then(() => {
      if (!this.#failure) this.#worker.postMessage(message);
    });
  }

  #receive({ id, type, value, event, error }) {
    if (type === 'ready') {
      this.#markReady();
      return;
    }
    const pending = this.#pending.get(id);
    if (!pending) return;
    if (type === 'progress') pending.onProgress?.(event);
    else if (type === 'done') pending.resolve(value);
    else pending.reject(reviveError(error));
  }

  #fail(error) {
    this.#failure = error;
    this.#worker.terminate();
    for (const { reject } of [...this.#pending.values()]) reject(error);
  }
}

// A relative URL names a folder relative to the page; the worker would resolve it against its own
// script's URL, so it is made absolute here. Repository ids and absolute URLs pass unchanged.
function sourceForWorker(source) {
  if (source === undefined) return undefined;
  if (typeof source !== 'string') {
    throw new InvalidArgumentError(`createWorkerEmbedder(source) takes a URL or a Hub repository id; got ${describe(source)}. ` +
      'A source object cannot be sent to a worker: use Embedder.load in the page for it.');
  }
  if (source === '' || REPO_ID_SHAPE.test(source) || /^[a-z][a-z0-9+.-]*:/i.test(source)) return source;
  return new URL(source, globalThis.document?.baseURI ?? globalThis.location.href).href;
}

function checkProgress(onProgress) {
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidArgumentError(`Option 'onProgress' must be a function; got ${describe(onProgress)}.`);
  }
}
