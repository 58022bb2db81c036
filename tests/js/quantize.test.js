// Weight-only q8/q4 quantization: the quantized tiny DeBERTa-v2 must run in onnxruntime-web and
// keep its mean-pooled embeddings close to float32 on every golden sentence.
// (The base-size size and accuracy targets are measured by `npm run bench`, sections 1 and 2.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { tinyDebertaDir, goldenDir } from './fixtures.js';
import { quantizeModel } from '../../js/src/convert/quantize.js';
import { decodeModel, encodeModel, int64ToNumber, tensorToArray } from '../../js/src/convert/onnx-proto.js';
import { moveToExternalData } from '../../js/src/convert/quantize-external.js';
import { InvalidArgumentError, ModelFormatError } from '../../js/src/errors.js';

ort.env.wasm.numThreads = 1;

const fp32Bytes = fs.readFileSync(path.join(tinyDebertaDir, 'model.onnx'));
const sentences = JSON.parse(fs.readFileSync(path.join(goldenDir, 'sentences.json'), 'utf8')).sentences;

/** Mean-pooled last_hidden_state of every golden sentence (batch 1, mask all ones). */
async function embedAll(modelBytes, sessionOptions = {}) {
  const session = await ort.InferenceSession.create(modelBytes, sessionOptions);
  try {
    const out = [];
    for (const { ids } of sentences) {
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
  } finally {
    await session.release();
  }
}

function cosineStats(a, b) {
  const cos = a.map((x, i) => {
    let xy = 0, xx = 0, yy = 0;
    for (let j = 0; j < x.length; j++) { xy += x[j] * b[i][j]; xx += x[j] * x[j]; yy += b[i][j] * b[i][j]; }
    return xy / Math.sqrt(xx * yy);
  });
  return { mean: cos.reduce((s, c) => s + c, 0) / cos.length, min: Math.min(...cos) };
}

const opTypes = (bytes) => decodeModel(bytes).graph.node.map((n) => n.opType);

let reference;
const results = {};
before(async () => {
  reference = await embedAll(fp32Bytes);
  for (const dtype of ['q8', 'q4']) results[dtype] = quantizeModel(fp32Bytes, { dtype });
  results['q8 dynamic'] = quantizeModel(fp32Bytes, { dtype: 'q8', scheme: 'dynamic' });
  results['q8 matmulnbits'] = quantizeModel(fp32Bytes, { dtype: 'q8', scheme: 'matmulnbits' });
});

test('float32 reference reproduces the golden embeddings', () => {
  const worst = Math.max(...sentences.map((s, i) => Math.max(...s.embedding.map((v, j) => Math.abs(v - reference[i][j])))));
  assert.ok(worst < 1e-5, `max abs diff ${worst}`);
});

test("q8's default scheme is 'dynamic' (the faster one on both backends; see quantize.js)", () => {
  assert.deepEqual(Buffer.from(results.q8.model), Buffer.from(results['q8 dynamic'].model));
});

for (const [dtype, minMean, minMin] of [['q8 matmulnbits', 0.999, 0.995], ['q4', 0.98, 0.98], ['q8 dynamic', 0.999, 0.995]]) {
  test(`${dtype}: runs in onnxruntime-web and stays close to float32 on all ${sentences.length} golden sentences`, async (t) => {
    const { model } = results[dtype];
    const { mean, min } = cosineStats(await embedAll(model), reference);
    t.diagnostic(`${dtype} cosine to float32: mean ${mean.toFixed(6)}, min ${min.toFixed(6)}; ` +
      `size ${model.length} vs ${fp32Bytes.length} bytes (${(100 * model.length / fp32Bytes.length).toFixed(1)}%)`);
    assert.ok(mean >= minMean, `mean cosine ${mean}`);
    assert.ok(min >= minMin, `min cosine ${min}`);
  });
}

test('quantized models are smaller and replace exactly the MatMul weights and the embedding table', () => {
  const { 'q8 matmulnbits': q8, q4 } = results;
  assert.ok(q4.model.length < q8.model.length && q8.model.length < fp32Bytes.length);
  assert.deepEqual(q8.externalData, []);

  const ops = opTypes(q8.model);
  const count = (list, op) => list.filter((o) => o === op).length;
  const before = opTypes(fp32Bytes);
  // 12 Linear weights: 8 used once and 4 (shared attention keys) twice through Identity -> 16 nodes.
  assert.equal(count(ops, 'MatMulNBits'), 16);
  assert.equal(count(ops, 'MatMul'), count(before, 'MatMul') - 16); // activation x activation stay
  assert.equal(count(ops, 'GatherBlockQuantized'), 1);
  assert.equal(count(ops, 'Identity'), 0);
  assert.deepEqual(q8.quantized.map((q) => q.kind).sort(), ['gather', ...Array(12).fill('matmul')]);

  // Everything that was not quantized is byte-for-byte unchanged (LayerNorms, biases, rel embeddings).
  const original = decodeModel(fp32Bytes).graph.initializer;
  const kept = new Map(decodeModel(q8.model).graph.initializer.map((t) => [t.name, t]));
  const quantizedNames = new Set(q8.quantized.map((q) => q.name));
  for (const t of original) {
    if (quantizedNames.has(t.name)) assert.ok(!kept.has(t.name), `${t.name} should be gone`);
    else assert.deepEqual(Buffer.from(kept.get(t.name).rawData), Buffer.from(t.rawData), t.name);
  }
});

test("scheme 'dynamic': DynamicQuantizeMatMul on uint8 [K, N] weights, one scale and zero point per column", () => {
  const dynamic = results['q8 dynamic'];
  const ops = opTypes(dynamic.model);
  const count = (op) => ops.filter((o) => o === op).length;
  // 16 uses of the 12 weights; the 4 on constants (relative-position projections, folded by ONNX
  // Runtime at load) dequantize the weight with Cast/Sub/Mul and stay float MatMuls.
  assert.equal(count('DynamicQuantizeMatMul'), 12);
  assert.equal(count('Cast') - opTypes(fp32Bytes).filter((o) => o === 'Cast').length, 8);
  assert.equal(count('MatMul'), opTypes(fp32Bytes).filter((o) => o === 'MatMul').length - 12);
  assert.equal(count('MatMulNBits'), 0);
  assert.equal(count('GatherBlockQuantized'), 1); // the embedding table is quantized as before
  assert.ok(dynamic.model.length < 0.35 * fp32Bytes.length, 'about a third of fp32');

  // Every code dequantizes to within half a step of the float weight it replaces.
  const original = new Map(decodeModel(fp32Bytes).graph.initializer.map((t) => [t.name, t]));
  const init = new Map(decodeModel(dynamic.model).graph.initializer.map((t) => [t.name, t]));
  const matmul = dynamic.quantized.find((q) => q.kind === 'matmul');
  const [K, N] = matmul.dims;
  assert.equal(matmul.blockSize, K);
  const w = tensorToArray(original.get(matmul.name));
  const codes = init.get(`${matmul.name}_q8`);
  assert.deepEqual(codes.dims.map(int64ToNumber), [K, N]);
  const q = new Uint8Array(codes.rawData);
  const scales = tensorToArray(init.get(`${matmul.name}_scales`));
  const zeroPoints = new Uint8Array(init.get(`${matmul.name}_zero_points`).rawData);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const error = Math.abs((q[k * N + n] - zeroPoints[n]) * scales[n] - w[k * N + n]);
      assert.ok(error <= scales[n] * 0.5001, `${matmul.name}[${k}, ${n}] off by ${error}`);
    }
  }
});

test('reads float weights from external data and gives the same result', () => {
  const proto = decodeModel(fp32Bytes);
  const { initializers, data } = moveToExternalData(proto.graph.initializer, 'weights.bin');
  const external = encodeModel({ ...proto, graph: { ...proto.graph, initializer: initializers } });
  assert.ok(external.length < 250_000); // the 3.4 MB of weights really left the file (graph: 155 KB)

  const expected = Buffer.from(results.q4.model);
  const slice = (location, offset, length) => data.subarray(offset, offset + length);
  for (const externalData of [[{ path: 'weights.bin', data }], data, () => data, slice]) {
    assert.deepEqual(Buffer.from(quantizeModel(external, { dtype: 'q4', externalData }).model), expected);
  }
  assert.throws(() => quantizeModel(external, { dtype: 'q4' }), InvalidArgumentError);
  assert.throws(() => quantizeModel(external, { dtype: 'q4', externalData: [{ path: 'other.bin', data }] }),
    InvalidArgumentError);
});

test('writes external data when the weights exceed maxInlineBytes, and that output runs', async () => {
  const { model, externalData } = quantizeModel(fp32Bytes, { dtype: 'q8', maxInlineBytes: 0, externalDataPath: 'q8.bin' });
  assert.equal(externalData.length, 1);
  assert.equal(externalData[0].path, 'q8.bin');
  assert.ok(model.length < 250_000);
  const inline = await embedAll(results.q8.model);
  const fromExternal = await embedAll(model, { externalData });
  assert.deepEqual(fromExternal, inline);
});

test('does not modify a ModelProto passed in', () => {
  const proto = decodeModel(fp32Bytes);
  quantizeModel(proto, { dtype: 'q8' });
  assert.deepEqual(Buffer.from(encodeModel(proto)), Buffer.from(encodeModel(decodeModel(fp32Bytes))));
  assert.ok(proto.graph.node.some((n) => n.opType === 'Identity'));
});

test('a model with nothing left to quantize is rejected', () => {
  assert.throws(() => quantizeModel(results.q8.model, { dtype: 'q4' }), (err) =>
    err instanceof ModelFormatError && /Nothing to quantize/.test(err.message));
});

test('bad options raise InvalidArgumentError', () => {
  for (const options of [{}, { dtype: 'q2' }, { dtype: 'int8' }, { dtype: 'q8', blockSize: 48 },
    { dtype: 'q4', scheme: 'dynamic' }, { dtype: 'q8', scheme: 'int8' },
    { dtype: 'q4', blockSize: 8 }, { dtype: 'q4', blockSize: 512 }, null]) {
    assert.throws(() => quantizeModel(fp32Bytes, options), InvalidArgumentError, JSON.stringify(options));
  }
  assert.throws(() => quantizeModel('model.onnx', { dtype: 'q8' }), InvalidArgumentError);
  assert.throws(() => quantizeModel(new Uint8Array([1, 2, 3]), { dtype: 'q8' }), ModelFormatError);
});

test('block sizes are recorded in the graph', () => {
  const { model } = quantizeModel(fp32Bytes, { dtype: 'q4', blockSize: 16 });
  const nodes = decodeModel(model).graph.node.filter((n) => n.domain === 'com.microsoft');
  for (const node of nodes) {
    const attr = Object.fromEntries(node.attribute.map((a) => [a.name, int64ToNumber(a.i)]));
    assert.equal(attr.block_size, 16);
    assert.equal(attr.bits, 4);
  }
});
