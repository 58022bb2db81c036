// Embedder.load and the CLI by Hugging Face repository id, against a real HTTP server on
// 127.0.0.1 in the Hub's URL layout: cold (download, convert, cache) and warm (offline).
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL, Embedder, FileNotFoundError, IntegrityError, OfflineCacheMissError, rows, similarity } from '../../js/src/index.js';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { maxAbsDiff, readGolden } from './support/golden.js';
import { copyModel } from './support/model-copy.js';
import { startHubServer } from './support/hub-server.js';
import { fakeCaches } from './support/fake-caches.js';
import { createBrowserCache } from '../../js/src/hub/index.js';
import { isolateHubEnv } from './support/hub-env.js';

const ONNX_REPO = 'test-org/tiny-onnx';
const WEIGHTS_REPO = 'test-org/tiny-weights-only';
const { sentences } = readGolden('sentences.json');
const texts = sentences.map((s) => s.text);

let server;
let cacheDir;
let restoreEnv;
const load = (repo, extra = {}) => Embedder.load(repo, { endpoint: server.endpoint, cacheDir, threads: 1, ...extra });

before(async () => {
  restoreEnv = isolateHubEnv();
  // A repository as bi-matrix/gmatrix-embedding is published: PyTorch weights, no ONNX file.
  const weightsOnly = await copyModel(tinyDebertaDir);
  await fs.rm(path.join(weightsOnly, 'model.onnx'));
  await fs.rm(path.join(weightsOnly, 'model.safetensors'));
  server = await startHubServer({
    repos: { [ONNX_REPO]: { dir: tinyDebertaDir }, [WEIGHTS_REPO]: { dir: weightsOnly }, [DEFAULT_MODEL]: { dir: weightsOnly } },
  });
});
after(async () => {
  await server.close();
  restoreEnv();
});
beforeEach(async () => {
  server.reset();
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-hubload-'));
});
afterEach(async () => {
  await fs.rm(cacheDir, { recursive: true, force: true });
});

async function embedAll(model) {
  try {
    return rows(await model.embed(texts));
  } finally {
    await model.dispose();
  }
}

function assertGolden(vectors, tolerance = 1e-5) {
  vectors.forEach((v, i) => assert.ok(maxAbsDiff(v, sentences[i].embedding) <= tolerance, sentences[i].id));
}

function cosineStats(vectors) {
  const cosines = vectors.map((v, i) => similarity(v, Float32Array.from(sentences[i].embedding)));
  return { mean: cosines.reduce((a, b) => a + b, 0) / cosines.length, min: Math.min(...cosines) };
}

describe('loading by repository id', () => {
  it('uses a repository ONNX file cold, with progress, then warm and offline', async () => {
    const events = [];
    assertGolden(await embedAll(await load(ONNX_REPO, { onProgress: (e) => events.push(e) })));
    const last = events.at(-1);
    assert.equal(last.loaded, last.total);
    assert.ok(events.some((e) => e.file === 'model.onnx'));
    server.reset();
    assertGolden(await embedAll(await load(ONNX_REPO, { offline: true })));
    assert.equal(server.requests.length, 0, 'offline load must not touch the network');
  });

  it('converts PyTorch weights when there is no ONNX file, and caches the conversion', async () => {
    const events = [];
    assertGolden(await embedAll(await load(WEIGHTS_REPO, { onProgress: (e) => events.push(e) })));
    assert.ok(events.some((e) => e.status === 'convert'), 'conversion is reported as progress');
    const converted = path.join(cacheDir, 'converted', 'models--test-org--tiny-weights-only');
    assert.ok((await fs.readdir(converted)).length === 1);
    const warmEvents = [];
    assertGolden(await embedAll(await load(WEIGHTS_REPO, { offline: true, onProgress: (e) => warmEvents.push(e) })));
    assert.ok(!warmEvents.some((e) => e.status === 'convert'), 'warm load reuses the conversion');
  });

  it('keeps conversions in the browser Cache API storage too', async () => {
    const caches = fakeCaches();
    const cache = createBrowserCache({ caches });
    const events = [];
    assertGolden(await embedAll(await load(WEIGHTS_REPO, { cache, onProgress: (e) => events.push(e.status) })));
    assert.ok(events.includes('convert'));
    const keys = [...caches.stores.get('gmatrix-embed').keys()];
    assert.ok(keys.some((k) => k.includes('/converted/') && k.endsWith('/onnx/model.onnx')), 'conversion stored');
    const warm = [];
    assertGolden(await embedAll(await load(WEIGHTS_REPO, { cache, offline: true, onProgress: (e) => warm.push(e.status) })));
    assert.ok(!warm.includes('convert'), 'warm load reuses the stored conversion');
  });

  it('loads the default model, bi-matrix/gmatrix-embedding, when no source is given', async () => {
    const model = await Embedder.load(undefined, { endpoint: server.endpoint, cacheDir, threads: 1 });
    assert.match(model.info.source, /bi-matrix\/gmatrix-embedding/);
    assert.equal(model.info.license, 'cc-by-4.0');
    assertGolden(await embedAll(model));
  });

  it('converts to q8 and q4 within the cosine bounds', async () => {
    const q8 = cosineStats(await embedAll(await load(WEIGHTS_REPO, { dtype: 'q8' })));
    assert.ok(q8.mean >= 0.999 && q8.min >= 0.995, `q8 mean ${q8.mean} min ${q8.min}`);
    const q4 = cosineStats(await embedAll(await load(WEIGHTS_REPO, { dtype: 'q4' })));
    assert.ok(q4.min >= 0.98, `q4 mean ${q4.mean} min ${q4.min}`);
  });

  it('survives a connection dropped mid-file', async () => {
    server.faults.dropAfter = { path: 'pytorch_model.bin', bytes: 1_000_000, times: 1 };
    assertGolden(await embedAll(await load(WEIGHTS_REPO)));
    assert.ok(server.requests.some((r) => r.file === 'pytorch_model.bin' && /^bytes=[1-9]/.test(r.range ?? '')),
      'the download resumed with a Range request');
  });

  it('rejects a corrupted file and leaves the cache usable', async () => {
    server.faults.wrongChecksum.add('pytorch_model.bin');
    await assert.rejects(load(WEIGHTS_REPO), IntegrityError);
    server.reset();
    assertGolden(await embedAll(await load(WEIGHTS_REPO)));
  });

  it('says which file is missing: 404 online, cache miss offline', async () => {
    server.faults.notFound.add('vocab.txt');
    await assert.rejects(load(ONNX_REPO), (err) => err instanceof FileNotFoundError && /vocab\.txt/.test(err.message));
    await assert.rejects(load(ONNX_REPO, { offline: true }), OfflineCacheMissError);
    await assert.rejects(load('test-org/no-such-repo'), FileNotFoundError);
  });
});

describe('CLI by repository id', () => {
  it('embeds and converts with HF_ENDPOINT and GMATRIX_EMBED_CACHE from the environment', async () => {
    const env = { ...process.env, HF_ENDPOINT: server.endpoint, GMATRIX_EMBED_CACHE: cacheDir };
    const run = (args, input = '') => new Promise((resolve) => {
      const child = execFile(process.execPath, [path.join(repoRoot, 'js/bin/gmatrix-embed.js'), ...args], { env },
        (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
      child.stdin.end(input);
    });
    const embedded = await run(['embed', '--model', WEIGHTS_REPO, '--input', '-'], `${sentences[40].text}\n`);
    assert.equal(embedded.code, 0, embedded.stderr);
    assert.ok(maxAbsDiff(JSON.parse(embedded.stdout).embedding, sentences[40].embedding) <= 1e-5);

    const out = path.join(cacheDir, 'out');
    const converted = await run(['convert', WEIGHTS_REPO, '--out', out, '--dtype', 'fp32,q8,q4']);
    assert.equal(converted.code, 0, converted.stderr);
    for (const file of ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx', 'vocab.txt', '1_Pooling/config.json']) {
      assert.ok((await fs.stat(path.join(out, file))).size > 0, file);
    }
    const fp32 = (await fs.stat(path.join(out, 'onnx/model.onnx'))).size;
    assert.ok((await fs.stat(path.join(out, 'onnx/model_q4.onnx'))).size < (await fs.stat(path.join(out, 'onnx/model_quantized.onnx'))).size);
    assert.ok((await fs.stat(path.join(out, 'onnx/model_quantized.onnx'))).size < fp32);
    const model = await Embedder.load(out, { threads: 1 });
    assertGolden(await embedAll(model));
  });
});

describe('option errors before any download', () => {
  it('rejects a misspelt option without touching the network', async () => {
    server.reset();
    await assert.rejects(Embedder.load(WEIGHTS_REPO, { endpoint: server.endpoint, cacheDir, dtpye: 'q8' }), /Unknown load option 'dtpye'/);
    await assert.rejects(Embedder.load(WEIGHTS_REPO, { endpoint: server.endpoint, cacheDir, threads: 0 }), /threads/);
    assert.equal(server.requests.length, 0);
  });
});
