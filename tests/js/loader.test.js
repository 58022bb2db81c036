// The loader's policy for folders (js/src/loader/): a folder's ONNX file is used as it is; a
// folder of only weights is converted, exactly like a Hub repository without ONNX, and the
// conversion cached, keyed by the files it was made from.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Embedder, rows } from '../../js/src/index.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { maxAbsDiff, readGolden } from './support/golden.js';
import { copyModel } from './support/model-copy.js';

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
