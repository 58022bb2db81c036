// Quantizes the base-size DeBERTa-v2 graph (185M parameters) to q8 and q4 and reports file sizes,
// size ratios against float32, time to quantize, and how close the quantized embeddings stay to
// float32 (cosine of mean-pooled outputs) on random token sequences, all with onnxruntime-web.
//
// The fixture ships the graph without weights, so this first writes model.onnx_data (741 MB) into a
// temporary folder from manifest.json with a seeded PRNG, by the fixture's `suggested_init` rule.
// Needs ~4 GB of RAM; takes a few minutes on 2 cores.
//
//   node bench/quantize-base.js [--sequences 16] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { fixturesDir } from '../tests/js/fixtures.js';
import { quantizeModel } from '../js/src/convert/quantize.js';

const args = process.argv.slice(2);
const numSequences = Number(args[args.indexOf('--sequences') + 1]) || 16;
const keep = args.includes('--keep');
const graphDir = path.join(fixturesDir, 'base-deberta-v2-graph');
const manifest = JSON.parse(fs.readFileSync(path.join(graphDir, 'manifest.json'), 'utf8'));

// Seeded PRNG (xorshift32) with Box-Muller normals: deterministic weights without storing them.
function makeRandom(seed) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function writeWeights() {
  const data = new Uint8Array(manifest.external_data_file_bytes);
  const rnd = makeRandom(20240603);
  for (const t of manifest.tensors) {
    const values = new Float32Array(data.buffer, t.offset, t.length / 4);
    if (t.suggested_init === 'ones') values.fill(1);
    else if (t.suggested_init === 'zeros') values.fill(0);
    else for (let i = 0; i < values.length; i++) values[i] = 0.02 * rnd.normal();
  }
  return data;
}

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

async function meanPooledEmbeddings(session, sequences) {
  const out = [];
  for (const ids of sequences) {
    const n = ids.length;
    const { last_hidden_state: h } = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    });
    const dim = h.dims[2];
    const e = new Float64Array(dim);
    for (let t = 0; t < n; t++) for (let j = 0; j < dim; j++) e[j] += h.data[t * dim + j] / n;
    out.push(e);
  }
  return out;
}

function cosine(a, b) {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

async function timedSession(modelBytes, externalData) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(modelBytes, externalData ? { externalData } : {});
  return { session, loadMs: performance.now() - t0 };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quantize-base-'));
  try {
    let t0 = performance.now();
    const modelBytes = fs.readFileSync(path.join(graphDir, 'model.onnx'));
    fs.writeFileSync(path.join(tmp, 'model.onnx'), modelBytes);
    fs.writeFileSync(path.join(tmp, manifest.external_data_file), writeWeights());
    const weights = fs.readFileSync(path.join(tmp, manifest.external_data_file));
    const fp32Bytes = modelBytes.length + weights.length;
    console.log(`generated ${manifest.external_data_file} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `float32 model ${mb(fp32Bytes)} (graph ${mb(modelBytes.length)} + weights ${mb(weights.length)})`);

    // Random "Korean-ish" sequences: [CLS] + random vocabulary ids + [SEP], lengths 8..128.
    const rnd = makeRandom(7);
    const vocab = 130000;
    const sequences = Array.from({ length: numSequences }, (_, i) => {
      const len = 8 + Math.floor((120 * i) / Math.max(1, numSequences - 1));
      return [2, ...Array.from({ length: len - 2 }, () => 5 + Math.floor(rnd.uniform() * (vocab - 5))), 3];
    });

    const meanLength = sequences.reduce((s, q) => s + q.length, 0) / numSequences;
    const externalData = [{ path: manifest.external_data_file, data: weights }];
    const quantized = {};
    for (const dtype of ['q8', 'q4']) {
      t0 = performance.now();
      const result = quantizeModel(modelBytes, { dtype, externalData });
      const ms = performance.now() - t0;
      const size = result.model.length + result.externalData.reduce((s, e) => s + e.data.length, 0);
      quantized[dtype] = result;
      if (keep) fs.writeFileSync(path.join(tmp, `model_${dtype}.onnx`), result.model);
      console.log(`${dtype}: ${mb(size)} = ${(100 * size / fp32Bytes).toFixed(1)}% of float32, ` +
        `quantized in ${(ms / 1000).toFixed(1)} s, ${result.quantized.length} tensors ` +
        `(${result.externalData.length ? 'external data' : 'inline'})`);
    }

    ort.env.wasm.numThreads = 1;
    const fp32 = await timedSession(modelBytes, externalData);
    t0 = performance.now();
    const ref = await meanPooledEmbeddings(fp32.session, sequences);
    console.log(`float32: session ${(fp32.loadMs / 1000).toFixed(1)} s, ` +
      `${((performance.now() - t0) / numSequences).toFixed(0)} ms per sequence (mean length ${meanLength})`);
    await fp32.session.release();

    for (const dtype of ['q8', 'q4']) {
      const q = await timedSession(quantized[dtype].model);
      t0 = performance.now();
      const emb = await meanPooledEmbeddings(q.session, sequences);
      const perSeq = (performance.now() - t0) / numSequences;
      await q.session.release();
      const cos = emb.map((e, i) => cosine(e, ref[i]));
      const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
      console.log(`${dtype}: cosine to float32 over ${numSequences} sequences: mean ${mean.toFixed(6)}, ` +
        `min ${Math.min(...cos).toFixed(6)}; session ${(q.loadMs / 1000).toFixed(1)} s, ${perSeq.toFixed(0)} ms per sequence`);
    }
  } finally {
    if (keep) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
