// Section 6: top-k search (searchIndex) over 100k and 1M stored vectors of 768 dimensions, the
// WASM SIMD kernels vs a plain JavaScript loop over the same vectors, and recall@10 of int8 and
// binary (with and without rescoring) against the exact float32 top 10.
//
// Data: random but structured like sentence embeddings: unit vectors around 2,000 cluster centres,
// each at its own distance from its centre (noise of norm 0.5 to 1.5), with dimensions of unequal
// spread and a common offset as real embeddings have (which makes x > 0 bits less informative);
// queries are fresh samples from random clusters. int8 is
// calibrated on the first 50k vectors (as the CLI calibrates on its first window). 1M vectors are
// generated and quantized 50k at a time, never as one float32 matrix (3 GB, beyond WebAssembly's
// 2 GB anyway); their exact top 10 is merged from 50k-row float32 chunks.
import { allocateSearchIndex, createSearchIndex, searchIndex } from '../js/src/search/search-index.js';
import { calibrationRanges, quantizeEmbeddings } from '../js/src/search/quantize.js';
import { log, median, percent, table, times } from './report.js';

const DIMS = 768;
const CHUNK = 50_000;
const CLUSTERS = 2000;
const TOP_K = 10;

// mulberry32 with a cheap bell-shaped "normal" (sum of two uniforms, variance 1): fast enough for
// 768M values.
function makeGenerator(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => (uniform() + uniform() - 1) * 2.4494897;
  return { uniform, normal };
}

function normalizeRows(data, rows) {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = r * DIMS; d < (r + 1) * DIMS; d++) s += data[d] * data[d];
    const inv = 1 / Math.sqrt(s);
    for (let d = r * DIMS; d < (r + 1) * DIMS; d++) data[d] *= inv;
  }
}

function makeCorpus(seed) {
  const rnd = makeGenerator(seed);
  const centers = new Float32Array(CLUSTERS * DIMS).map(rnd.normal);
  normalizeRows(centers, CLUSTERS);
  // Shared by all vectors: a common offset, and unequal spreads of the dimensions.
  const offset = Float32Array.from({ length: DIMS }, () => 0.5 * rnd.normal() / Math.sqrt(DIMS));
  const scale = Float32Array.from({ length: DIMS }, () => Math.exp(0.4 * rnd.normal()));
  // `count` unit vectors from random clusters: centre + noise whose norm varies from 0.5 to 1.5
  // (typical members and outliers: neighbours come at graded distances), then offset and scales.
  const sample = (count, gen) => {
    const data = new Float32Array(count * DIMS);
    for (let r = 0; r < count; r++) {
      const c = Math.floor(gen.uniform() * CLUSTERS) * DIMS;
      const sigma = (0.5 + gen.uniform()) / Math.sqrt(DIMS);
      for (let d = 0; d < DIMS; d++) data[r * DIMS + d] = scale[d] * (centers[c + d] + sigma * gen.normal()) + offset[d];
    }
    normalizeRows(data, count);
    return { data, dims: [count, DIMS] };
  };
  return { sample };
}

// --- plain JavaScript baselines: what one would write without the WASM kernels ---

function pushTop(top, k, row, score) {
  if (top.length === k && score <= top[k - 1].score) return;
  let i = top.length === k ? k - 1 : top.length;
  while (i > 0 && top[i - 1].score < score) {
    top[i] = top[i - 1];
    i--;
  }
  top[i] = { row, score };
  if (top.length > k) top.length = k;
}

function jsFloat32(data, norms, query, k) {
  let qq = 0;
  for (let d = 0; d < DIMS; d++) qq += query[d] * query[d];
  const qn = Math.sqrt(qq);
  const top = [];
  for (let r = 0, base = 0; base < data.length; r++, base += DIMS) {
    let dot = 0;
    for (let d = 0; d < DIMS; d++) dot += data[base + d] * query[d];
    pushTop(top, k, r, dot / (qn * norms[r]));
  }
  return top;
}

const steps = (ranges) => Float64Array.from({ length: DIMS }, (_, d) => Math.fround(Math.fround(ranges.max[d] - ranges.min[d]) / 255));

// Norms of the dequantized int8 rows (computed once, outside the timing).
function int8Norms(codes, ranges) {
  const step = steps(ranges);
  return Float64Array.from({ length: codes.length / DIMS }, (_, r) => {
    let s = 0;
    for (let d = 0; d < DIMS; d++) {
      const x = ranges.min[d] + step[d] * (codes[r * DIMS + d] + 128);
      s += x * x;
    }
    return Math.sqrt(s);
  });
}

function jsInt8(codes, norms, ranges, query, k) {
  // The same asymmetric scoring as the kernel: weights once per query, then one dot per row.
  const step = steps(ranges);
  const w = new Float64Array(DIMS);
  let constant = 0, qq = 0;
  for (let d = 0; d < DIMS; d++) {
    w[d] = query[d] * step[d];
    constant += query[d] * (ranges.min[d] + 128 * step[d]);
    qq += query[d] * query[d];
  }
  const qn = Math.sqrt(qq);
  const top = [];
  for (let r = 0, base = 0; base < codes.length; r++, base += DIMS) {
    let dot = constant;
    for (let d = 0; d < DIMS; d++) dot += w[d] * codes[base + d];
    pushTop(top, k, r, dot / (qn * norms[r]));
  }
  return top;
}

function popcount(x) {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function jsBinary(words, query, k) {
  // query: packed like the rows (Uint32 words of binary bytes).
  const perRow = query.length;
  const top = [];
  for (let r = 0, base = 0; base < words.length; r++, base += perRow) {
    let distance = 0;
    for (let i = 0; i < perRow; i++) distance += popcount(words[base + i] ^ query[i]);
    pushTop(top, k, r, -distance);
  }
  return top;
}

function packQuery(query) {
  const packed = quantizeEmbeddings({ data: query, dims: [1, DIMS] }, 'binary').data;
  return new Uint32Array(packed.buffer, packed.byteOffset, packed.length / 4);
}

// --- measuring ---

function timeQueries(queries, count, fn) {
  const ms = [];
  for (let q = 0; q < count; q++) {
    const query = queries.data.subarray(q * DIMS, (q + 1) * DIMS);
    const started = performance.now();
    fn(query);
    ms.push(performance.now() - started);
  }
  return median(ms);
}

function recall(found, exact) {
  let hits = 0;
  found.forEach((rows, q) => {
    const truth = new Set(exact[q].map((h) => h.row));
    hits += rows.filter((h) => truth.has(h.row)).length;
  });
  return hits / (found.length * TOP_K);
}

// Merges the exact top 10 of one float32 chunk (rows from `offset`) into `merged`.
function exactTopChunked(chunkIndex, offset, queries, merged) {
  const results = searchIndex(chunkIndex, queries, { topK: TOP_K });
  results.forEach((hits, q) => {
    merged[q] = [...(merged[q] ?? []), ...hits.map((h) => ({ row: h.row + offset, score: h.score }))]
      .sort((a, b) => b.score - a.score || a.row - b.row).slice(0, TOP_K);
  });
}

export async function runSearch({ quick }) {
  const sizes = quick ? [20_000, 200_000] : [100_000, 1_000_000];
  const queryCount = quick ? 10 : 20;
  const jsQueryCount = (large) => (large ? 3 : 5);
  const latency = [];
  const recalls = [];
  for (const size of sizes) {
    const large = size > 300_000;
    const label = size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`;
    const { sample } = makeCorpus(42);
    const queries = sample(queryCount, makeGenerator(7));
    const gen = makeGenerator(1234);
    const chunkRows = Math.min(CHUNK, size);
    log(`${label} vectors of ${DIMS} dimensions: generating${large ? ` ${chunkRows.toLocaleString('en')} at a time` : ''}`);

    // int8 is calibrated on the first chunk (as the CLI calibrates on its first window).
    let vectors = sample(chunkRows, gen);
    const ranges = calibrationRanges(vectors);
    const int8 = allocateSearchIndex({ rows: size, dimensions: DIMS, precision: 'int8', ranges });
    const binary = allocateSearchIndex({ rows: size, dimensions: DIMS, precision: 'binary' });
    // float32 where it fits (100k: 307 MB); at 1M only a 50k-row float32 chunk at a time, for the
    // exact top 10.
    const float32 = large ? undefined : new Float32Array(size * DIMS);
    const chunk = large ? allocateSearchIndex({ rows: chunkRows, dimensions: DIMS, precision: 'float32' }) : undefined;
    const exact = [];
    for (let start = 0; start < size; start += chunkRows) {
      if (start > 0) vectors = sample(chunkRows, gen);
      const q8 = quantizeEmbeddings(vectors, 'int8', { ranges }).data;
      int8.storage().set(new Uint8Array(q8.buffer), start * DIMS);
      const bits = quantizeEmbeddings(vectors, 'binary').data;
      binary.storage().set(new Uint8Array(bits.buffer), start * (DIMS / 8));
      if (float32) float32.set(vectors.data, start * DIMS);
      if (chunk) {
        chunk.storage().set(new Uint8Array(vectors.data.buffer));
        exactTopChunked(chunk.seal(), start, queries, exact);
      }
    }
    chunk?.index.dispose();
    int8.seal();
    binary.seal();
    const floatIndex = float32 && createSearchIndex({ data: float32, dims: [size, DIMS] });
    if (floatIndex) searchIndex(floatIndex, queries, { topK: TOP_K }).forEach((hits, q) => { exact[q] = hits; });
    log('timing queries');

    // Median ms per query of searchIndex (after one warm-up call) and of the plain JS loop.
    const measure = (name, index, options, jsFn) => {
      searchIndex(index, queries.data.subarray(0, DIMS), { topK: TOP_K, ...options });
      const wasmMs = timeQueries(queries, queryCount, (q) => searchIndex(index, q, { topK: TOP_K, ...options }));
      const jsMs = jsFn && timeQueries(queries, jsQueryCount(large), jsFn);
      latency.push([label, name, wasmMs.toFixed(2), jsMs ? jsMs.toFixed(1) : '—', jsMs ? times(jsMs / wasmMs) : '—']);
      return searchIndex(index, queries, { topK: TOP_K, ...options });
    };
    // The JS loops read the vectors where they are, in WebAssembly memory (a fresh view per query:
    // a search may have grown the memory, which detaches older views).
    const view = (Type, handle) => {
      const bytes = handle.storage();
      return new Type(bytes.buffer, bytes.byteOffset, bytes.length / Type.BYTES_PER_ELEMENT);
    };
    if (floatIndex) {
      const norms = Float64Array.from({ length: size }, (_, r) => {
        let s = 0;
        for (let d = r * DIMS; d < (r + 1) * DIMS; d++) s += float32[d] * float32[d];
        return Math.sqrt(s);
      });
      measure('float32 (cosine)', floatIndex, {}, (q) => jsFloat32(float32, norms, q, TOP_K));
    }
    const norms8 = int8Norms(view(Int8Array, int8), ranges);
    const int8Results = measure('int8 (cosine, dequantized)', int8.index, {}, (q) => jsInt8(view(Int8Array, int8), norms8, ranges, q, TOP_K));
    const binaryResults = measure('binary (Hamming)', binary.index, {}, (q) => jsBinary(view(Uint32Array, binary), packQuery(q), TOP_K));
    const int8Rescored = measure('binary + int8 rescore ×4', binary.index, { rescore: int8.index });
    const int8Rescored10 = measure('binary + int8 rescore ×10', binary.index, { rescore: int8.index, rescoreMultiplier: 10 });
    const floatRescored = floatIndex && measure('binary + float32 rescore ×4', binary.index, { rescore: floatIndex });
    recalls.push([label, percent(recall(int8Results, exact)), percent(recall(binaryResults, exact)),
      percent(recall(int8Rescored, exact)), percent(recall(int8Rescored10, exact)),
      floatRescored ? percent(recall(floatRescored, exact)) : '—']);
    floatIndex?.dispose();
    int8.index.dispose();
    binary.index.dispose();
  }
  console.log(`\nQuery latency: median of ${queryCount} queries (plain JS: ${jsQueryCount(false)} at ${sizes[0].toLocaleString('en')}, ` +
    `${jsQueryCount(true)} at ${sizes[1].toLocaleString('en')}), top ${TOP_K}, one thread. The plain JS loop scores the same vectors the same way.`);
  table(['vectors', 'index', 'wasm SIMD ms/query', 'plain JS ms/query', 'wasm speed-up'], latency);
  console.log(`recall@${TOP_K} against the exact float32 top ${TOP_K} (cosine), ${queryCount} queries:`);
  table(['vectors', 'int8', 'binary', 'binary + int8 rescore ×4', 'binary + int8 rescore ×10', 'binary + float32 rescore ×4'], recalls);
}
