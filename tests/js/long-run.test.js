// Long runs and concurrency on one model: memory stays flat over 10,000 embed() calls, concurrent
// calls each get their own correct result, and dispose() during work rejects what is pending and
// lets the process exit by itself. GMATRIX_EMBED_LONG_RUN_CALLS changes the call count.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Embedder, DisposedError } from '../../js/src/index.js';
import { core } from '../../js/src/core.js';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { BACKENDS, maxAbsDiff, readGolden } from './support/golden.js';

const CALLS = Number(process.env.GMATRIX_EMBED_LONG_RUN_CALLS ?? 10000);
const { sentences } = readGolden('sentences.json');
const mib = (bytes) => bytes / 2 ** 20;

for (const backend of BACKENDS) {
  describe(`${backend}: long runs`, () => {
    it(`${CALLS} embed() calls keep process memory and the core's heap flat`, async () => {
      const model = await Embedder.load(tinyDebertaDir, { backend, threads: 1 });
      // Texts of many lengths and contents, so every shape path is exercised.
      const text = (i) => `${sentences[i % sentences.length].text} ${i}`;
      const warmUp = Math.min(2000, CALLS / 5);
      let rssAfterWarmUp;
      let heapAfterWarmUp;
      let rssMax = 0;
      for (let i = 0; i < CALLS; i++) {
        await model.embed(i % 7 === 0 ? [text(i), text(i + 1), text(i + 2)] : text(i));
        if (i === warmUp) [rssAfterWarmUp, heapAfterWarmUp] = [process.memoryUsage().rss, core.HEAPU8.length];
        if (i > warmUp && i % 100 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }
      const growth = mib(rssMax - rssAfterWarmUp);
      // Measured: wasm +8 MiB, native +0 over calls 2,000-10,000 (ONNX Runtime's arenas reach their
      // size during the warm-up); a leak of even 4 KB per call would add 30 MiB.
      assert.ok(growth < 24, `RSS grew ${growth.toFixed(1)} MiB after the warm-up`);
      assert.equal(core.HEAPU8.length, heapAfterWarmUp, "the core's WebAssembly heap did not grow");
      // Still exact after the long run.
      const { data } = await model.embed(sentences[0].text);
      assert.ok(maxAbsDiff(data, sentences[0].embedding) <= 1e-5);
      await model.dispose();
    });

    it('concurrent embed() calls return each its own result, as sequential calls do', async () => {
      const model = await Embedder.load(tinyDebertaDir, { backend, threads: 1 });
      const inputs = sentences.slice(0, 24).map((s, i) => (i % 3 === 0 ? [s.text, sentences[i + 1].text] : s.text));
      const concurrent = await Promise.all(inputs.map((input) => model.embed(input)));
      for (const [i, input] of inputs.entries()) {
        assert.deepEqual(concurrent[i], await model.embed(input), `call ${i}`);
        assert.ok(maxAbsDiff(concurrent[i].data.subarray(0, 64), sentences[i].embedding) <= 1e-5);
      }
      await model.dispose();
    });
  });
}

describe('failed loads', () => {
  it('release what they created: 30 loads of a broken ONNX file leave the heap as it was', async () => {
    const { copyModel } = await import('./support/model-copy.js');
    const broken = await copyModel(tinyDebertaDir);
    await fs.writeFile(path.join(broken, 'model.onnx'), Buffer.alloc(4096, 7));
    const attempt = () => Embedder.load(broken, { backend: 'wasm', threads: 1 }).then(() => assert.fail('loaded'), (err) => err);
    await attempt();
    const heap = core.HEAPU8.length;
    const probe = core._malloc(1 << 20);
    core._free(probe);
    for (let i = 0; i < 30; i++) assert.match((await attempt()).name, /Error/);
    // The allocator hands back the same block: nothing of the failed loads is still held.
    const again = core._malloc(1 << 20);
    core._free(again);
    assert.equal(core.HEAPU8.length, heap);
    assert.equal(again, probe);
    const model = await Embedder.load(tinyDebertaDir, { backend: 'wasm', threads: 1 });
    assert.ok(maxAbsDiff((await model.embed(sentences[0].text)).data, sentences[0].embedding) <= 1e-5);
    await model.dispose();
  });
});

describe('dispose() during work', () => {
  it('rejects the running and the queued calls with DisposedError, and later calls too', async () => {
    const model = await Embedder.load(tinyDebertaDir, { backend: 'wasm', threads: 1 });
    const many = Array.from({ length: 3000 }, (_, i) => `${sentences[i % sentences.length].text} ${i}`);
    const running = model.embed(many, { batchSize: 8 });
    const queued = model.embed('queued');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await model.dispose();
    for (const outcome of await Promise.allSettled([running, queued])) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof DisposedError, outcome.reason?.stack);
    }
    await assert.rejects(model.embed('after'), DisposedError);
  });

  it('a Node process that disposes a model mid-work then exits by itself', async () => {
    const script = `
      import { Embedder } from ${JSON.stringify(`${repoRoot}/js/src/index.js`)};
      for (const backend of ${JSON.stringify(BACKENDS)}) {
        const model = await Embedder.load(${JSON.stringify(tinyDebertaDir)}, { backend });
        const work = model.embed(Array.from({ length: 2000 }, (_, i) => 'text ' + i), { batchSize: 8 }).catch((e) => e.code);
        setTimeout(() => model.dispose(), 20);
        console.log(backend, await work);
      }`;
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-dispose-')), 'dispose.mjs');
    await fs.writeFile(file, script);
    const started = performance.now();
    const { stdout } = await new Promise((resolve, reject) => {
      execFile(process.execPath, [file], { timeout: 60000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out })));
    });
    for (const backend of BACKENDS) assert.match(stdout, new RegExp(`${backend} E_DISPOSED`));
    assert.ok(performance.now() - started < 60000);
  });
});
