// The backend choice ('auto' | 'wasm' | 'native'), the fallback when onnxruntime-node is missing,
// the load-time graph pass against the unmodified graph, token-count batching and the lazy
// external-data reader. Golden parity of every backend is in golden.test.js.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ortWeb from 'onnxruntime-web';
import { Embedder, BackendUnavailableError, InvalidArgumentError } from '../../js/src/index.js';
import { planBatches } from '../../js/src/batching.js';
import { optimizeGraph } from '../../js/src/graph/optimize.js';
import { LazyFileBytes } from '../../js/src/backends/lazy-file-bytes.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { repoRoot, tinyDebertaDir, fixturesDir } from './fixtures.js';
import { BACKENDS, maxAbsDiff, readGolden } from './support/golden.js';

const run = promisify(execFile);
const hasNative = BACKENDS.includes('native');

describe('backend choice', () => {
  it("'auto' runs onnxruntime-node in Node and says so", { skip: !hasNative && 'native not tested here' }, async () => {
    const model = await Embedder.load(tinyDebertaDir, { threads: 1 });
    try {
      assert.equal(model.info.backend, 'native');
      assert.match(model.info.backendReason, /^auto: onnxruntime-node loaded/);
      assert.deepEqual(model.info.graphPasses, ['relative attention without Tile (4 copies removed)',
        'embedding table m.embeddings.word_embeddings.weight read by row (12000 x 64), not loaded']);
    } finally {
      await model.dispose();
    }
  });

  it("'wasm' is used when asked", async () => {
    const model = await Embedder.load(tinyDebertaDir, { threads: 1, backend: 'wasm' });
    assert.equal(model.info.backend, 'wasm');
    assert.equal(model.info.backendReason, 'requested');
    await model.dispose();
  });

  it('refuses an unknown backend before loading anything', async () => {
    await assert.rejects(Embedder.load(tinyDebertaDir, { backend: 'cuda' }),
      (err) => err instanceof InvalidArgumentError && /'backend' must be one of auto, wasm, webgpu, native/.test(err.message));
  });

  // A real missing module, in a child process whose resolver cannot find onnxruntime-node.
  const hideNative = `data:text/javascript,${encodeURIComponent(`
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(
      'export async function resolve(s, c, next) { if (s === "onnxruntime-node") throw Object.assign(' +
      'new Error("Cannot find package \\'onnxruntime-node\\'"), { code: "ERR_MODULE_NOT_FOUND" }); return next(s, c); }'));
  `)}`;
  const childScript = (backend) => `
    import { Embedder } from ${JSON.stringify(path.join(repoRoot, 'js/src/index.js'))};
    try {
      const m = await Embedder.load(${JSON.stringify(tinyDebertaDir)}, { threads: 1, backend: '${backend}' });
      const { data } = await m.embed(['안녕하세요']);
      console.log(JSON.stringify({ backend: m.info.backend, reason: m.info.backendReason, first: data[0] }));
      await m.dispose();
    } catch (err) {
      console.log(JSON.stringify({ error: err.name, message: err.message }));
    }`;

  it("'auto' falls back to WASM with a one-line reason when onnxruntime-node is missing", async () => {
    const { stdout } = await run(process.execPath, ['--import', hideNative, '--input-type=module', '-e', childScript('auto')]);
    const result = JSON.parse(stdout);
    assert.equal(result.backend, 'wasm');
    assert.match(result.reason, /^auto: onnxruntime-node could not be loaded \(Cannot find package 'onnxruntime-node'\); install it with/);
    assert.doesNotMatch(result.reason, /\n/);
    assert.ok(Number.isFinite(result.first));
  });

  it("'native' without onnxruntime-node is a BackendUnavailableError that says how to fix it", async () => {
    const { stdout } = await run(process.execPath, ['--import', hideNative, '--input-type=module', '-e', childScript('native')]);
    const result = JSON.parse(stdout);
    assert.equal(result.error, 'BackendUnavailableError');
    assert.match(result.message, /npm install onnxruntime-node@1\.30\.0/);
  });

  it('a model held in memory with external weights runs on WASM; native refuses it clearly',
    { skip: !hasNative && 'native not tested here' }, async () => {
      const files = new Map();
      for (const name of ['config.json', 'modules.json', 'sentence_bert_config.json', 'tokenizer_config.json',
        'special_tokens_map.json', 'vocab.txt', '1_Pooling/config.json']) {
        files.set(name, new Uint8Array(fs.readFileSync(path.join(tinyDebertaDir, name))));
      }
      // The tiny model's graph with its weights moved to a side file, as large exports ship.
      const { buildDebertaV2Onnx } = await import('../../js/src/convert/deberta-v2-graph.js');
      const { readSafetensors } = await import('../../js/src/convert/safetensors.js');
      const built = buildDebertaV2Onnx(JSON.parse(fs.readFileSync(path.join(tinyDebertaDir, 'config.json'), 'utf8')),
        readSafetensors(new Uint8Array(fs.readFileSync(path.join(tinyDebertaDir, 'model.safetensors')))),
        { externalData: true });
      files.set('model.onnx', built.onnx);
      files.set('model.onnx_data', built.externalData);
      const source = new MemoryFolderSource(files, 'memory test model');
      await assert.rejects(Embedder.load(source, { backend: 'native' }),
        (err) => err instanceof BackendUnavailableError && /only read from a local folder/.test(err.message));
      const model = await Embedder.load(source, { threads: 1 });
      try {
        assert.equal(model.info.backend, 'wasm');
        assert.match(model.info.backendReason, /^auto: the model's weights sit in model\.onnx_data/);
        const s = readGolden('sentences.json').sentences[3];
        assert.ok(maxAbsDiff((await model.embed(s.text)).data, s.embedding) <= 1e-5);
      } finally {
        await model.dispose();
      }
    });
});

describe('graph pass: relative attention without Tile', () => {
  const original = new Uint8Array(fs.readFileSync(path.join(tinyDebertaDir, 'model.onnx')));

  for (const windowedProjection of [false, true]) it(`computes what the exported graph computes, short and past the 256 position buckets${
    windowedProjection ? ' (projections per call, windowed)' : ''}`, async () => {
    const { bytes, applied } = optimizeGraph(original, { windowedProjection });
    assert.deepEqual(applied, ['relative attention without Tile (4 copies removed)']);
    const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
    const [a, b] = [await ortWeb.InferenceSession.create(original, options), await ortWeb.InferenceSession.create(bytes, options)];
    try {
      for (const [rows, length] of [[1, 2], [3, 9], [2, 300]]) {
        const ids = new BigInt64Array(rows * length);
        const mask = new BigInt64Array(rows * length);
        for (let r = 0; r < rows; r++) {
          const real = Math.max(2, length - 5 * r); // later rows padded
          for (let k = 0; k < real; k++) {
            ids[r * length + k] = BigInt(5 + ((r * 7919 + k * 131) % 11000));
            mask[r * length + k] = 1n;
          }
        }
        const feeds = { input_ids: new ortWeb.Tensor('int64', ids, [rows, length]), attention_mask: new ortWeb.Tensor('int64', mask, [rows, length]) };
        const [x, y] = [(await a.run(feeds)).last_hidden_state, (await b.run(feeds)).last_hidden_state];
        assert.deepEqual(y.dims, x.dims);
        assert.ok(maxAbsDiff(x.data, y.data) <= 1e-5, `${rows}x${length}: ${maxAbsDiff(x.data, y.data)}`);
      }
    } finally {
      await a.release();
      await b.release();
    }
  });

  it('leaves a graph without the pattern as it is', () => {
    const bert = new Uint8Array(fs.readFileSync(path.join(fixturesDir, 'tiny-bert', 'model.onnx')));
    const result = optimizeGraph(bert);
    assert.deepEqual(result.applied, []);
    assert.equal(result.bytes, bert);
  });
});

describe('token-count batching', () => {
  it('orders by length, longest first, and keeps every batch within the budgets', () => {
    const lengths = Int32Array.from([5, 40, 7, 40, 128, 3, 9, 9, 2, 64]);
    const batches = [...planBatches(lengths, { maxRows: 3, maxTokens: 100 })].map((b) => [...b]);
    assert.deepEqual(batches.flat().sort((a, b) => a - b), [...lengths.keys()], 'each text exactly once');
    assert.deepEqual(batches.flat().map((i) => lengths[i]), [...lengths].sort((a, b) => b - a));
    for (const b of batches) {
      assert.ok(b.length <= 3);
      // A text longer than the budget runs alone.
      assert.ok(b.length === 1 || b.length * lengths[b[0]] <= 100, `${b}`);
    }
    assert.deepEqual(batches[0], [4]);
    assert.deepEqual(batches[1], [9]);
  });
});

describe('LazyFileBytes', () => {
  it('reports the file size and reads exactly the requested ranges', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gmatrix-lazy-')), 'data');
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    fs.writeFileSync(file, bytes);
    const lazy = new LazyFileBytes(file);
    try {
      assert.ok(lazy instanceof Uint8Array);
      assert.equal(lazy.byteLength, 1000);
      assert.deepEqual([...lazy.subarray(10, 20)], [...bytes.subarray(10, 20)]);
      assert.deepEqual([...lazy.subarray(990, 2000)], [...bytes.subarray(990)]);
    } finally {
      lazy.close();
      fs.rmSync(path.dirname(file), { recursive: true });
    }
    assert.throws(() => lazy.subarray(0, 1), /closed/);
  });
});

describe('tokenize fast path', () => {
  it('is exact on the first call of a fresh process and when a longer text grows the input buffer', async () => {
    const script = `
      import { Embedder } from ${JSON.stringify(path.join(repoRoot, 'js/src/index.js'))};
      const m = await Embedder.load(${JSON.stringify(tinyDebertaDir)}, { threads: 1, backend: 'wasm' });
      const texts = ['한 소녀가 머리를 스타일링하고 있다.', '가 '.repeat(3000) + '끝', '짧다'];
      console.log(JSON.stringify(texts.map((t) => m.tokenize(t).ids)));
      console.log(JSON.stringify(texts.map((t) => m.tokenize(t).ids)));
      await m.dispose();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    const [first, again] = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(first, again);
    assert.ok(first[0].length > 5, `first call: ${first[0]}`);
    assert.equal(first[1].length, 128, 'the long text is truncated to maxLength');
  });
});
