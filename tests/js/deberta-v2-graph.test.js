// The DeBERTa-v2 graph built from weights must compute what HF's DebertaV2Model computes:
// checked against the torch-exported reference model.onnx and the golden (torch float64) outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { tinyDebertaDir, goldenDir } from './fixtures.js';
import { readSafetensors } from '../../js/src/convert/safetensors.js';
import { decodeModel, encodeModel } from '../../js/src/convert/onnx-proto.js';
import {
  buildDebertaV2Onnx, readArchitecture, relativePositionIndexTable,
} from '../../js/src/convert/deberta-v2-graph.js';
import { writeOnnxModel } from '../../js/src/convert/write-onnx.js';
import { ModelFormatError } from '../../js/src/errors.js';

ort.env.wasm.numThreads = 1;

const TOLERANCE = 1e-5;
const readJson = async (file) => JSON.parse(await readFile(file, 'utf8'));

const config = await readJson(path.join(tinyDebertaDir, 'config.json'));
const weights = readSafetensors(await readFile(path.join(tinyDebertaDir, 'model.safetensors')));
const referenceBytes = await readFile(path.join(tinyDebertaDir, 'model.onnx'));
const built = buildDebertaV2Onnx(config, weights);
const mine = await ort.InferenceSession.create(built.onnx);
const reference = await ort.InferenceSession.create(referenceBytes);

/** Pads id lists with 0 into one batch; returns feeds plus the masks as numbers. */
function makeBatch(idLists) {
  const length = Math.max(...idLists.map((ids) => ids.length));
  const ids = new BigInt64Array(idLists.length * length);
  const mask = new BigInt64Array(idLists.length * length);
  idLists.forEach((list, b) => list.forEach((id, k) => {
    ids[b * length + k] = BigInt(id);
    mask[b * length + k] = 1n;
  }));
  const dims = [idLists.length, length];
  return {
    length,
    feeds: { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) },
  };
}

async function hiddenStates(session, feeds) {
  return (await session.run(feeds)).last_hidden_state;
}

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** sentence-transformers mean pooling of row b (first `count` tokens unmasked). */
function meanPool(hidden, b, length, count) {
  const size = hidden.dims[2];
  const out = new Float64Array(size);
  for (let k = 0; k < count; k++) {
    for (let d = 0; d < size; d++) out[d] += hidden.data[(b * length + k) * size + d];
  }
  return out.map((v) => v / Math.max(count, 1e-9));
}

/** Runs both graphs on a batch; returns the max abs difference and our output. */
async function compareWithReference(idLists) {
  const { feeds, length } = makeBatch(idLists);
  const ours = await hiddenStates(mine, feeds);
  const theirs = await hiddenStates(reference, feeds);
  return { diff: maxAbsDiff(ours.data, theirs.data), ours, length };
}

test('relative position indices match make_log_bucket_position for distances -600..600', async () => {
  const golden = await readJson(path.join(goldenDir, 'relative_position_buckets.json'));
  const { span, table } = relativePositionIndexTable(readArchitecture(config));
  const lookup = (d) => table[Math.min(Math.max(d, -span), span) + span];
  for (const [distance, , c2p, p2c] of golden.rows) {
    assert.equal(lookup(distance), c2p, `c2p index at distance ${distance}`);
    assert.equal(lookup(-distance), p2c, `p2c index at distance ${distance}`);
  }
});

test('every golden sentence: last_hidden_state matches the reference ONNX, pooled matches golden', async (t) => {
  const { sentences } = await readJson(path.join(goldenDir, 'sentences.json'));
  // Batches of similar length keep padding (and run time) small; padding is exercised too.
  const sorted = [...sentences].sort((a, b) => a.ids.length - b.ids.length);
  let worstHidden = 0;
  let worstPooled = 0;
  for (let start = 0; start < sorted.length; start += 32) {
    const group = sorted.slice(start, start + 32);
    const { diff, ours, length } = await compareWithReference(group.map((s) => s.ids));
    worstHidden = Math.max(worstHidden, diff);
    group.forEach((s, b) => {
      worstPooled = Math.max(worstPooled, maxAbsDiff(meanPool(ours, b, length, s.ids.length), s.embedding));
    });
  }
  t.diagnostic(`${sentences.length} sentences: max abs vs reference ONNX ${worstHidden.toExponential(2)}, ` +
    `pooled vs golden ${worstPooled.toExponential(2)}`);
  assert.ok(worstHidden <= TOLERANCE, `hidden states differ by ${worstHidden}`);
  assert.ok(worstPooled <= TOLERANCE, `pooled embeddings differ by ${worstPooled}`);
});

test('padded batch of 16 (batch_consistency.json)', async (t) => {
  const golden = await readJson(path.join(goldenDir, 'batch_consistency.json'));
  const idLists = golden.input_ids.map((row, b) => row.filter((_, k) => golden.attention_mask[b][k] === 1));
  const { feeds, length } = makeBatch(idLists);
  assert.equal(length, golden.input_ids[0].length);
  const ours = await hiddenStates(mine, feeds);
  const diff = maxAbsDiff(ours.data, (await hiddenStates(reference, feeds)).data);
  let pooled = 0;
  idLists.forEach((ids, b) => {
    pooled = Math.max(pooled, maxAbsDiff(meanPool(ours, b, length, ids.length), golden.batch_embeddings[b]));
  });
  t.diagnostic(`max abs vs reference ONNX ${diff.toExponential(2)}, pooled vs golden ${pooled.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE && pooled <= TOLERANCE);
});

test('300-token sequence (log-bucketed distances) and golden token states', async (t) => {
  const golden = await readJson(path.join(goldenDir, 'model_level.json'));
  const long = golden.long_sequence;
  const { diff, ours } = await compareWithReference([long.input_ids]);
  const size = ours.dims[2];
  const pooled = maxAbsDiff(meanPool(ours, 0, long.input_ids.length, long.input_ids.length), long.mean_pooled);
  let rows = 0;
  for (const [position, row] of Object.entries(long.last_hidden_state_rows)) {
    rows = Math.max(rows, maxAbsDiff(ours.data.subarray(Number(position) * size, (Number(position) + 1) * size), row));
  }
  let tokens = 0;
  for (const item of golden.token_hidden_states) {
    const { feeds } = makeBatch([item.ids]);
    tokens = Math.max(tokens, maxAbsDiff((await hiddenStates(mine, feeds)).data, item.last_hidden_state.flat()));
  }
  t.diagnostic(`300 tokens: max abs vs reference ONNX ${diff.toExponential(2)}, pooled vs golden ` +
    `${pooled.toExponential(2)}, rows vs golden ${rows.toExponential(2)}; token states vs golden ${tokens.toExponential(2)}`);
  for (const v of [diff, pooled, rows, tokens]) assert.ok(v <= TOLERANCE, `difference ${v}`);
});

test('longer than the 512 relative positions: 600 tokens, padded batch of 2', async (t) => {
  const ids = Array.from({ length: 600 }, (_, k) => 5 + ((k * 7919) % 11990));
  const { diff } = await compareWithReference([ids, ids.slice(0, 450)]);
  t.diagnostic(`600 tokens: max abs vs reference ONNX ${diff.toExponential(2)}`);
  assert.ok(diff <= TOLERANCE, `hidden states differ by ${diff}`);
});

test('external data: same outputs when the weights live in a side file', async () => {
  const split = buildDebertaV2Onnx(config, weights, { externalData: true });
  assert.equal(split.externalDataLocation, 'model.onnx_data');
  assert.ok(split.onnx.length < 100_000, 'the graph file should hold no weights');
  const session = await ort.InferenceSession.create(split.onnx, {
    externalData: [{ path: 'model.onnx_data', data: split.externalData }],
  });
  const { feeds } = makeBatch([[2, 100, 200, 300, 3], [2, 5, 3]]);
  assert.deepEqual((await hiddenStates(session, feeds)).data, (await hiddenStates(mine, feeds)).data);
  await session.release();

  const dir = await mkdtemp(path.join(os.tmpdir(), 'deberta-graph-'));
  try {
    const written = await writeOnnxModel(path.join(dir, 'onnx', 'model.onnx'), split);
    assert.equal(written.externalDataPath, path.join(dir, 'onnx', 'model.onnx_data'));
    assert.ok((await readFile(written.externalDataPath)).equals(split.externalData));
    assert.ok((await readFile(written.onnxPath)).equals(split.onnx));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a "deberta." prefix on weight names is accepted', () => {
  const prefixed = new Map([...weights].map(([name, t]) => [`deberta.${name}`, t]));
  assert.ok(Buffer.from(buildDebertaV2Onnx(config, prefixed).onnx).equals(built.onnx));
});

test('unsupported or broken configurations fail with ModelFormatError', () => {
  const attempt = (patch, w = weights) => () => buildDebertaV2Onnx({ ...config, ...patch }, w);
  assert.throws(attempt({ conv_kernel_size: 3 }), (e) => e instanceof ModelFormatError && /conv_kernel_size/.test(e.message));
  assert.throws(attempt({ pos_att_type: ['p2p'] }), ModelFormatError);
  assert.throws(attempt({ hidden_act: 'mish' }), ModelFormatError);
  assert.throws(attempt({ norm_rel_ebd: 'batch_norm' }), ModelFormatError);
  assert.throws(attempt({ model_type: 'bert' }), ModelFormatError);
  assert.throws(attempt({ hidden_size: 96 }), ModelFormatError); // weights no longer fit the config
  const missing = new Map(weights);
  missing.delete('encoder.layer.1.attention.self.query_proj.weight');
  assert.throws(attempt({}, missing), (e) => e instanceof ModelFormatError && /query_proj\.weight/.test(e.message));
});

test('onnx-proto re-encodes the torch-exported model byte for byte', () => {
  // Compare as Buffers: a failing deepEqual on 3.6 MB arrays would print every byte.
  assert.ok(Buffer.from(encodeModel(decodeModel(referenceBytes))).equals(referenceBytes));
});
