// The Web Worker side of createWorkerEmbedder (./worker-embedder.js): one Embedder, driven by
// messages. Requests: {id, type: 'load'|'embed'|'tokenize'|'abort', ...}; replies: {id, type:
// 'progress', event}, {id, type: 'done', value} or {id, type: 'error', error}. Embeddings are
// transferred, not copied. Embedder.embed yields between batches, so an 'abort' message is read
// while an embed runs and stops it before its next batch.
import { GmatrixEmbedError } from '../errors.js';
import { serializeError } from './wire-errors.js';

// Imported dynamically so that the listener below is in place at once (the package awaits its
// WebAssembly core at its top level); a bundle may inline it anyway, so the page also waits
// for the 'ready' message posted once the listener is set. A failed import is reported by the
// 'load' request.
const embedderModule = import('../embedder.js');
embedderModule.catch(() => {});

let model;
const running = new Map(); // request id -> AbortController

const handlers = {
  async load({ source, options, progress }, signal, onProgress) {
    const { Embedder } = await embedderModule.catch((err) => {
      throw new GmatrixEmbedError('E_WORKER', `The embedding worker could not import the package: ${err?.message ?? err}. ` +
        "Workers do not read the page's import map: served without a bundler, bundle js/src/worker/worker-entry.js " +
        "and pass its URL as the 'workerUrl' option.", { cause: err });
    });
    model = await Embedder.load(source, { ...options, signal, ...(progress ? { onProgress } : {}) });
    return { value: model.info };
  },
  async embed({ texts, options, progress }, signal, onProgress) {
    const result = await model.embed(texts, { ...options, signal, ...(progress ? { onProgress } : {}) });
    return { value: result, transfer: [result.data.buffer] };
  },
  async tokenize({ text }) {
    return { value: model.tokenize(text) };
  },
};

self.onmessage = async ({ data: { id, type, ...request } }) => {
  if (type === 'abort') {
    running.get(request.target)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(id, controller);
  const onProgress = (event) => self.postMessage({ id, type: 'progress', event });
  try {
    const { value, transfer = [] } = await handlers[type](request, controller.signal, onProgress);
    self.postMessage({ id, type: 'done', value }, transfer);
  } catch (err) {
    self.postMessage({ id, type: 'error', error: serializeError(err) });
  } finally {
    running.delete(id);
  }
};

// Requests are sent only after this: see WorkerEmbedder's #ready.
self.postMessage({ type: 'ready' });
