// Similarity between embeddings, computed by the WASM core's SIMD kernels in float64
// accumulation. Euclidean and Manhattan are distances (smaller means closer).
import { core, unwrap } from './core.js';
import { InvalidArgumentError } from './errors.js';
import { METRICS } from './options.js';

function toFloat32(vector, name) {
  if (vector instanceof Float32Array) return vector;
  if (Array.isArray(vector) && vector.every((x) => typeof x === 'number')) return Float32Array.from(vector);
  throw new InvalidArgumentError(`${name} must be a Float32Array or an array of numbers (one embedding).`);
}

function checkMetric(metric) {
  if (!METRICS.includes(metric)) {
    throw new InvalidArgumentError(`Unknown metric '${metric}'; use one of ${METRICS.join(', ')}.`);
  }
}

/**
 * @param {Float32Array|number[]} a
 * @param {Float32Array|number[]} b
 * @param {'cosine'|'dot'|'euclidean'|'manhattan'} [metric]
 * @returns {number}
 */
export function pairSimilarity(a, b, metric = 'cosine') {
  checkMetric(metric);
  return unwrap(core.pairSimilarity(metric, toFloat32(a, 'a'), toFloat32(b, 'b')));
}

/**
 * All pairs between two sets of embeddings ({data, dims} as embed() returns them).
 * @returns {{data: Float32Array, dims: [number, number]}} [rows of a, rows of b]
 */
export function similarityMatrix(a, b, metric = 'cosine') {
  checkMetric(metric);
  for (const [name, m] of [['a', a], ['b', b]]) {
    if (!(m?.data instanceof Float32Array) || !Array.isArray(m.dims) || m.dims.length !== 2) {
      throw new InvalidArgumentError(`${name} must be embeddings as embed() returns them: {data: Float32Array, dims: [n, d]}.`);
    }
  }
  if (a.dims[1] !== b.dims[1]) {
    throw new InvalidArgumentError(`Embeddings differ in width (${a.dims[1]} vs ${b.dims[1]}); compare vectors of one model.`);
  }
  const data = unwrap(core.matrixSimilarity(metric, a.data, a.dims[0], b.data, b.dims[0], a.dims[1]));
  return { data, dims: [a.dims[0], b.dims[0]] };
}

/** Rows of an embeddings result as separate Float32Array views. */
export function rows({ data, dims }) {
  return Array.from({ length: dims[0] }, (_, i) => data.subarray(i * dims[1], (i + 1) * dims[1]));
}
