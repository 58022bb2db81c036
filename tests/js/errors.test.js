// Bad input gets a typed error that names the problem and the fix, and never breaks the
// next call.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  Embedder, similarity, similarityMatrix, DisposedError, FileNotFoundError, InvalidArgumentError, ModelFormatError,
} from '../../js/src/index.js';
import { tinyDebertaDir } from './fixtures.js';
import { copyModel } from './support/model-copy.js';

describe('model loading errors', () => {
  it('names a missing file and the folder', async () => {
    const dir = await copyModel(tinyDebertaDir);
    await fs.rm(path.join(dir, 'config.json'));
    await assert.rejects(Embedder.load(dir), (err) => err instanceof FileNotFoundError &&
      err.code === 'E_FILE_NOT_FOUND' && /config\.json/.test(err.message) && err.message.includes(dir));
  });

  it('names the ONNX files and weights it looked for when a folder has neither', async () => {
    const dir = await copyModel(tinyDebertaDir);
    for (const file of ['model.onnx', 'model.safetensors', 'pytorch_model.bin']) await fs.rm(path.join(dir, file));
    await assert.rejects(Embedder.load(dir), (err) => err instanceof FileNotFoundError &&
      /model\.onnx/.test(err.message) && /model\.safetensors/.test(err.message) && /index\.json/.test(err.message));
  });

  it('rejects a vocab without [UNK]', async () => {
    const dir = await copyModel(tinyDebertaDir);
    const vocab = await fs.readFile(path.join(dir, 'vocab.txt'), 'utf8');
    await fs.writeFile(path.join(dir, 'vocab.txt'), vocab.replace('[UNK]\n', '[UNUSED]\n'));
    await assert.rejects(Embedder.load(dir), (err) => err instanceof ModelFormatError && /\[UNK\]/.test(err.message));
  });

  it('rejects broken JSON and a file that is not an ONNX model', async () => {
    const dir = await copyModel(tinyDebertaDir);
    await fs.writeFile(path.join(dir, 'sentence_bert_config.json'), '{"max_seq_length": ');
    await assert.rejects(Embedder.load(dir), (err) => err instanceof ModelFormatError && /not valid JSON/.test(err.message));
    const dir2 = await copyModel(tinyDebertaDir);
    await fs.writeFile(path.join(dir2, 'model.onnx'), 'not a model');
    await assert.rejects(Embedder.load(dir2, { threads: 1 }), ModelFormatError);
  });

  it('rejects unknown and invalid options', async () => {
    await assert.rejects(Embedder.load(tinyDebertaDir, { thread: 2 }), /Unknown load option 'thread'/);
    await assert.rejects(Embedder.load(tinyDebertaDir, { maxLength: 100000 }), InvalidArgumentError);
    await assert.rejects(Embedder.load(tinyDebertaDir, { dtype: 'int3' }), /dtype/);
    await assert.rejects(Embedder.load(42), InvalidArgumentError);
    await assert.rejects(Embedder.load('/no/such/folder/anywhere'), FileNotFoundError);
  });
});

describe('calls on a loaded model', () => {
  let model;
  before(async () => { model = await Embedder.load(tinyDebertaDir, { threads: 1, maxLength: 16 }); });
  after(() => model.dispose());

  it('rejects texts that are not strings and still works afterwards', async () => {
    await assert.rejects(model.embed(['ok', 42]), (err) => err instanceof InvalidArgumentError && /item 1/.test(err.message));
    await assert.rejects(model.embed({ text: 'x' }), InvalidArgumentError);
    assert.throws(() => model.tokenize(null), InvalidArgumentError);
    await assert.rejects(model.embed(['x'], { batchSize: 0 }), /batchSize/);
    const { dims } = await model.embed(['정상 동작']);
    assert.deepEqual(dims, [1, 64]);
  });

  it('drops lone surrogates as the reference does, without swallowing neighbours', async () => {
    assert.deepEqual(model.tokenize('\ud800abc\udfff 한국'), model.tokenize('abc 한국'));
    const [a, b] = [await model.embed(['x\udc00y']), await model.embed(['xy'])];
    assert.deepEqual(a.data, b.data);
  });

  it('honours maxLength and reports truncation', () => {
    const { ids, truncated } = model.tokenize('가 '.repeat(50));
    assert.equal(ids.length, 16);
    assert.equal(truncated, true);
  });

  it('embeds an empty list to an empty result', async () => {
    const { data, dims } = await model.embed([]);
    assert.equal(data.length, 0);
    assert.deepEqual(dims, [0, 64]);
  });

  it('stops between batches when aborted and reports progress', async () => {
    const events = [];
    await model.embed(['a', 'b', 'c'], { batchSize: 1, onProgress: (e) => events.push(e.done) });
    assert.deepEqual(events, [1, 2, 3]);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(model.embed(['a'], { signal: controller.signal }), { code: 'E_ABORTED' });
  });
});

describe('similarity errors', () => {
  it('rejects unknown metrics and mismatched vectors', () => {
    assert.throws(() => similarity([1, 2], [1, 2], 'cosin'), /use one of cosine/);
    assert.throws(() => similarity([1, 2], [1, 2, 3]), /differ in length/);
    assert.throws(() => similarity('a', [1]), InvalidArgumentError);
    assert.throws(() => similarityMatrix({ data: new Float32Array(2), dims: [1, 2] },
      { data: new Float32Array(3), dims: [1, 3] }), /differ in width/);
  });

  it('computes a matrix equal to the pairs', () => {
    const a = { data: Float32Array.from([1, 0, 0, 1]), dims: [2, 2] };
    const b = { data: Float32Array.from([1, 1]), dims: [1, 2] };
    const m = similarityMatrix(a, b, 'cosine');
    assert.deepEqual(m.dims, [2, 1]);
    assert.ok(Math.abs(m.data[0] - Math.SQRT1_2) < 1e-7 && Math.abs(m.data[1] - Math.SQRT1_2) < 1e-7);
  });
});

describe('dispose', () => {
  it('frees the model and refuses later calls with DisposedError', async () => {
    const model = await Embedder.load(tinyDebertaDir, { threads: 1 });
    await model.dispose();
    await model.dispose(); // twice is harmless
    assert.throws(() => model.tokenize('x'), DisposedError);
    await assert.rejects(model.embed(['x']), DisposedError);
  });
});

it('refuses a config.json whose hidden_size differs from what the graph outputs (no padded vectors)', async () => {
  const dir = await copyModel(tinyDebertaDir);
  const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...config, hidden_size: 128 }));
  const model = await Embedder.load(dir, { threads: 1 });
  try {
    await assert.rejects(model.embed('가나다'), (err) => err instanceof ModelFormatError && /outputs 64 values per token/.test(err.message));
    assert.equal(model.tokenize('가나다').ids.length > 2, true, 'the model stays usable');
  } finally {
    await model.dispose();
  }
});

it('refuses modules it does not run (Dense, ...), a pipeline out of order, and a pooling with no mode', async () => {
  const dir = await copyModel(tinyDebertaDir);
  const modulesFile = path.join(dir, 'modules.json');
  const modules = JSON.parse(await fs.readFile(modulesFile, 'utf8'));
  const dense = { idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' };
  await fs.writeFile(modulesFile, JSON.stringify([...modules, dense]));
  await assert.rejects(Embedder.load(dir, { threads: 1 }), (err) => err instanceof ModelFormatError && /"sentence_transformers\.models\.Dense" module/.test(err.message));
  await fs.writeFile(modulesFile, JSON.stringify([...modules].reverse()));
  await assert.rejects(Embedder.load(dir, { threads: 1 }), (err) => err instanceof ModelFormatError && /lists Pooling, Transformer/.test(err.message));
  await fs.writeFile(modulesFile, JSON.stringify(modules));
  const poolingFile = path.join(dir, '1_Pooling', 'config.json');
  const pooling = JSON.parse(await fs.readFile(poolingFile, 'utf8'));
  await fs.writeFile(poolingFile, JSON.stringify({ ...pooling, pooling_mode_mean_tokens: false }));
  await assert.rejects(Embedder.load(dir, { threads: 1 }), (err) => err instanceof ModelFormatError && /no pooling mode/.test(err.message));
});
