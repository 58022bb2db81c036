// Top-k search over stored embeddings in the precisions of sentence-transformers'
// quantize_embeddings (float32, int8/uint8 with calibration ranges, binary/ubinary bit-packed),
// scored by the WebAssembly core's SIMD kernels (wasm/src/search/vector_index.cc). The vectors
// live in WebAssembly memory, so an index is disposed of explicitly (or when it is garbage).
// Browser-safe: the Node file reader is read-index-node.js.
import { core, unwrap } from '../core.js';
import { DisposedError, InvalidArgumentError } from '../errors.js';
import { checkKnown, describe } from '../options.js';
import { PRECISIONS } from './quantize.js';
const ARRAY_TYPES = {
  float32: Float32Array, int8: Int8Array, uint8: Uint8Array, binary: Int8Array, ubinary: Uint8Array,
};
const SEARCH_METRICS = ['cosine', 'dot'];
const SEARCH_OPTIONS = new Set(['topK', 'metric', 'rescore', 'rescoreMultiplier']);
const CREATE_OPTIONS = new Set(['data', 'dims', 'precision', 'ranges', 'dimensions']);

// The core's handle of each live index; absent once disposed.
const handles = new WeakMap();
// An index that is never disposed still frees its WebAssembly memory once it is garbage.
const finalizer = new FinalizationRegistry((handle) => handle.delete());

export class SearchIndex {
  /** @internal Use createSearchIndex() or readSearchIndex(). */
  constructor(handle, { rows, dimensions, precision }) {
    if (!handle || typeof handle.storageView !== 'function') {
      throw new InvalidArgumentError('Create a search index with createSearchIndex() or readSearchIndex().');
    }
    // Read-only: rows, dimensions (values per vector before bit packing), precision.
    for (const [name, value] of Object.entries({ rows, dimensions, precision })) {
      Object.defineProperty(this, name, { value, enumerable: true });
    }
    handles.set(this, handle);
    finalizer.register(this, handle, this);
  }

  get disposed() {
    return !handles.has(this);
  }

  /** Frees the vectors' WebAssembly memory; later searches throw DisposedError. */
  dispose() {
    const handle = handles.get(this);
    if (!handle) return;
    handles.delete(this);
    finalizer.unregister(this);
    handle.delete();
  }
}

function handleOf(index, name) {
  if (!(index instanceof SearchIndex)) {
    throw new InvalidArgumentError(`${name} must be a search index from createSearchIndex() or readSearchIndex(); got ${describe(index)}.`);
  }
  const handle = handles.get(index);
  if (!handle) {
    throw new DisposedError(`${name === 'index' ? 'This search index' : `The ${name} index`} was disposed; ` +
      'create it again with createSearchIndex() or readSearchIndex().');
  }
  return handle;
}

function positiveInteger(value, name, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer; got ${describe(value)}.`);
  }
  return value;
}

export function checkPrecision(precision) {
  if (!PRECISIONS.includes(precision)) {
    throw new InvalidArgumentError(`Unknown precision ${describe(precision)}; use one of ${PRECISIONS.join(', ')}.`);
  }
  return precision;
}

/** Stored values per row: the dimensions, or bytes of packed bits. */
export function rowWidth(precision, dimensions) {
  return precision === 'binary' || precision === 'ubinary' ? Math.ceil(dimensions / 8) : dimensions;
}

function rangeArray(values, name, dimensions) {
  const ok = values instanceof Float32Array || values instanceof Float64Array ||
    (Array.isArray(values) && values.every((x) => typeof x === 'number'));
  if (!ok || values.length !== dimensions) {
    throw new InvalidArgumentError(`ranges.${name} must be ${dimensions} numbers (one per dimension); got ${
      ok ? `${values.length}` : describe(values)}.`);
  }
  return Float32Array.from(values);
}

/**
 * An empty index in WebAssembly memory, for filling in place (read-index-node.js streams a
 * file into it). Internal: the public entry points are createSearchIndex and readSearchIndex.
 * @returns {{index: SearchIndex, storage: () => Uint8Array, seal: () => SearchIndex}}
 */
export function allocateSearchIndex({ rows, dimensions, precision, ranges }) {
  checkPrecision(precision);
  if (!Number.isInteger(rows) || rows < 0) {
    throw new InvalidArgumentError(`The row count must be a non-negative integer; got ${describe(rows)}.`);
  }
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new InvalidArgumentError(`dimensions must be a positive integer; got ${describe(dimensions)}.`);
  }
  let min, max;
  if (precision === 'int8' || precision === 'uint8') {
    if (!ranges || typeof ranges !== 'object') {
      throw new InvalidArgumentError(`${precision} vectors need the calibration ranges they were quantized with: ` +
        'pass ranges: {min, max} (quantizeEmbeddings returns them, the CLI writes them to the .json sidecar).');
    }
    min = rangeArray(ranges.min, 'min', dimensions);
    max = rangeArray(ranges.max, 'max', dimensions);
  }
  const handle = unwrap(core.VectorIndex.create(precision, rows, dimensions));
  try {
    if (min) unwrap(handle.setRanges(min, max));
  } catch (err) {
    handle.delete();
    throw err;
  }
  const index = new SearchIndex(handle, { rows, dimensions, precision });
  return {
    index,
    // A fresh view each time: growing WebAssembly memory detaches the old ones.
    storage: () => handleOf(index, 'index').storageView(),
    seal: () => {
      unwrap(handleOf(index, 'index').seal());
      return index;
    },
  };
}

/**
 * Copies vectors into a search index in WebAssembly memory.
 * @param {{data: Float32Array|Int8Array|Uint8Array, dims: [number, number], precision?: string,
 *   ranges?: {min: ArrayLike<number>, max: ArrayLike<number>}, dimensions?: number}} vectors
 *   `dims` is [rows, stored values per row] (for binary: bytes); `dimensions` the embedding width
 *   before packing (binary default: 8 x bytes); `precision` defaults to float32 for a Float32Array.
 * @returns {SearchIndex}
 */
export function createSearchIndex(vectors) {
  const { data, dims, ranges } = checkKnown(vectors, CREATE_OPTIONS, 'createSearchIndex');
  if (!ArrayBuffer.isView(data)) {
    throw new InvalidArgumentError('createSearchIndex needs vectors {data, dims, precision}: embed() results, ' +
      `or quantizeEmbeddings() results for int8/uint8/binary/ubinary; got data ${describe(data)}.`);
  }
  const precision = checkPrecision(vectors?.precision ?? (data instanceof Float32Array ? 'float32' : undefined));
  const ArrayType = ARRAY_TYPES[precision];
  if (!(data instanceof ArrayType)) {
    throw new InvalidArgumentError(`${precision} vectors must be a ${ArrayType.name}; got ${describe(data)}` +
      `${precision === 'int8' || precision === 'binary' ? ' (uint8 and ubinary vectors are a Uint8Array)' : ''}.`);
  }
  if (!Array.isArray(dims) || dims.length !== 2 || !dims.every((n) => Number.isInteger(n) && n >= 0) ||
      dims[0] * dims[1] !== data.length) {
    throw new InvalidArgumentError(`dims must be [rows, width] with rows x width = data.length (${data.length}); got ${
      JSON.stringify(dims)}.`);
  }
  const [rows, width] = dims;
  const binary = precision === 'binary' || precision === 'ubinary';
  const dimensions = vectors.dimensions ?? (binary ? width * 8 : width);
  if (!Number.isInteger(dimensions) || dimensions < 1 || rowWidth(precision, dimensions) !== width) {
    throw new InvalidArgumentError(binary
      ? `${describe(dimensions)} dimensions pack into ${Math.ceil(dimensions / 8)} bytes per row, but the vectors have ${width}; pass the embedding width before packing.`
      : `dimensions (${dimensions}) must equal the vectors' width (${width}).`);
  }
  const { index, storage, seal } = allocateSearchIndex({ rows, dimensions, precision, ranges });
  try {
    storage().set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return seal();
  } catch (err) {
    index.dispose();
    throw err;
  }
}

// Queries as one Float32Array [count * dimensions]: embed()'s {data, dims}, one vector, or a list
// of vectors.
function queryMatrix(queries, dimensions) {
  const width = (n) => {
    if (n !== dimensions) {
      throw new InvalidArgumentError(`Queries have ${n} dimensions but the index ${dimensions}; embed them with the model that made the index.`);
    }
  };
  let data, count;
  if (queries instanceof Float32Array || (Array.isArray(queries) && queries.every((x) => typeof x === 'number'))) {
    width(queries.length);
    data = queries instanceof Float32Array ? queries : Float32Array.from(queries);
    count = 1;
  } else if (Array.isArray(queries)) {
    data = new Float32Array(queries.length * dimensions);
    queries.forEach((q, i) => {
      if (!(q instanceof Float32Array) && !(Array.isArray(q) && q.every((x) => typeof x === 'number'))) {
        throw new InvalidArgumentError(`Query ${i} must be a Float32Array or an array of numbers; got ${describe(q)}.`);
      }
      width(q.length);
      data.set(q, i * dimensions);
    });
    count = queries.length;
  } else if (queries?.data instanceof Float32Array && Array.isArray(queries.dims) && queries.dims.length === 2 &&
      queries.dims[0] * queries.dims[1] === queries.data.length) {
    width(queries.dims[1]);
    ({ data } = queries);
    count = queries.dims[0];
  } else {
    throw new InvalidArgumentError('Queries must be embeddings as embed() returns them ({data: Float32Array, dims: [n, d]}), ' +
      `one vector (Float32Array or number[]) or a list of vectors; got ${describe(queries)}.`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new InvalidArgumentError(`Query ${Math.floor(i / dimensions)} holds ${data[i]} at dimension ${i % dimensions}; queries must be finite.`);
    }
  }
  return { data, count };
}

/**
 * The topK best rows of `index` for each query, best first; ties go to the lower row.
 * Scores: cosine or dot product (`metric`) with float32 rows and with int8/uint8 rows as
 * dequantized; the negated Hamming distance between binarized query and rows for binary; with
 * `rescore` (float32/int8/uint8 vectors of the same rows), the topK x rescoreMultiplier best rows
 * re-ranked by the rescore index's score, which is reported.
 * @returns {Array<Array<{row: number, score: number}>>} one list per query
 */
export function searchIndex(index, queries, options) {
  const handle = handleOf(index, 'index');
  const o = checkKnown(options, SEARCH_OPTIONS, 'searchIndex');
  const topK = positiveInteger(o.topK, 'topK', 10);
  const metric = o.metric ?? 'cosine';
  if (!SEARCH_METRICS.includes(metric)) {
    throw new InvalidArgumentError(`Unknown search metric ${describe(metric)}; use 'cosine' or 'dot'.`);
  }
  const multiplier = positiveInteger(o.rescoreMultiplier, 'rescoreMultiplier', 4);
  let rescore;
  if (o.rescore !== undefined && o.rescore !== null) {
    rescore = handleOf(o.rescore, 'rescore');
    if (o.rescore.precision === 'binary' || o.rescore.precision === 'ubinary') {
      throw new InvalidArgumentError(`The rescore index holds ${o.rescore.precision} vectors; rescore with float32, int8 or uint8 vectors of the same rows.`);
    }
    if (o.rescore.rows !== index.rows || o.rescore.dimensions !== index.dimensions) {
      throw new InvalidArgumentError(`The rescore index holds ${o.rescore.rows} x ${o.rescore.dimensions} vectors but the index ` +
        `${index.rows} x ${index.dimensions}; rescore with the same rows in another precision.`);
    }
  }
  const { data, count } = queryMatrix(queries, index.dimensions);
  if (count === 0) return [];
  const found = unwrap(rescore
    ? handle.searchRescored(data, count, topK, metric, rescore, multiplier)
    : handle.search(data, count, topK, metric));
  const { perQuery, rows, scores } = found;
  return Array.from({ length: count }, (_, q) => Array.from({ length: perQuery }, (_, i) => ({
    row: rows[q * perQuery + i],
    score: scores[q * perQuery + i],
  })));
}
