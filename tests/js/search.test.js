// searchIndex over float32, int8, uint8, binary and ubinary vectors (with and without rescoring)
// equals a brute-force float64 search written here in plain JavaScript, row for row; and the
// index reads the files `gmatrix-embed embed --output` writes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createSearchIndex, searchIndex, quantizeEmbeddings, calibrationRanges, DisposedError, InvalidArgumentError,
} from '../../js/src/index.js';
import { readSearchIndex } from '../../js/src/node.js';
import { allocateSearchIndex } from '../../js/src/search/search-index.js';
import { encodeNpyHeader } from '../../js/src/search/npy.js';

function random(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

// Clustered vectors (so that quantized search has neighbours worth finding), with a few exact
// duplicates so that ties occur.
function embeddings(rows, dims, seed) {
  const rnd = random(seed);
  const centers = Array.from({ length: 8 }, () => Float32Array.from({ length: dims }, rnd.normal));
  const data = new Float32Array(rows * dims);
  for (let r = 0; r < rows; r++) {
    const c = centers[r % centers.length];
    for (let d = 0; d < dims; d++) data[r * dims + d] = c[d] + 0.8 * rnd.normal() + 0.3 * (d % 5 === 0);
  }
  for (const [to, from] of [[7, 3], [50, 3], [99, 12]]) data.copyWithin(to * dims, from * dims, (from + 1) * dims);
  return { data, dims: [rows, dims] };
}

// --- brute force, float64 ---

function dequantized(vectors, row) {
  const { data, dims: [, width], precision, ranges } = vectors;
  return Array.from({ length: width }, (_, d) => {
    const x = data[row * width + d];
    if (precision === 'float32') return x;
    const step = Math.fround(Math.fround(ranges.max[d] - ranges.min[d]) / 255);
    return ranges.min[d] + step * (precision === 'int8' ? x + 128 : x);
  });
}

function referenceScore(vectors, row, query, metric) {
  if (vectors.precision === 'binary' || vectors.precision === 'ubinary') {
    const bytes = vectors.dims[1];
    let distance = 0;
    for (let d = 0; d < query.length; d++) {
      let byte = vectors.data[row * bytes + (d >> 3)] & 0xff;
      if (vectors.precision === 'binary') byte ^= 0x80; // binary = ubinary - 128
      distance += ((byte >> (7 - (d & 7))) & 1) !== (query[d] > 0 ? 1 : 0);
    }
    return -distance;
  }
  const x = dequantized(vectors, row);
  let dot = 0, xx = 0, qq = 0;
  for (let d = 0; d < x.length; d++) {
    dot += query[d] * x[d];
    xx += x[d] * x[d];
    qq += query[d] * query[d];
  }
  if (metric === 'dot') return dot;
  return dot / (Math.max(Math.sqrt(qq), 1e-8) * Math.max(Math.sqrt(xx), 1e-8));
}

const byScoreThenRow = (a, b) => b.score - a.score || a.row - b.row;

function referenceSearch(vectors, query, { topK = 10, metric = 'cosine', rescore, rescoreMultiplier = 4 } = {}) {
  const all = Array.from({ length: vectors.dims[0] }, (_, row) => ({ row, score: referenceScore(vectors, row, query, metric) }));
  all.sort(byScoreThenRow);
  if (!rescore) return all.slice(0, topK);
  const candidates = all.slice(0, topK * rescoreMultiplier)
    .map(({ row }) => ({ row, score: referenceScore(rescore, row, query, metric) }));
  return candidates.sort(byScoreThenRow).slice(0, topK);
}

function assertSameResults(actual, expected, label) {
  assert.deepEqual(actual.map((h) => h.row), expected.map((h) => h.row), `${label}: rows`);
  actual.forEach((hit, i) => {
    const want = expected[i].score;
    assert.ok(Math.abs(hit.score - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${label}: score ${i} ${hit.score} vs ${want}`);
  });
}

const ROWS = 600;
const PRECISIONS = ['float32', 'int8', 'uint8', 'binary', 'ubinary'];

for (const width of [48, 37]) {
  describe(`searchIndex over ${ROWS} vectors of ${width} dimensions`, () => {
    const corpus = embeddings(ROWS, width, width);
    const queries = embeddings(6, width, 1000 + width);
    queries.data.set(corpus.data.subarray(3 * width, 4 * width)); // a stored row (and its duplicates)
    const ranges = calibrationRanges(corpus);
    const vectors = Object.fromEntries(PRECISIONS.map((p) => [p, { ...quantizeEmbeddings(corpus, p, { ranges }), ranges }]));
    const indexes = {};
    before(() => {
      for (const p of PRECISIONS) indexes[p] = createSearchIndex({ ...vectors[p], dimensions: width });
    });
    after(() => Object.values(indexes).forEach((index) => index.dispose()));
    const rowsOf = (i) => queries.data.subarray(i * width, (i + 1) * width);

    for (const precision of PRECISIONS) {
      const metrics = precision.endsWith('binary') ? ['cosine'] : ['cosine', 'dot'];
      for (const metric of metrics) {
        it(`${precision}, ${metric}: equals brute force`, () => {
          const index = indexes[precision];
          assert.equal(index.rows, ROWS);
          assert.equal(index.dimensions, width);
          const results = searchIndex(index, queries, { topK: 15, metric });
          assert.equal(results.length, 6);
          results.forEach((hits, q) => assertSameResults(hits, referenceSearch(vectors[precision], rowsOf(q), { topK: 15, metric }), `query ${q}`));
        });
      }
    }

    for (const [coarse, fine] of [['binary', 'float32'], ['ubinary', 'int8'], ['binary', 'uint8'], ['int8', 'float32']]) {
      it(`${coarse} rescored by ${fine} equals brute force`, () => {
        for (const metric of ['cosine', 'dot']) {
          const options = { topK: 10, metric, rescore: indexes[fine], rescoreMultiplier: 3 };
          const results = searchIndex(indexes[coarse], queries, options);
          results.forEach((hits, q) => assertSameResults(hits,
            referenceSearch(vectors[coarse], rowsOf(q), { ...options, rescore: vectors[fine] }), `${metric} query ${q}`));
        }
      });
    }
  });
}

describe('searchIndex details', () => {
  const corpus = embeddings(300, 768, 5);
  let index;
  before(() => {
    index = createSearchIndex(corpus);
  });
  after(() => index.dispose());

  it('takes one vector, a list of vectors or embed() results, and ranks ties by row', () => {
    const query = corpus.data.slice(3 * 768, 4 * 768);
    const one = searchIndex(index, query, { topK: 4 });
    assert.deepEqual(one[0].slice(0, 3).map((h) => h.row), [3, 7, 50]); // identical rows: lower first
    assert.equal(one[0][0].score, one[0][2].score);
    assert.deepEqual(searchIndex(index, Array.from(query), { topK: 4 }), one);
    const many = searchIndex(index, [query, corpus.data.subarray(0, 768)], { topK: 4 });
    assert.deepEqual(many[0], one[0]);
    assert.equal(many[1][0].row, 0);
    assert.deepEqual(searchIndex(index, { data: new Float32Array(0), dims: [0, 768] }), []);
    // Default topK 10; more than the rows gives them all.
    assert.equal(searchIndex(index, query)[0].length, 10);
    assert.equal(searchIndex(index, query, { topK: 1000 })[0].length, 300);
  });

  it('refuses bad arguments with typed errors that name the fix', () => {
    const query = corpus.data.slice(0, 768);
    const invalid = (fn, pattern) => assert.throws(fn, (err) => err instanceof InvalidArgumentError && pattern.test(err.message));
    invalid(() => searchIndex(index, query.subarray(0, 384)), /384 dimensions but the index 768/);
    for (const topK of [0, -1, 1.5, '10', null]) invalid(() => searchIndex(index, query, { topK }), /topK must be a positive integer/);
    invalid(() => searchIndex(index, query, { metric: 'euclidean' }), /'cosine' or 'dot'/);
    invalid(() => searchIndex(index, query, { top_k: 3 }), /Unknown searchIndex option 'top_k'/);
    invalid(() => searchIndex(index, query, { rescoreMultiplier: 0, rescore: index }), /rescoreMultiplier/);
    invalid(() => searchIndex({ rows: 3 }, query), /must be a search index/);
    invalid(() => searchIndex(index, 'text'), /Queries must be/);
    const nan = query.slice();
    nan[5] = NaN;
    invalid(() => searchIndex(index, nan), /Query 0 holds NaN at dimension 5/);

    const small = createSearchIndex(embeddings(10, 768, 9));
    const bits = createSearchIndex(quantizeEmbeddings(corpus, 'binary'));
    try {
      invalid(() => searchIndex(bits, query, { rescore: small }), /10 x 768 vectors but the index 300 x 768.*same rows/);
      invalid(() => searchIndex(index, query, { rescore: bits }), /rescore with float32, int8 or uint8/);
    } finally {
      small.dispose();
      bits.dispose();
    }

    invalid(() => createSearchIndex({ ...corpus, precision: 'int4' }), /Unknown precision .*ubinary/);
    invalid(() => createSearchIndex({ data: new Uint8Array(768), dims: [1, 768], precision: 'int8', ranges: calibrationRanges(corpus) }),
      /int8 vectors must be a Int8Array/);
    invalid(() => createSearchIndex({ data: new Int8Array(768), dims: [1, 768], precision: 'int8' }), /calibration ranges/);
    invalid(() => createSearchIndex({ data: new Int8Array(768), dims: [1, 768], precision: 'int8', ranges: { min: [0], max: [1] } }),
      /ranges.min must be 768 numbers/);
    invalid(() => createSearchIndex({ data: corpus.data, dims: [300, 700] }), /dims must be \[rows, width\]/);
    invalid(() => createSearchIndex({ data: new Uint8Array(96), dims: [1, 96], precision: 'ubinary', dimensions: 700 }),
      /700 dimensions pack into 88 bytes/);
    invalid(() => createSearchIndex([1, 2, 3]), /options must be an object/);
    // 1M float32 vectors of 768 dimensions would need 3 GB: refused before anything is allocated.
    invalid(() => allocateSearchIndex({ rows: 1e6, dimensions: 768, precision: 'float32' }), /2 GB/);
  });

  it('throws DisposedError once disposed', () => {
    const disposable = createSearchIndex(embeddings(5, 768, 2));
    const query = corpus.data.slice(0, 768);
    assert.equal(searchIndex(disposable, query).length, 1);
    disposable.dispose();
    disposable.dispose(); // twice is fine
    assert.equal(disposable.disposed, true);
    assert.throws(() => searchIndex(disposable, query), DisposedError);
    assert.throws(() => searchIndex(index, query, { rescore: disposable }), (err) => err instanceof DisposedError && /rescore/.test(err.message));
  });
});

describe('readSearchIndex', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmatrix-search-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const corpus = embeddings(200, 64, 77);
  const ranges = calibrationRanges(corpus);
  const queries = embeddings(3, 64, 78);

  // Writes vectors as `gmatrix-embed embed --output` does: the file and its sidecar.
  function write(name, vectors, { npy = true, sidecar = {} } = {}) {
    const file = path.join(dir, name);
    const bytes = new Uint8Array(vectors.data.buffer, vectors.data.byteOffset, vectors.data.byteLength);
    const descr = { float32: '<f4', int8: '|i1', binary: '|i1', uint8: '|u1', ubinary: '|u1' }[vectors.precision];
    fs.writeFileSync(file, npy ? Buffer.concat([encodeNpyHeader(descr, vectors.dims), bytes]) : bytes);
    fs.writeFileSync(`${file}.json`, JSON.stringify({
      format: 'gmatrix-embed.embeddings', version: 1, model: 'tiny', dimensions: 64, precision: vectors.precision,
      count: vectors.dims[0], normalize: false, complete: true,
      ...(vectors.ranges ? { ranges: { min: Array.from(vectors.ranges.min), max: Array.from(vectors.ranges.max) } } : {}),
      ...sidecar,
    }));
    return file;
  }

  for (const precision of PRECISIONS) {
    it(`reads ${precision} .npy and searches it like the vectors in memory`, async () => {
      const vectors = quantizeEmbeddings(corpus, precision, { ranges });
      const read = await readSearchIndex(write(`${precision}.npy`, vectors));
      const memory = createSearchIndex(vectors);
      try {
        assert.deepEqual([read.rows, read.dimensions, read.precision], [200, 64, precision]);
        const results = searchIndex(read, queries, { topK: 8 });
        assert.deepEqual(results, searchIndex(memory, queries, { topK: 8 }));
        results.forEach((hits, q) => assertSameResults(hits,
          referenceSearch({ ...vectors, ranges }, queries.data.subarray(q * 64, (q + 1) * 64), { topK: 8 }), `query ${q}`));
      } finally {
        read.dispose();
        memory.dispose();
      }
    });
  }

  it('reads raw .f32 in chunks (a file larger than one 16 MB read)', async () => {
    const big = embeddings(6000, 768, 3); // 18.4 MB
    const file = write('big.f32', { ...big, precision: 'float32' }, { npy: false, sidecar: { dimensions: 768 } });
    const read = await readSearchIndex(file);
    try {
      const last = big.data.subarray(5999 * 768);
      assert.equal(searchIndex(read, last, { topK: 1 })[0][0].row, 5999);
      assert.deepEqual(searchIndex(read, { data: big.data.subarray(0, 768 * 2), dims: [2, 768] }, { topK: 3 }).map((h) => h[0].row), [0, 1]);
    } finally {
      read.dispose();
    }
  });

  it('refuses a missing or incomplete sidecar and a file that does not match it', async () => {
    const vectors = quantizeEmbeddings(corpus, 'int8', { ranges });
    const rejects = (promise, pattern) => assert.rejects(promise, (err) => err instanceof InvalidArgumentError && pattern.test(err.message));
    const file = write('int8-bad.npy', vectors);
    fs.rmSync(`${file}.json`);
    await rejects(readSearchIndex(file), /int8-bad\.npy\.json is missing/);
    await rejects(readSearchIndex(write('partial.npy', vectors, { sidecar: { complete: false, count: 50 } })), /incomplete .*--resume/);
    await rejects(readSearchIndex(write('shape.npy', vectors, { sidecar: { count: 199 } })), /shape \(200, 64\).*\(199, 64\)/);
    await rejects(readSearchIndex(write('descr.npy', vectors, { sidecar: { precision: 'uint8' } })), /'\|i1'.*uint8/);
    await rejects(readSearchIndex(write('noranges.npy', vectors, { sidecar: { ranges: undefined } })), /calibration ranges/);
    await rejects(readSearchIndex(write('version.npy', vectors, { sidecar: { version: 2 } })), /version 2/);
    const truncated = write('truncated.npy', vectors);
    fs.truncateSync(truncated, fs.statSync(truncated).size - 10);
    await rejects(readSearchIndex(truncated), /12918 bytes.*12928.*truncated/);
    const raw = write('raw.f32', quantizeEmbeddings(corpus, 'float32'), { npy: false, sidecar: { count: 300 } });
    await rejects(readSearchIndex(raw), /51200 bytes.*76800/);
    await rejects(readSearchIndex(write('text.jsonl', vectors)), /reads \.npy or \.f32/);
    await assert.rejects(readSearchIndex(path.join(dir, 'nothing.npy')), /does not exist/);
  });
});
