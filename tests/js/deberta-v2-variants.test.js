// DeBERTa-v2 configuration variants, each pinned to the fixture that deberta-v2-graph.test.js checks
// against HF's torch export: a variant's weights are rewritten so that HF's forward pass must give
// exactly what the fixture's gives (a term zeroed, a scale folded into a projection, a table folded
// into another), and the converted variant must then match the converted fixture on the golden
// sentences. A converter ignoring the flag, or reading it wrongly, fails: every test also checks
// that the flag's weights are used at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { tinyDebertaDir, goldenDir } from './fixtures.js';
import { readSafetensors } from '../../js/src/convert/safetensors.js';
import { build, convLayer, readArchitecture, relativePositionIndexTable } from '../../js/src/convert/architectures/deberta-v2.js';
import { OnnxGraphBuilder } from '../../js/src/convert/onnx-graph-builder.js';
import { graphLayers } from '../../js/src/convert/architectures/layers.js';
import { DataType, encodeModel } from '../../js/src/convert/onnx-proto.js';
import { weightLookup } from '../../js/src/convert/architectures/weight-lookup.js';
import { ModelFormatError } from '../../js/src/errors.js';

ort.env.wasm.numThreads = 1;

const config = JSON.parse(await readFile(path.join(tinyDebertaDir, 'config.json'), 'utf8'));
// The fixture's weights (initializer_range 0.02) barely use attention: its relative terms move the
// output by ~1e-3. Query, key and the relative embeddings are sharpened (x4 each) so that every
// term a variant changes moves the output by far more than the tolerance; the math is the same.
const SHARPEN = /(query_proj|key_proj)\.(weight|bias)$|^encoder\.LayerNorm\.(weight|bias)$/;
const weights = new Map([...readSafetensors(await readFile(path.join(tinyDebertaDir, 'model.safetensors')))]
  .map(([name, t]) => [name, { dims: t.dims, dtype: 'F32', data: SHARPEN.test(name) ? t.data.map((v) => v * 4) : t.data }]));
const { sentences } = JSON.parse(await readFile(path.join(goldenDir, 'sentences.json'), 'utf8'));
const { hidden, heads, headSize, layers } = readArchitecture(config);
// Two padded batches of golden sentences (every length from 2 to 128 tokens).
const sorted = [...sentences].sort((a, b) => a.ids.length - b.ids.length);
const BATCHES = [sorted.slice(0, 40).map((s) => s.ids), sorted.slice(-24).map((s) => s.ids)];

/** Random but fixed values (a linear congruential generator), in [-scale, scale). */
function noise(count, seed, scale = 0.2) {
  const out = new Float32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = ((x / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}
const tensor = (dims, data) => ({ dims, dtype: 'F32', data });
const scaled = (name, factor) => tensor(weights.get(name).dims, weights.get(name).data.map((v) => v * factor));
const zeros = (name) => tensor(weights.get(name).dims, new Float32Array(weights.get(name).data.length));
const perLayer = (fn) => Object.fromEntries(Array.from({ length: layers }, (_, l) => fn(`encoder.layer.${l}.attention.self`)).flat());
const withWeights = (changes, base = weights) => new Map([...base, ...Object.entries(changes)]);

async function hiddenStates(model, idLists) {
  const session = await ort.InferenceSession.create(model.onnx);
  const out = [];
  for (const list of idLists) {
    const length = Math.max(...list.map((ids) => ids.length));
    const ids = new BigInt64Array(list.length * length);
    const mask = new BigInt64Array(list.length * length);
    list.forEach((row, b) => row.forEach((id, k) => { ids[b * length + k] = BigInt(id); mask[b * length + k] = 1n; }));
    const dims = [list.length, length];
    const result = await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) });
    out.push(result.last_hidden_state.data);
  }
  await session.release();
  return out;
}

function maxAbsDiff(a, b) {
  let m = 0;
  a.forEach((x, k) => { for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - b[k][i])); });
  return m;
}

/**
 * The variant (patch, its weights) against the fixture config (or the fixture with
 * `fixturePatch`, itself pinned to the fixture here) on other weights: max abs diff.
 */
async function compare(patch, variantWeights, fixtureWeights = weights, { batches = BATCHES, fixturePatch = {} } = {}) {
  const ours = await hiddenStates(build({ ...config, ...patch }, variantWeights), batches);
  return maxAbsDiff(ours, await hiddenStates(build({ ...config, ...fixturePatch }, fixtureWeights), batches));
}

const TOLERANCE = 1e-5;
const MOVED = 1e-2; // what a flag that is used at all changes, at least
const fixtureOutput = await hiddenStates(build(config, weights), BATCHES);
/** The variant differs from the unmodified fixture: its flag changed something. */
async function differsFromFixture(patch, variantWeights) {
  return maxAbsDiff(await hiddenStates(build({ ...config, ...patch }, variantWeights), BATCHES), fixtureOutput);
}

// Projections of the relative embeddings for share_att_key false: copies of the shared ones.
const ownPositionProjections = perLayer((a) => [
  [`${a}.pos_key_proj.weight`, weights.get(`${a}.key_proj.weight`)], [`${a}.pos_key_proj.bias`, weights.get(`${a}.key_proj.bias`)],
  [`${a}.pos_query_proj.weight`, weights.get(`${a}.query_proj.weight`)], [`${a}.pos_query_proj.bias`, weights.get(`${a}.query_proj.bias`)],
]);
const zeroed = (part) => perLayer((a) => [[`${a}.${part}.weight`, zeros(`${a}.key_proj.weight`)], [`${a}.${part}.bias`, zeros(`${a}.key_proj.bias`)]]);

test('share_att_key false: pos_key_proj / pos_query_proj equal to key_proj / query_proj give the fixture', async (t) => {
  const diff = await compare({ share_att_key: false }, withWeights(ownPositionProjections));
  const keyUsed = await differsFromFixture({ share_att_key: false }, withWeights({ ...ownPositionProjections, ...zeroed('pos_key_proj') }));
  const queryUsed = await differsFromFixture({ share_att_key: false }, withWeights({ ...ownPositionProjections, ...zeroed('pos_query_proj') }));
  t.diagnostic(`max abs ${diff.toExponential(2)}; zeroing pos_key_proj moves it ${keyUsed.toFixed(3)}, pos_query_proj ${queryUsed.toFixed(3)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
  assert.ok(keyUsed > MOVED && queryUsed > MOVED);
});

// With share_att_key false, a term vanishes when its projection is zero; the scale
// sqrt(head_size * (1 + terms)) then differs by a factor folded into query_proj or key_proj.
const fold = (part, factor) => perLayer((a) => [[`${a}.${part}.weight`, scaled(`${a}.${part}.weight`, factor)],
  [`${a}.${part}.bias`, scaled(`${a}.${part}.bias`, factor)]]);
const own = (changes) => withWeights({ ...ownPositionProjections, ...changes });

for (const [label, patch, fixtureChanges] of [
  // c2p only: q.k/sqrt(2d) + q.pk/sqrt(2d) == (q*sqrt(3/2)).k/sqrt(3d) + (q*sqrt(3/2)).pk/sqrt(3d) + k.0
  ['pos_att_type ["c2p"]', { pos_att_type: ['c2p'] }, { ...fold('query_proj', Math.sqrt(3 / 2)), ...zeroed('pos_query_proj') }],
  ['pos_att_type "c2p" (string)', { pos_att_type: 'C2P' }, { ...fold('query_proj', Math.sqrt(3 / 2)), ...zeroed('pos_query_proj') }],
  // p2c only: the same with key_proj, and the c2p term zeroed.
  ['pos_att_type ["p2c"]', { pos_att_type: ['p2c'] }, { ...fold('key_proj', Math.sqrt(3 / 2)), ...zeroed('pos_key_proj') }],
  ['pos_att_type "p2c|p2c" (each term once)', { pos_att_type: 'p2c|p2c' }, { ...fold('key_proj', Math.sqrt(3 / 2)), ...zeroed('pos_key_proj') }],
  // Neither: q.k/sqrt(d) == (q*sqrt(3)).k/sqrt(3d).
  ['pos_att_type []', { pos_att_type: [] }, { ...fold('query_proj', Math.sqrt(3)), ...zeroed('pos_key_proj'), ...zeroed('pos_query_proj') }],
  ['pos_att_type "none"', { pos_att_type: 'none' }, { ...fold('query_proj', Math.sqrt(3)), ...zeroed('pos_key_proj'), ...zeroed('pos_query_proj') }],
  ['relative_attention false, position_biased_input false, pos_att_type []', { relative_attention: false, pos_att_type: [] },
    { ...fold('query_proj', Math.sqrt(3)), ...zeroed('pos_key_proj'), ...zeroed('pos_query_proj') }],
  // HF still counts pos_att_type in the scale when relative_attention is false.
  ['relative_attention false (pos_att_type still scales)', { relative_attention: false },
    { ...zeroed('pos_key_proj'), ...zeroed('pos_query_proj') }],
]) {
  test(`${label} equals the fixture with the missing terms zeroed`, async (t) => {
    const variantWeights = own({});
    const diff = await compare({ share_att_key: false, ...patch }, variantWeights, own(fixtureChanges),
      { fixturePatch: { share_att_key: false } });
    const moved = await differsFromFixture({ share_att_key: false, ...patch }, variantWeights);
    t.diagnostic(`max abs ${diff.toExponential(2)} (the variant moves the fixture's output by ${moved.toFixed(3)})`);
    assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
    assert.ok(moved > MOVED);
  });
}

test('norm_rel_ebd "none" with LayerNorm(rel_embeddings) stored equals the fixture', async (t) => {
  const rel = weights.get('encoder.rel_embeddings.weight');
  const gamma = weights.get('encoder.LayerNorm.weight').data;
  const beta = weights.get('encoder.LayerNorm.bias').data;
  const normed = new Float32Array(rel.data.length);
  for (let r = 0; r < rel.dims[0]; r++) {
    const row = rel.data.subarray(r * hidden, (r + 1) * hidden);
    const mean = row.reduce((a, b) => a + b, 0) / hidden;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / hidden;
    row.forEach((v, c) => { normed[r * hidden + c] = ((v - mean) / Math.sqrt(variance + config.layer_norm_eps)) * gamma[c] + beta[c]; });
  }
  const variantWeights = withWeights({ 'encoder.rel_embeddings.weight': tensor(rel.dims, normed) });
  const diff = await compare({ norm_rel_ebd: 'none' }, variantWeights);
  t.diagnostic(`max abs ${diff.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
  assert.ok(await differsFromFixture({}, variantWeights) > MOVED, 'normalizing twice must show');
});

test('position_buckets -1 or 0 with max_relative_positions 256: the fixture up to distance 128, not beyond', async (t) => {
  // Below bucket_size / 2 = 128 the log buckets are the distances themselves.
  for (const buckets of [-1, 0]) {
    const patch = { position_buckets: buckets, max_relative_positions: 256 };
    const { span, table } = relativePositionIndexTable(readArchitecture({ ...config, ...patch }));
    assert.equal(span, 256);
    table.forEach((index, k) => assert.equal(index, Math.min(Math.max(k - span + 256, 0), 511)));
    const diff = await compare(patch, weights);
    t.diagnostic(`position_buckets ${buckets}: max abs ${diff.toExponential(2)} on sequences of up to 128 tokens`);
    assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
  }
  const long = [Array.from({ length: 300 }, (_, k) => 5 + ((k * 7919) % 11990))];
  const beyond = await compare({ position_buckets: -1, max_relative_positions: 256 }, weights, weights, { batches: [long] });
  assert.ok(beyond > MOVED, `300 tokens should use distances beyond 128 (${beyond})`);
});

test('max_relative_positions -1, 0 and 512 (= max_position_embeddings) build the same graph', () => {
  const reference = Buffer.from(build(config, weights).onnx);
  for (const value of [0, 512, undefined]) {
    assert.ok(Buffer.from(build({ ...config, max_relative_positions: value }, weights).onnx).equals(reference), String(value));
  }
});

/** Ids of a batch remapped to fresh ids (one per token) whose embeddings a test may rewrite. */
function freshIds(batch) {
  const used = new Set(batch.flat());
  const fresh = [];
  for (let id = 11999; fresh.length < batch.flat().length; id--) if (!used.has(id)) fresh.push(id);
  let k = 0;
  return batch.map((row) => row.map(() => fresh[k++]));
}

test('position_biased_input true (+ type_vocab_size 2): word + position + type 0 folded into the fixture\'s word table', async (t) => {
  const batch = BATCHES[0].slice(0, 12);
  const fresh = freshIds(batch);
  const positions = noise(512 * hidden, 7);
  const types = noise(2 * hidden, 11);
  const word = weights.get('embeddings.word_embeddings.weight');
  const folded = word.data.slice();
  batch.forEach((row, b) => row.forEach((id, p) => {
    for (let c = 0; c < hidden; c++) {
      // HF's order: (word + position) + token type, each sum rounded to float32.
      folded[fresh[b][p] * hidden + c] = Math.fround(Math.fround(word.data[id * hidden + c] + positions[p * hidden + c]) + types[c]);
    }
  }));
  const variant = build({ ...config, position_biased_input: true, type_vocab_size: 2 }, withWeights({
    'embeddings.position_embeddings.weight': tensor([512, hidden], positions),
    'embeddings.token_type_embeddings.weight': tensor([2, hidden], types),
  }));
  const ours = await hiddenStates(variant, [batch]);
  const theirs = await hiddenStates(build(config, withWeights({ 'embeddings.word_embeddings.weight': tensor(word.dims, folded) })), [fresh]);
  const diff = maxAbsDiff(ours, theirs);
  t.diagnostic(`max abs ${diff.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
});

test('embedding_size 96 != hidden_size 64: embed_proj picking the fixture\'s embeddings back out', async (t) => {
  const E = 96;
  const word = weights.get('embeddings.word_embeddings.weight');
  const vocab = word.dims[0];
  const column = Array.from({ length: hidden }, (_, j) => (j * 37) % E); // distinct: gcd(37, 96) = 1
  const wide = noise(vocab * E, 3);
  const project = new Float32Array(hidden * E); // nn.Linear(E, hidden).weight: [hidden, E]
  for (let j = 0; j < hidden; j++) {
    project[j * E + column[j]] = 1;
    for (let v = 0; v < vocab; v++) wide[v * E + column[j]] = word.data[v * hidden + j];
  }
  const variantWeights = withWeights({
    'embeddings.word_embeddings.weight': tensor([vocab, E], wide),
    'embeddings.embed_proj.weight': tensor([hidden, E], project),
  });
  const diff = await compare({ embedding_size: E }, variantWeights);
  t.diagnostic(`max abs ${diff.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
});

test('attention_head_size 32 (4 heads of 16 values padded with zeros, query scaled by sqrt(2)) equals the fixture', async (t) => {
  const wideHead = 32;
  const pad = (name, factor = 1) => { // rows of each head: [16 real, 16 zero]
    const { dims, data } = weights.get(name);
    const cols = dims.length === 2 ? dims[1] : 1;
    const out = new Float32Array(heads * wideHead * cols);
    for (let h = 0; h < heads; h++) {
      for (let r = 0; r < headSize; r++) {
        for (let c = 0; c < cols; c++) out[(h * wideHead + r) * cols + c] = data[(h * headSize + r) * cols + c] * factor;
      }
    }
    return tensor(dims.length === 2 ? [heads * wideHead, cols] : [heads * wideHead], out);
  };
  const changes = {};
  for (let l = 0; l < layers; l++) {
    const a = `encoder.layer.${l}.attention`;
    for (const part of ['query_proj', 'key_proj', 'value_proj']) {
      const factor = part === 'query_proj' ? Math.SQRT2 : 1;
      changes[`${a}.self.${part}.weight`] = pad(`${a}.self.${part}.weight`, factor);
      changes[`${a}.self.${part}.bias`] = pad(`${a}.self.${part}.bias`, factor);
    }
    const dense = weights.get(`${a}.output.dense.weight`); // [hidden, heads * 16] -> [hidden, heads * 32]
    const wide = new Float32Array(hidden * heads * wideHead);
    for (let o = 0; o < hidden; o++) {
      for (let h = 0; h < heads; h++) {
        for (let r = 0; r < headSize; r++) wide[o * heads * wideHead + h * wideHead + r] = dense.data[o * heads * headSize + h * headSize + r];
      }
    }
    changes[`${a}.output.dense.weight`] = tensor([hidden, heads * wideHead], wide);
  }
  const diff = await compare({ attention_head_size: wideHead }, withWeights(changes));
  t.diagnostic(`max abs ${diff.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
});

test('type_vocab_size 2 with position_biased_input false: row 0 added to every token', async (t) => {
  const types = noise(2 * hidden, 5);
  const word = weights.get('embeddings.word_embeddings.weight');
  const folded = word.data.map((v, i) => v + types[i % hidden]);
  const diff = await compare({ type_vocab_size: 2 },
    withWeights({ 'embeddings.token_type_embeddings.weight': tensor([2, hidden], types) }),
    withWeights({ 'embeddings.word_embeddings.weight': tensor(word.dims, folded) }));
  t.diagnostic(`max abs ${diff.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
});

// ConvLayer: its place in the encoder is pinned by a reduction, its computation against HF's
// ConvLayer.forward written out in float64 below.
test('conv_kernel_size 3 with a zero convolution: only ConvLayer.LayerNorm after layer 0, which is idempotent here', async (t) => {
  // With layer 0's output LayerNorm at weight 1, bias 0, a second LayerNorm (1, 0) changes its
  // output only by the epsilon: the conv model must then equal the fixture on real tokens.
  const one = (name) => tensor(weights.get(name).dims, new Float32Array(weights.get(name).data.length).fill(1));
  const plain = { 'encoder.layer.0.output.LayerNorm.weight': one('encoder.layer.0.output.LayerNorm.weight'),
    'encoder.layer.0.output.LayerNorm.bias': zeros('encoder.layer.0.output.LayerNorm.bias') };
  const conv = (bias) => ({
    'encoder.conv.conv.weight': tensor([hidden, hidden, 3], new Float32Array(hidden * hidden * 3)),
    'encoder.conv.conv.bias': tensor([hidden], noise(hidden, 9, bias)),
    'encoder.conv.LayerNorm.weight': one('encoder.layer.0.output.LayerNorm.weight'),
    'encoder.conv.LayerNorm.bias': zeros('encoder.layer.0.output.LayerNorm.bias'),
  });
  // Single sentences: HF's conv zeroes padded rows after layer 0, which the fixture does not do.
  const single = BATCHES[0].slice(0, 8).map((ids) => [ids]);
  const diff = await compare({ conv_kernel_size: 3, conv_act: 'gelu' }, withWeights({ ...plain, ...conv(0) }), withWeights(plain),
    { batches: single });
  // A conv bias (tanh of it added to every token) must show: the layer is really in the graph.
  const moved = await compare({ conv_kernel_size: 3 }, withWeights({ ...plain, ...conv(0.5) }), withWeights(plain), { batches: single });
  t.diagnostic(`max abs ${diff.toExponential(2)}; a conv bias moves it ${moved.toFixed(3)}`);
  assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
  assert.ok(moved > MOVED);
});

/** HF ConvLayer.forward in float64: conv1d (padding (k-1)/2, groups), masked_fill, act, LayerNorm(residual + out) * mask. */
function convLayerReference({ embeddings, residual, mask, B, L, H, k, groups, weight, bias, gamma, beta, eps, act }) {
  const out = new Float64Array(B * L * H);
  const pad = (k - 1) / 2;
  const per = H / groups;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const row = new Float64Array(H);
      for (let o = 0; o < H; o++) {
        let sum = bias[o];
        const g = Math.floor(o / per);
        for (let i = 0; i < per; i++) {
          for (let j = 0; j < k; j++) {
            const s = t + j - pad;
            if (s >= 0 && s < L) sum += weight[(o * per + i) * k + j] * embeddings[(b * L + s) * H + g * per + i];
          }
        }
        row[o] = residual[(b * L + t) * H + o] + (mask[b * L + t] === 1 ? act(sum) : act(0));
      }
      const mean = row.reduce((a, v) => a + v, 0) / H;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / H;
      for (let o = 0; o < H; o++) {
        out[(b * L + t) * H + o] = (((row[o] - mean) / Math.sqrt(variance + eps)) * gamma[o] + beta[o]) * mask[b * L + t];
      }
    }
  }
  return out;
}

for (const [k, groups, act] of [[3, 1, 'tanh'], [5, 2, 'gelu'], [1, 4, 'relu']]) {
  test(`ConvLayer (kernel ${k}, ${groups} group(s), ${act}) computes HF's ConvLayer.forward`, async () => {
    const [B, L, H] = [2, 7, 8];
    const arch = { hidden: H, eps: 1e-7, hiddenAct: 'gelu', conv: { kernelSize: k, groups, act } };
    const values = {
      weight: noise(H * (H / groups) * k, 21, 0.5), bias: noise(H, 22, 0.5),
      gamma: noise(H, 23, 1).map((v) => 1 + v / 2), beta: noise(H, 24, 0.2),
    };
    const w = weightLookup(new Map([
      ['encoder.conv.conv.weight', tensor([H, H / groups, k], values.weight)], ['encoder.conv.conv.bias', tensor([H], values.bias)],
      ['encoder.conv.LayerNorm.weight', tensor([H], values.gamma)], ['encoder.conv.LayerNorm.bias', tensor([H], values.beta)],
    ]), { prefix: 'deberta', family: 'DeBERTa-v2' });
    const g = new OnnxGraphBuilder();
    g.op('Identity', [convLayer(g, arch, w, 'embeddings', 'residual')], {}, { outputs: ['y'] });
    const shape = [B, L, H];
    const model = encodeModel(g.toModel({ irVersion: 8, opset: 17, inputs: [['embeddings', DataType.FLOAT, shape],
      ['residual', DataType.FLOAT, shape], ['attention_mask', DataType.INT64, [B, L]]], outputs: [['y', DataType.FLOAT, shape]] }));
    const embeddings = noise(B * L * H, 25, 1);
    const residual = noise(B * L * H, 26, 1);
    const mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]; // row 1 padded
    const session = await ort.InferenceSession.create(model);
    const { y } = await session.run({
      embeddings: new ort.Tensor('float32', embeddings, shape), residual: new ort.Tensor('float32', residual, shape),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask, BigInt), [B, L]),
    });
    await session.release();
    const expected = convLayerReference({ embeddings, residual, mask, B, L, H, k, groups, ...values, eps: 1e-7, act: ACTIVATIONS[act] });
    const diff = maxAbsDiff([y.data], [expected]);
    assert.ok(diff <= 1e-5, `differs by ${diff}`);
  });
}

// erf by its Maclaurin series (float64; |x| <= 6 converges to ~1e-12 before the tail is 1).
function erf(x) {
  if (Math.abs(x) > 6) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
// HF ACT2FN definitions (activations.py).
const ACTIVATIONS = {
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_python: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  gelu_pytorch_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  relu: (x) => Math.max(x, 0),
  silu: (x) => x / (1 + Math.exp(-x)),
  swish: (x) => x / (1 + Math.exp(-x)),
  tanh: Math.tanh,
};

test('every supported hidden_act computes HF\'s definition', async () => {
  const inputs = Float32Array.from({ length: 241 }, (_, k) => (k - 120) / 20); // -6 .. 6
  for (const [act, reference] of Object.entries(ACTIVATIONS)) {
    const g = new OnnxGraphBuilder();
    const { activation } = graphLayers(g, null, { hiddenAct: act, eps: 1e-7 });
    g.op('Identity', [activation('x', 'act')], {}, { outputs: ['y'] });
    const model = encodeModel(g.toModel({ irVersion: 8, opset: 17, inputs: [['x', DataType.FLOAT, [241]]], outputs: [['y', DataType.FLOAT, [241]]] }));
    const session = await ort.InferenceSession.create(model);
    const { y } = await session.run({ x: new ort.Tensor('float32', inputs, [241]) });
    inputs.forEach((x, k) => assert.ok(Math.abs(y.data[k] - reference(x)) <= 2e-6 * Math.max(1, Math.abs(x)), `${act}(${x}) = ${y.data[k]}, not ${reference(x)}`));
    await session.release();
  }
  // The builder and the config check agree on the list.
  assert.throws(() => readArchitecture({ ...config, hidden_act: 'quick_gelu' }), /hidden_act "quick_gelu" is not supported/);
});

test('flags read as HF tests them: absent takes the default, null is false', () => {
  const { position_biased_input: _, ...noFlag } = config;
  assert.equal(readArchitecture(noFlag).positionBiasedInput, true); // DebertaV2Config's default
  assert.equal(readArchitecture({ ...config, position_biased_input: null }).positionBiasedInput, false);
  assert.equal(readArchitecture({ ...config, share_att_key: null }).shareAttKey, false);
  assert.equal(readArchitecture({ ...config, relative_attention: 1 }).relativeAttention, true);
  assert.ok(Buffer.from(build({ ...config, position_biased_input: null }, weights).onnx).equals(Buffer.from(build(config, weights).onnx)));
});

test('flags it cannot honour are refused in one line naming them', () => {
  const refused = (patch, pattern) => assert.throws(() => build({ ...config, ...patch }, weights),
    (e) => e instanceof ModelFormatError && pattern.test(e.message) && !e.message.includes('\n'), JSON.stringify(patch));
  refused({ pos_att_type: ['p2p'] }, /pos_att_type entry "p2p" is not supported/);
  refused({ pos_att_type: ['C2P'] }, /pos_att_type entry "C2P"/); // HF's list form is case-sensitive: it would drop it
  refused({ pos_att_type: 3 }, /pos_att_type must be a list/);
  refused({ norm_rel_ebd: 'batch_norm' }, /norm_rel_ebd "batch_norm" is not supported/);
  refused({ norm_rel_ebd: true }, /norm_rel_ebd must be a string/);
  refused({ share_att_key: 'yes' }, /share_att_key must be true or false/);
  refused({ relative_attention: 'true' }, /relative_attention must be true or false/);
  refused({ share_att_key: false }, /pos_key_proj\.weight/); // its own projections are missing
  refused({ position_biased_input: true }, /embeddings\.position_embeddings\.weight/);
  refused({ embedding_size: 96 }, /embedding_size/);
  refused({ conv_kernel_size: 4 }, /conv_kernel_size 4 is even/);
  refused({ conv_kernel_size: 3, conv_groups: 3 }, /not a multiple of conv_groups 3/);
  refused({ conv_kernel_size: 3, conv_act: 'mish' }, /conv_act "mish" is not supported/);
  refused({ conv_kernel_size: 3 }, /conv_kernel_size is 3, but the weights have no ConvLayer \("encoder\.conv\.conv\.weight"\)/);
});
