// The loader's policy for folders (js/src/loader/): a folder's ONNX file is used as it is; a
// folder of only weights is converted, exactly like a Hub repository without ONNX, and the
// conversion cached, keyed by the files it was made from.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Embedder, rows } from '../../js/src/index.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { goldenBertDir, maxAbsDiff, readGolden, tinyBertDir } from './support/golden.js';
import { copyModel } from './support/model-copy.js';
import { rawTensors, shardFiles } from './support/checkpoints.js';
import { startHubServer } from './support/hub-server.js';
import { isolateHubEnv } from './support/hub-env.js';

const { sentences } = readGolden('sentences.json');
const some = sentences.slice(0, 40);

let cacheDir;
let weightsOnly;
before(async () => {
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-loader-cache-'));
  weightsOnly = await copyModel(tinyDebertaDir);
  await fs.rm(path.join(weightsOnly, 'model.onnx'));
});
after(async () => {
  await fs.rm(cacheDir, { recursive: true, force: true });
  await fs.rm(weightsOnly, { recursive: true, force: true });
});

async function embedSome(source, options) {
  const events = [];
  const model = await Embedder.load(source, { threads: 1, cacheDir, onProgress: (e) => events.push(e.status), ...options });
  try {
    return { info: model.info, vectors: rows(await model.embed(some.map((s) => s.text))), converted: events.includes('convert') };
  } finally {
    await model.dispose();
  }
}

function assertGolden(vectors, tolerance = 1e-5) {
  vectors.forEach((v, i) => assert.ok(maxAbsDiff(v, some[i].embedding) <= tolerance, `${some[i].id}: ${maxAbsDiff(v, some[i].embedding)}`));
}

describe('a local folder of only weights', () => {
  it('converts on the first load, then loads the cached conversion', async () => {
    const cold = await embedSome(weightsOnly);
    assert.ok(cold.converted, 'the first load reports the conversion as progress');
    assert.deepEqual({ from: cold.info.conversion.from, cached: cold.info.conversion.cached }, { from: 'model.safetensors', cached: false });
    assert.equal(cold.info.onnx, 'onnx/model.onnx');
    assertGolden(cold.vectors);
    assert.ok(cold.info.conversion.location.startsWith(path.join(cacheDir, 'converted', 'local')), cold.info.conversion.location);

    const warm = await embedSome(weightsOnly);
    assert.equal(warm.converted, false, 'a warm load does not convert again');
    assert.equal(warm.info.conversion.cached, true);
    assertGolden(warm.vectors);
  });

  it('converts again when the weights change', async () => {
    const file = path.join(weightsOnly, 'model.safetensors');
    const later = new Date(Date.now() + 5000);
    await fs.utimes(file, later, later);
    const changed = await embedSome(weightsOnly);
    assert.ok(changed.converted);
    assertGolden(changed.vectors);
  });

  it('converts to a requested dtype the folder has no ONNX file for', async () => {
    const withOnnx = await copyModel(tinyDebertaDir); // model.onnx (fp32) + weights
    try {
      const q8 = await embedSome(withOnnx, { dtype: 'q8' });
      assert.ok(q8.converted);
      assert.equal(q8.info.dtype, 'q8');
      assert.equal(q8.info.onnx, 'onnx/model_quantized.onnx');
      assertGolden(q8.vectors, 0.2);
      const fp32 = await embedSome(withOnnx);
      assert.equal(fp32.converted, false, 'fp32 is the folder\'s own model.onnx');
      assert.equal(fp32.info.conversion, undefined);
    } finally {
      await fs.rm(withOnnx, { recursive: true, force: true });
    }
  });

  it('converts a source object in memory, without a cache entry', async () => {
    const files = new Map();
    for (const entry of await fs.readdir(tinyDebertaDir, { recursive: true })) {
      const full = path.join(tinyDebertaDir, entry);
      if ((await fs.stat(full)).isFile() && entry !== 'model.onnx') files.set(entry.split(path.sep).join('/'), new Uint8Array(await fs.readFile(full)));
    }
    const loaded = await embedSome(new MemoryFolderSource(files, 'files in memory'));
    assert.ok(loaded.converted);
    assert.equal(loaded.info.conversion.cached, false);
    assert.equal(loaded.info.conversion.location, undefined);
    assertGolden(loaded.vectors);
  });

  it('serves every CLI command the same way', async () => {
    const input = path.join(cacheDir, 'texts.txt');
    await fs.writeFile(input, `${some.slice(2, 6).map((s) => s.text.replace(/\s+/g, ' ').trim() || 'x').join('\n')}\n`);
    const run = (args) => new Promise((resolve) => {
      execFile(process.execPath, [path.join(repoRoot, 'js/bin/gmatrix-embed.js'), ...args],
        { env: { ...process.env, GMATRIX_EMBED_CACHE: cacheDir } }, (err, stdout, stderr) => resolve({ code: err?.code ?? 0, stdout, stderr }));
    });
    const embedded = await run(['embed', '--model', weightsOnly, '--input', input, '--threads', '1', '--quiet']);
    assert.equal(embedded.code, 0, embedded.stderr);
    assert.equal(embedded.stdout.trim().split('\n').length, 4);
    const similar = await run(['similarity', '--model', weightsOnly, '--threads', '1', '하늘이 맑다', '하늘이 맑습니다']);
    assert.equal(similar.code, 0, similar.stderr);
  });
});

/** A copy of a fixture with its weights as `count` shards + index and no ONNX file. */
async function shardedCopy(fromDir, count, format) {
  const dir = await copyModel(fromDir);
  const single = new Uint8Array(await fs.readFile(path.join(dir, 'model.safetensors')));
  for (const file of ['model.onnx', 'model.safetensors', 'pytorch_model.bin']) await fs.rm(path.join(dir, file), { force: true });
  for (const [name, bytes] of shardFiles(rawTensors(single), count, format)) await fs.writeFile(path.join(dir, name), bytes);
  return dir;
}

describe('sharded checkpoints', () => {
  it('a local folder of 3 safetensors shards converts, caches, and converts again when a shard changes', async () => {
    const dir = await shardedCopy(tinyDebertaDir, 3, 'safetensors');
    try {
      const cold = await embedSome(dir);
      assert.ok(cold.converted);
      assert.equal(cold.info.conversion.from, 'model.safetensors.index.json');
      assertGolden(cold.vectors);
      assert.equal((await embedSome(dir)).converted, false);
      const later = new Date(Date.now() + 5000);
      await fs.utimes(path.join(dir, 'model-00002-of-00003.safetensors'), later, later);
      assert.ok((await embedSome(dir)).converted, 'a changed shard is a new conversion');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a Hub repository of torch.save shards downloads only the index, shards and configuration', async () => {
    const dir = await shardedCopy(tinyDebertaDir, 2, 'bin');
    await fs.writeFile(path.join(dir, 'unrelated-00001-of-00002.bin'), 'not a shard of this model');
    const restoreEnv = isolateHubEnv();
    const server = await startHubServer({ repos: { 'test-org/sharded': { dir } } });
    try {
      const loaded = await embedSome('test-org/sharded', { endpoint: server.endpoint });
      assert.ok(loaded.converted);
      assertGolden(loaded.vectors);
      const fetched = new Set(server.requests.filter((r) => r.method === 'GET' && r.url.includes('/resolve/')).map((r) => r.url.split('/').pop()));
      for (const name of ['pytorch_model.bin.index.json', 'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin']) {
        assert.ok(fetched.has(name), `${name} downloaded`);
      }
      assert.ok(!fetched.has('unrelated-00001-of-00002.bin'));
      server.reset();
      const warm = await embedSome('test-org/sharded', { endpoint: server.endpoint, offline: true });
      assert.equal(warm.converted, false);
      assertGolden(warm.vectors);
    } finally {
      await server.close();
      restoreEnv();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('other families', () => {
  it('a BERT folder of only float16 weights converts and embeds like the reference', async () => {
    const dir = await copyModel(tinyBertDir);
    try {
      await fs.rm(path.join(dir, 'model.onnx'));
      const { sentences: bert } = JSON.parse(await fs.readFile(path.join(goldenBertDir, 'sentences.json'), 'utf8'));
      const model = await Embedder.load(dir, { threads: 1, cacheDir });
      try {
        assert.equal(model.info.conversion.from, 'model.safetensors');
        const vectors = rows(await model.embed(bert.map((s) => s.text)));
        vectors.forEach((v, i) => assert.ok(maxAbsDiff(v, bert[i].embedding) <= 1e-5, bert[i].id));
      } finally {
        await model.dispose();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

/** A plain static server of one folder; `spaFallback`: missing files get an HTML page with 200, as Vite's dev server does. */
async function serveFolder(dir, { spaFallback = false } = {}) {
  const server = http.createServer(async (req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const bytes = await fs.readFile(file).catch(() => undefined);
    if (!bytes) {
      if (!spaFallback) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': 'text/html' }).end(req.method === 'HEAD' ? undefined : '<!doctype html><title>app</title>');
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('a folder served over HTTP', () => {
  it('reports download progress per file and loads through a single-page-app fallback', async () => {
    const server = await serveFolder(tinyDebertaDir, { spaFallback: true });
    try {
      const events = [];
      const model = await Embedder.load(server.url, { threads: 1, onProgress: (e) => events.push(e) });
      try {
        assert.deepEqual(rows(await model.embed(some[2].text)).map((v) => maxAbsDiff(v, some[2].embedding) <= 1e-5), [true]);
      } finally {
        await model.dispose();
      }
      const size = (await fs.stat(path.join(tinyDebertaDir, 'model.onnx'))).size;
      const done = events.find((e) => e.file === 'model.onnx' && e.status === 'done');
      assert.deepEqual([done?.fileLoaded, done?.fileTotal], [size, size], 'model.onnx reported whole');
      assert.ok(events.some((e) => e.file === 'model.onnx' && e.status === 'download' && e.fileLoaded < size), 'partial progress');
    } finally {
      await server.close();
    }
  });

  it('converts a weights-only folder URL in memory', async () => {
    const server = await serveFolder(weightsOnly);
    try {
      const loaded = await embedSome(server.url);
      assert.ok(loaded.converted);
      assert.deepEqual([loaded.info.conversion.cached, loaded.info.conversion.location], [false, undefined]);
      assertGolden(loaded.vectors);
    } finally {
      await server.close();
    }
  });
});
