// backend 'webgpu' (ONNX Runtime Web's WebGPU execution provider) in Debian's Chromium, whose
// headless mode offers a software WebGPU adapter (SwiftShader) with --enable-unsafe-webgpu:
// the embeddings must agree with the WASM backend's and the golden reference; 'auto' must pick
// WebGPU when there is an adapter (in the page and in a worker) and fall back to WASM, saying
// why, when there is none. Also checks that Node refuses 'webgpu' with a typed error. Skips
// without Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BackendUnavailableError, Embedder } from '../../js/src/index.js';
import { goldenDir, tinyDebertaDir } from '../js/fixtures.js';
import { bundlePackage } from './support/bundle-package.js';
import { IMPORT_MAP, WEBGPU_FLAG, launchChromium, skipReason } from './support/chromium.js';
import { startStaticServer } from './support/static-server.js';

// SwiftShader computes WebGPU on the CPU, slowly (417 sentences: 2 min against 10 s on WASM), so
// a sample: hard inputs (empty, mixed scripts, emoji, truncated, control characters) and KorSTS.
const GOLDEN_IDS = ['s0000', 's0002', 's0003', 's0006', 's0007', 's0011', 's0026', 's0028'];
// GMATRIX_EMBED_WEBGPU_SAMPLE=400 compares (and times, see the test's diagnostic line) more, e.g.
// on a machine with a real GPU.
const KORSTS_SAMPLE = Number(process.env.GMATRIX_EMBED_WEBGPU_SAMPLE ?? 16);
// fp32 on both: measured on all 417 golden sentences, WebGPU vs WASM max |diff| 3.0e-7, min
// cosine 0.99999999; WebGPU vs golden 4.0e-7. The bounds leave room for other adapters' float
// rounding (fused multiply-add, reduction order) while still catching a wrong kernel.
const MAX_ABS_DIFF = 1e-5;
const MIN_COSINE = 0.9999;

const PAGE = `<!doctype html>${IMPORT_MAP}<script type="module">
import * as gmatrix from '/js/src/index.js';
window.gmatrix = gmatrix;
// Loads the model with a backend and embeds texts: what the tests compare.
window.embedWith = async (backend, texts) => {
  try {
    const model = await gmatrix.Embedder.load('/model/', { backend });
    const started = performance.now();
    const { data, dims } = await model.embed(texts);
    const ms = performance.now() - started;
    const { info } = model;
    await model.dispose();
    return { backend: info.backend, reason: info.backendReason, data: Array.from(data), dims, ms };
  } catch (err) {
    return { error: { name: err.name, message: err.message } };
  }
};
window.ready = true;
</script>`;

function compare(a, b, width) {
  let maxAbs = 0;
  let minCosine = 1;
  for (let row = 0; row * width < a.length; row++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = row * width; j < (row + 1) * width; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(a[j] - b[j]));
      dot += a[j] * b[j];
      na += a[j] * a[j];
      nb += b[j] * b[j];
    }
    // An all-zero row (never expected) would compare as NaN and fail below.
    minCosine = Math.min(minCosine, dot / Math.sqrt(na * nb));
  }
  return { maxAbs, minCosine };
}

describe('WebGPU backend in Node', () => {
  it("refuses backend 'webgpu' with BackendUnavailableError; 'auto' is unchanged", async () => {
    await assert.rejects(Embedder.load(tinyDebertaDir, { backend: 'webgpu' }), (err) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.backend, 'webgpu');
      assert.match(err.message, /browsers only.*'native' or 'wasm'/);
      return true;
    });
    const model = await Embedder.load(tinyDebertaDir, { threads: 1 });
    assert.notEqual(model.info.backend, 'webgpu');
    assert.doesNotMatch(model.info.backendReason, /WebGPU/i);
    await model.dispose();
  });
});

describe('WebGPU backend in Chromium', { skip: skipReason, timeout: 600_000 }, () => {
  let server;
  let withGpu;
  let withoutGpu;
  const golden = JSON.parse(fs.readFileSync(path.join(goldenDir, 'sentences.json'), 'utf8')).sentences;
  const sample = [...GOLDEN_IDS.map((id) => golden.find((s) => s.id === id)),
    ...golden.filter((s) => s.sources.some((source) => source.startsWith('korsts'))).slice(0, KORSTS_SAMPLE)];
  const texts = sample.map((s) => s.text);

  async function openPage(browser, initScript, file = 'webgpu.html') {
    const page = await browser.newPage();
    if (initScript) await page.addInitScript(initScript);
    await page.goto(`${server.url}${file}`);
    await page.waitForFunction(() => window.ready === true);
    return page;
  }

  before(async () => {
    server = await startStaticServer({ modelDir: tinyDebertaDir, files: await bundlePackage() });
    server.files.set('/webgpu.html', PAGE);
    server.files.set('/bundled.html', '<script type="module">import * as g from "/bundle/index.js"; window.gmatrix = g; window.ready = true;</script>');
    [withGpu, withoutGpu] = await Promise.all([launchChromium([WEBGPU_FLAG]), launchChromium()]);
  });

  after(async () => {
    await withGpu?.close();
    await withoutGpu?.close();
    await server?.close();
  });

  it("backend 'webgpu' agrees with WASM and the golden embeddings; 'auto' picks it", async (t) => {
    const page = await openPage(withGpu);
    const gpu = await page.evaluate(([list]) => window.embedWith('webgpu', list), [texts]);
    assert.equal(gpu.error, undefined, JSON.stringify(gpu.error));
    assert.deepEqual([gpu.backend, gpu.reason], ['webgpu', 'requested']);
    const wasm = await page.evaluate(([list]) => window.embedWith('wasm', list), [texts]);
    assert.equal(wasm.backend, 'wasm');
    const width = gpu.dims[1];
    assert.deepEqual(gpu.dims, [texts.length, width]);

    const vsWasm = compare(gpu.data, wasm.data, width);
    const vsGolden = compare(gpu.data, sample.flatMap((s) => s.embedding), width);
    t.diagnostic(`${texts.length} sentences: WebGPU vs WASM max |diff| ${vsWasm.maxAbs.toExponential(2)}, ` +
      `min cosine ${vsWasm.minCosine.toFixed(8)}; vs golden ${vsGolden.maxAbs.toExponential(2)}; ` +
      `embed ${gpu.ms.toFixed(0)} ms WebGPU, ${wasm.ms.toFixed(0)} ms WASM`);
    for (const [what, { maxAbs, minCosine }] of [['WASM', vsWasm], ['golden', vsGolden]]) {
      assert.ok(maxAbs <= MAX_ABS_DIFF, `WebGPU differs from ${what} by ${maxAbs}`);
      assert.ok(minCosine >= MIN_COSINE, `WebGPU's cosine to ${what} is ${minCosine}`);
    }

    // No texts: every new batch shape costs SwiftShader seconds of shader compilation.
    const auto = await page.evaluate(() => window.embedWith(undefined, []));
    assert.deepEqual([auto.backend, auto.reason], ['webgpu', 'auto: WebGPU adapter found']);
    await page.close();
  });

  it("in a worker (createWorkerEmbedder), 'auto' picks WebGPU too", async () => {
    const page = await openPage(withGpu, undefined, 'bundled.html');
    // Two texts of one batch: one more shape for SwiftShader to compile.
    const result = await page.evaluate(async (list) => {
      const model = await window.gmatrix.createWorkerEmbedder('/model/');
      const { data } = await model.embed(list);
      await model.dispose();
      return { backend: model.info.backend, reason: model.info.backendReason, data: Array.from(data) };
    }, texts.slice(-2));
    assert.deepEqual([result.backend, result.reason], ['webgpu', 'auto: WebGPU adapter found']);
    const { maxAbs, minCosine } = compare(result.data, sample.slice(-2).flatMap((s) => s.embedding), 64);
    assert.ok(maxAbs <= MAX_ABS_DIFF && minCosine >= MIN_COSINE, `${maxAbs} ${minCosine}`);
    await page.close();
  });

  it("'auto' falls back to WASM, with the reason, when navigator.gpu is missing", async () => {
    const page = await openPage(withGpu, () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
    });
    const auto = await page.evaluate(([list]) => window.embedWith(undefined, list), [texts.slice(0, 2)]);
    assert.equal(auto.backend, 'wasm', JSON.stringify(auto.error));
    assert.match(auto.reason, /^auto: this browser has no WebGPU \(navigator\.gpu is missing\)/);
    assert.ok(compare(auto.data, sample.slice(0, 2).flatMap((s) => s.embedding), auto.dims[1]).maxAbs <= 1e-5);
    await page.close();
  });

  it("without an adapter 'webgpu' is a BackendUnavailableError and 'auto' runs WASM", async () => {
    const page = await openPage(withoutGpu);
    const requested = await page.evaluate(() => window.embedWith('webgpu', ['가']));
    assert.equal(requested.error?.name, 'BackendUnavailableError');
    assert.match(requested.error.message, /^The webgpu backend is unavailable: navigator\.gpu\.requestAdapter\(\) found no adapter.*use backend 'wasm'/);
    const auto = await page.evaluate(() => window.embedWith(undefined, ['가']));
    assert.equal(auto.backend, 'wasm');
    assert.match(auto.reason, /^auto: navigator\.gpu\.requestAdapter\(\) found no adapter/);
    await page.close();
  });
});
