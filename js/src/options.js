// The one place that validates and defaults every option the public API takes. Each
// fallback says why it is what it is.
import { InvalidArgumentError } from './errors.js';

export const LOAD_OPTION_NAMES = new Set([
  'threads', 'maxLength', 'batchSize', 'batchTokens', 'normalize', 'backend', 'dtype',
  // Hub options, validated by js/src/hub when a repository id is loaded.
  'revision', 'endpoint', 'token', 'cacheDir', 'cache', 'offline', 'onProgress', 'signal', 'fetch',
]);
export const EMBED_OPTION_NAMES = new Set(['normalize', 'batchSize', 'batchTokens', 'onProgress', 'signal']);

/** The options object itself ({} when absent), after refusing any name not in `known`. */
export function checkKnown(options, known, where) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`${where} options must be an object; got ${describe(options)}.`);
  }
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      throw new InvalidArgumentError(
        `Unknown ${where} option '${name}'; known options are: ${[...known].join(', ')}.`);
    }
  }
  return options;
}

/** A value named for an error message: its type, or a short quote of a string or number. */
export function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

function positiveInteger(value, name, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `Option '${name}' must be an integer from ${min} to ${max}; got ${describe(value)}${
        typeof value === 'number' ? ` ${value}` : ''}.`);
  }
  return value;
}

// Node 20 has no `navigator`; ask the OS there (through getBuiltinModule, which bundlers for
// browsers leave alone).
const nodeCores = globalThis.process?.getBuiltinModule?.('os').availableParallelism();

function defaultThreads() {
  const cores = nodeCores ?? globalThis.navigator?.hardwareConcurrency;
  // ONNX Runtime's WASM backend scales poorly past 4 threads, and without cross-origin
  // isolation a browser cannot share memory between threads at all.
  if (globalThis.crossOriginIsolated === false) return 1;
  return Math.max(1, Math.min(4, Number.isInteger(cores) ? cores : 1));
}

/**
 * Checks Embedder.load options that do not depend on the model, before anything is
 * downloaded: a typo should fail in milliseconds, not after a 700 MB download.
 * @returns {[string, {threads: number}]} the backend choice and its options, known already
 */
export function checkLoadOptions(options) {
  const { backend, threads } = resolveLoadOptions(options,
    { maxSeqLength: 128, modelMaxLength: Number.MAX_SAFE_INTEGER, normalize: false });
  return [backend, { threads }];
}

/**
 * Options of Embedder.load, resolved against the model's own settings.
 * @param {object|undefined} options
 * @param {{maxSeqLength: number, modelMaxLength: number, normalize: boolean}} model
 */
export function resolveLoadOptions(options, model) {
  const o = checkKnown(options, LOAD_OPTION_NAMES, 'load');
  return {
    // Without a choice, use the machine's cores, up to 4 (see defaultThreads).
    threads: o.threads === undefined ? defaultThreads() : positiveInteger(o.threads, 'threads', { max: 64 }),
    // The model's own max_seq_length is what it was trained and evaluated with; a longer
    // value may not exceed what its positions support.
    maxLength: o.maxLength === undefined
      ? model.maxSeqLength
      : positiveInteger(o.maxLength, 'maxLength', { min: 2, max: model.modelMaxLength }),
    // Rows per batch at most; batchTokens is what usually bounds a batch (see batching.js).
    batchSize: o.batchSize === undefined ? DEFAULT_BATCH_ROWS : positiveInteger(o.batchSize, 'batchSize', { max: 4096 }),
    batchTokens: o.batchTokens === undefined
      ? DEFAULT_BATCH_TOKENS : positiveInteger(o.batchTokens, 'batchTokens', { max: 1 << 20 }),
    // A Normalize module in modules.json means the model's vectors are unit length.
    normalize: o.normalize === undefined ? model.normalize : booleanOption(o.normalize, 'normalize'),
    // 'auto': onnxruntime-node in Node when it loads (several times faster), WebGPU in a browser
    // with an adapter, else WASM (see backends/index.js).
    backend: o.backend === undefined ? 'auto' : oneOf(o.backend, 'backend', BACKENDS),
    // Full precision unless asked, or unless the model has only a quantized variant (then that
    // one: see js/src/loader/choose-model-file.js).
    dtype: o.dtype === undefined ? 'fp32' : oneOf(o.dtype, 'dtype', DTYPES),
  };
}

/** Options of Embedder#embed, defaulted from the loaded model's settings. */
export function resolveEmbedOptions(options, loaded) {
  const o = checkKnown(options, EMBED_OPTION_NAMES, 'embed');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw new InvalidArgumentError(`Option 'onProgress' must be a function; got ${describe(o.onProgress)}.`);
  }
  return {
    normalize: o.normalize === undefined ? loaded.normalize : booleanOption(o.normalize, 'normalize'),
    batchSize: o.batchSize === undefined ? loaded.batchSize : positiveInteger(o.batchSize, 'batchSize', { max: 4096 }),
    batchTokens: o.batchTokens === undefined
      ? loaded.batchTokens : positiveInteger(o.batchTokens, 'batchTokens', { max: 1 << 20 }),
    onProgress: o.onProgress,
    signal: o.signal,
  };
}

/** The texts argument of embed/tokenize: one string or an array of strings. */
export function checkTexts(texts, where) {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list)) {
    throw new InvalidArgumentError(`${where} expects a string or an array of strings; got ${describe(texts)}.`);
  }
  list.forEach((text, i) => {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(
        `${where} expects strings; item ${i} is ${describe(text)}. Convert it with String(value) first.`);
    }
  });
  return list;
}

function booleanOption(value, name) {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`Option '${name}' must be true or false; got ${describe(value)}.`);
  }
  return value;
}

function oneOf(value, name, allowed) {
  if (!allowed.includes(value)) {
    throw new InvalidArgumentError(`Option '${name}' must be one of ${allowed.join(', ')}; got ${describe(value)}.`);
  }
  return value;
}

export const DTYPES = ['fp32', 'q8', 'q4'];
export const BACKENDS = ['auto', 'wasm', 'webgpu', 'native'];
// Chosen by measurement: base model, 512 KorSTS test sentences (10 tokens on average), 2 threads,
// sentences/s at rows/tokens: native 64/4096 140, 32/4096 128, 128/4096 107, 256/4096 108,
// 256/8192 96, 64/2048 136, 64/1024 121; WASM 64/4096 21.8, 32/4096 21.6, 128/4096 19.2. Larger
// batches lose more to cache misses than they gain in GEMM efficiency.
const DEFAULT_BATCH_ROWS = 64;
const DEFAULT_BATCH_TOKENS = 4096;
export const METRICS = ['cosine', 'dot', 'euclidean', 'manhattan'];
