// The public API: load a sentence-transformers model, embed texts, compare embeddings.
//   texts -> wasm tokenizer (one call per batch) -> ONNX session -> wasm pooling -> vectors
import { core, unwrap } from './core.js';
import { AbortError, DisposedError, InvalidArgumentError, ModelFormatError } from './errors.js';
import { checkLoadOptions, checkTexts, resolveEmbedOptions, resolveLoadOptions } from './options.js';
import { readModelFolder } from './model-folder.js';
import { locateModel } from './loader/locate-model.js';
import { openBackend, startBackend } from './backends/index.js';
import { planBatches } from './batching.js';
import { createYielder } from './event-loop.js';
import { WasmTokenizer } from './wasm-tokenizer.js';
import { pairSimilarity } from './similarity.js';

import { DEFAULT_MODEL, knownModel } from '../../models/registry.js';

export { DEFAULT_MODEL };

/** @typedef {{data: Float32Array, dims: [number, number]}} Embeddings */

export class Embedder {
  /**
   * @param {string|object} [source] a local folder (Node), a base URL, a Hub repository id, or a
   *   source object ({description, has, readText, readBytes}). Defaults to DEFAULT_MODEL.
   * @param {object} [options] see README "API"
   */
  static async load(source = DEFAULT_MODEL, options = undefined) {
    startBackend(...checkLoadOptions(options));
    const known = typeof source === 'string' ? knownModel(source) : undefined;
    // A known model's pinned revision applies unless the caller picks one.
    if (known && options?.revision === undefined) options = { ...options, revision: known.revision };
    // checkLoadOptions has validated dtype: undefined lets the loader take what the folder has.
    const located = await locateModel(source, options ?? {});
    const { folder, onnxSource, onnxPath, externalDataPath } = located;
    const settings = await readModelFolder(folder);
    const resolved = resolveLoadOptions(options, settings);
    resolved.dtype = located.dtype;
    resolved.dtypeReason = located.dtypeReason;
    const dimensions = settings.hiddenSize * countModes(settings.pooling);
    const tokenizer = WasmTokenizer.create(settings.tokenizer, settings.tokenizerData, resolved.maxLength);
    // Nothing created here outlives a failed load: the tokenizer's WASM memory and the session
    // are released before the error reaches the caller.
    let opened;
    try {
      opened = await openBackend(resolved.backend, { source: onnxSource, onnxPath, externalDataPath },
        { threads: resolved.threads });
      return new Embedder({ settings, resolved, tokenizer, opened, dimensions, description: folder.description, onnxPath, known, conversion: located.conversion });
    } catch (err) {
      tokenizer.delete();
      await opened?.backend.dispose().catch(() => {});
      throw err;
    }
  }

  /** @private use Embedder.load */
  constructor({ settings, resolved, tokenizer, opened, dimensions, description, onnxPath, known, conversion }) {
    this.#settings = settings;
    this.#options = resolved;
    this.#tokenizer = tokenizer;
    this.#backend = opened.backend;
    /** What was loaded: for logs, and for choosing how to use the vectors. */
    this.info = Object.freeze({
      source: description,
      onnx: onnxPath,
      /** Set when the folder had weights but no ONNX file: {from, cached, location?}. */
      conversion: conversion && Object.freeze({ ...conversion }),
      modelType: settings.modelType,
      dimensions,
      maxLength: resolved.maxLength,
      normalize: resolved.normalize,
      pooling: Object.keys(settings.pooling).filter((mode) => settings.pooling[mode]),
      threads: resolved.threads,
      dtype: resolved.dtype,
      /** 'requested', 'default' (fp32), or why another precision was taken (a quantized-only folder). */
      dtypeReason: resolved.dtypeReason,
      /** The encoder backend that runs ('wasm' or 'native'), and why it was chosen. */
      backend: opened.name,
      backendReason: opened.reason,
      /** Load-time graph rewrites that were applied (see js/src/graph/optimize.js). */
      graphPasses: opened.backend.graphPasses,
      license: known?.license,
    });
  }

  #settings;
  #options;
  #tokenizer;
  #backend;
  #queue = Promise.resolve();
  #disposed = false;

  #checkAlive() {
    if (this.#disposed) throw new DisposedError();
  }

  /**
   * Token ids and tokens exactly as the model sees them ([CLS] ... [SEP], truncated). Tokens are
   * the reference tokenizer's: WordPiece's unknown word is '[UNK]', SentencePiece's unknown
   * piece keeps its text (e.g. 'é' for id 3), as its encode(out_type=str) gives it.
   * @param {string} text
   * @returns {{ids: number[], tokens: string[], truncated: boolean}}
   */
  tokenize(text) {
    this.#checkAlive();
    checkTexts([text], 'tokenize');
    const { ids, truncated } = this.#tokenizer.encode(text);
    return { ids, tokens: this.#tokenizer.tokens(ids, text), truncated };
  }

  /**
   * Embeds texts. All texts are tokenized first; batches are then formed from texts of similar
   * token counts (little padding) within a budget of padded tokens; results come back in input order.
   * @param {string|string[]} texts
   * @param {{normalize?: boolean, batchSize?: number, batchTokens?: number, onProgress?: (p: {done: number, total: number}) => void, signal?: AbortSignal}} [options]
   * @returns {Promise<Embeddings>}
   */
  async embed(texts, options) {
    this.#checkAlive();
    const list = checkTexts(texts, 'embed');
    const opts = resolveEmbedOptions(options, this.#options);
    // One embed at a time per model: ONNX Runtime sessions are not re-entrant.
    const run = this.#queue.then(() => this.#embedAll(list, opts));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #embedAll(list, { normalize, batchSize, batchTokens, onProgress, signal }) {
    this.#checkAlive();
    const dims = this.info.dimensions;
    // Allocated once the first batch has shown that the graph's width agrees with config.json
    // (#embedBatch refuses a mismatch): a config claiming a huge hidden_size must not size it.
    let out = list.length === 0 ? new Float32Array(0) : undefined;
    const encoded = this.#tokenizer.encodeMany(list.map(wellFormed));
    const yieldNow = createYielder();
    try {
      let done = 0;
      for (const indices of planBatches(encoded.lengths(), { maxRows: batchSize, maxTokens: batchTokens })) {
        await yieldNow();
        this.#checkAlive();
        if (signal?.aborted) throw new AbortError('embed was aborted; embeddings computed so far were discarded.');
        const pooled = await this.#embedBatch(unwrap(encoded.batch(indices)), normalize);
        out ??= new Float32Array(list.length * dims);
        indices.forEach((original, row) => out.set(pooled.subarray(row * dims, (row + 1) * dims), original * dims));
        done += indices.length;
        onProgress?.({ done, total: list.length });
      }
    } finally {
      encoded.delete();
    }
    return { data: out, dims: [list.length, dims] };
  }

  async #embedBatch(batch, normalize) {
    const hidden = await this.#backend.run({
      ids64: new BigInt64Array(batch.ids64.buffer),
      mask64: new BigInt64Array(batch.mask64.buffer),
      rows: batch.rows,
      sequenceLength: batch.sequenceLength,
    });
    this.#checkAlive();
    const [rows, sequence, width] = hidden.dims;
    // The vector width comes from the graph; a config.json that says otherwise would misplace
    // every row of the result, so it is refused rather than padded or cut.
    if (width !== this.#settings.hiddenSize) {
      throw new ModelFormatError(`The ONNX model outputs ${width} values per token but config.json says ` +
        `hidden_size ${this.#settings.hiddenSize}; use the config.json that belongs to this model.`);
    }
    return unwrap(core.pool(this.#settings.pooling, hidden.data, batch.attentionMask, rows, sequence, width, normalize));
  }

  /**
   * Similarity of two embeddings (Float32Array or number[]); see similarity() for metrics.
   */
  similarity(a, b, metric = 'cosine') {
    return pairSimilarity(a, b, metric);
  }

  /** Frees the WASM memory and ONNX session. Later calls throw DisposedError. */
  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#queue;
    this.#tokenizer.delete();
    await this.#backend.dispose();
  }
}

// Emscripten's UTF-8 conversion pairs a lone surrogate with whatever code unit follows it,
// swallowing a real character. Python keeps a lone surrogate as its own character, which BERT's
// text cleaning then drops, exactly as it drops U+FFFD: replacing them is therefore exact.
function wellFormed(text) {
  return text.isWellFormed() ? text : text.toWellFormed();
}

function countModes(pooling) {
  const n = Object.values(pooling).filter(Boolean).length;
  if (n === 0) {
    throw new InvalidArgumentError('The pooling config enables no mode; set one pooling_mode_* to true in 1_Pooling/config.json.');
  }
  return n;
}
