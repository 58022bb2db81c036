// Section 4: the cosine similarity matrix, wasm SIMD kernel (similarityMatrix, float64
// accumulation) vs the plain JavaScript loop a user would otherwise write. Both get the same
// random embeddings; the JS loop precomputes norms, as any sensible implementation would.
import { similarityMatrix } from '../js/src/similarity.js';
import { makeRandom } from './base-weights.js';
import { log, maxAbsDiff, table, times } from './report.js';

export async function runSimilarity({ quick }) {
  const n = quick ? 400 : 1000;
  const dims = 768;
  const rnd = makeRandom(5);
  const a = { data: Float32Array.from({ length: n * dims }, rnd.normal), dims: [n, dims] };
  const b = { data: Float32Array.from({ length: n * dims }, rnd.normal), dims: [n, dims] };
  const repeats = quick ? 2 : 3;
  log(`cosine matrix ${n} x ${n} at ${dims} dims, best of ${repeats}`);

  const wasm = best(repeats, () => similarityMatrix(a, b, 'cosine').data);
  const js = best(repeats, () => plainCosineMatrix(a, b));
  table(['implementation', 'ms', 'M pairs/s', 'time vs plain JS'], [
    ['plain JavaScript loop', js.ms.toFixed(1), (n * n / js.ms / 1000).toFixed(2), times(1)],
    ['wasm SIMD similarityMatrix', wasm.ms.toFixed(1), (n * n / wasm.ms / 1000).toFixed(2), times(wasm.ms / js.ms)],
  ]);
  const diff = maxAbsDiff(wasm.value, js.value);
  // Both accumulate in float64, so they usually round to the very same float32.
  console.log(`max abs diff between the two matrices: ${diff === 0 ? '0 (identical float32 values)' : diff.toExponential(2)}`);
}

function best(repeats, fn) {
  let result = { ms: Infinity };
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const value = fn();
    const ms = performance.now() - started;
    if (ms < result.ms) result = { ms, value };
  }
  return result;
}

function plainCosineMatrix({ data: x, dims: [rows, d] }, { data: y, dims: [cols] }) {
  const norm = (m, count) => Float64Array.from({ length: count }, (_, i) => {
    let s = 0;
    for (let k = i * d; k < (i + 1) * d; k++) s += m[k] * m[k];
    return Math.sqrt(s);
  });
  const nx = norm(x, rows);
  const ny = norm(y, cols);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[i * d + k] * y[j * d + k];
      out[i * cols + j] = dot / (nx[i] * ny[j]);
    }
  }
  return out;
}
