// The browser demo (demo/) in Debian's Chromium, driven by playwright-core: the page loads the
// tiny test model over HTTP with threads under the demo server's strict Content-Security-Policy,
// and what each view computes must equal what the package computes in Node and the golden
// reference. Each view is checked in a desktop and a phone-sized window, and screenshotted to
// build/test-output/screenshots/. Skips when Chromium is not installed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Embedder, createSearchIndex, rows, searchIndex, similarity, similarityMatrix } from '../../js/src/index.js';
import { startDemoServer } from '../../demo/server.js';
import { goldenDir, repoRoot, tinyDebertaDir } from '../js/fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// --enable-unsafe-webgpu: headless Chromium offers a (software) WebGPU adapter only with it.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu'];
const skip = fs.existsSync(CHROMIUM) ? false
  : `Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`;
const SCREENSHOTS = path.join(repoRoot, 'build', 'test-output', 'screenshots');
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const VIEWS = ['compare', 'heatmap', 'search'];
const TOLERANCE = 1e-5;

// Hard inputs (empty, mixed scripts, emoji, truncated, control characters, special lowercasing)
// and two KorSTS sentences.
const GOLDEN_IDS = ['s0000', 's0002', 's0003', 's0006', 's0007', 's0011', 's0026', 's0028'];
const golden = (() => {
  const all = JSON.parse(fs.readFileSync(path.join(goldenDir, 'sentences.json'), 'utf8')).sentences;
  return GOLDEN_IDS.map((id) => all.find((s) => s.id === id));
})();

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

/** Loads the demo in a new page and waits for the model; collects errors and CSP violations. */
async function openDemo(browser, url, viewport = SIZES.desktop) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => { if (/Content.Security.Policy|Refused to/i.test(msg.text())) problems.push(msg.text()); });
  await page.exposeFunction('reportViolation', (text) => problems.push(`CSP violation: ${text}`));
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) =>
    window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`)));
  const response = await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120_000 });
  return { page, problems, response };
}

describe('browser demo in Chromium', { skip, timeout: 300_000 }, () => {
  let server;
  let browser;
  let page;
  let problems;
  let csp;
  let nodeModel;

  before(async () => {
    const { chromium } = await import('playwright-core');
    server = await startDemoServer({ port: 0, modelDir: tinyDebertaDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    nodeModel = await Embedder.load(tinyDebertaDir, { threads: 1 });
    let response;
    ({ page, problems, response } = await openDemo(browser, `${server.url}demo/?backend=wasm`));
    csp = response.headers()['content-security-policy'];
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await nodeModel?.dispose();
  });

  it('loads the model on WASM, cross-origin isolated, with threads, under a strict CSP', async () => {
    const state = await page.evaluate(() => ({
      state: document.body.dataset.state,
      error: document.querySelector('#error').textContent,
      isolated: globalThis.crossOriginIsolated,
      facts: document.querySelector('#model-info').textContent,
    }));
    assert.equal(state.state, 'ready', `the page failed to load the model: ${state.error}`);
    assert.equal(state.isolated, true, 'COOP/COEP headers must make the page cross-origin isolated');
    const info = await page.evaluate(() => window.gmatrixDemo.ready);
    assert.equal(info.dimensions, 64);
    assert.equal(info.backend, 'wasm');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores > 1) assert.ok(info.threads > 1, `expected ONNX Runtime threads on ${cores} cores, got ${info.threads}`);
    assert.match(state.facts, /SIMDtrue/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(csp, /(^|\s)'unsafe-eval'/, 'no eval: the ONNX reader is generated code');
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /style-src 'self'(;|$)/);
  });

  it('offers the dtypes the folder has and WebGPU only with an adapter', async () => {
    const picker = await page.evaluate(async () => ({
      dtypes: Object.fromEntries([...document.querySelectorAll('#dtype option')].map((o) => [o.value, !o.disabled])),
      dtype: document.querySelector('#dtype').value,
      webgpu: !document.querySelector('#backend option[value="webgpu"]').disabled,
      adapter: Boolean(await navigator.gpu?.requestAdapter()),
      model: document.querySelector('#model').value,
    }));
    // The tiny fixture has model.onnx only.
    assert.deepEqual(picker.dtypes, { fp32: true, q8: false, q4: false });
    assert.equal(picker.dtype, 'fp32');
    assert.equal(picker.webgpu, picker.adapter);
    assert.equal(picker.model, '/model/');
  });

  it('tokenizes and embeds golden sentences as the reference does', async () => {
    const texts = golden.map((s) => s.text);
    const { ids, embeddings } = await page.evaluate(async (list) => ({
      ids: await Promise.all(list.map(async (t) => (await window.gmatrixDemo.tokenize(t)).ids)),
      embeddings: await window.gmatrixDemo.embed(list),
    }), texts);
    golden.forEach((s, i) => {
      assert.deepEqual(ids[i], s.ids, `ids of ${s.id} (${s.sources})`);
      const diff = maxAbsDiff(embeddings[i], s.embedding);
      assert.ok(diff <= TOLERANCE, `${s.id} (${s.sources}) differs from the golden embedding by ${diff}`);
    });
  });

  it('compare: shows the four metrics as Node computes them', async () => {
    await page.click('#tab-compare');
    const [a, b] = ['한 남자가 기타를 치고 있다.', '아이들이 공원에서 공을 차고 있다.'];
    await page.fill('#text-a', a);
    await page.fill('#text-b', b);
    await page.click('#compare-form button');
    await page.waitForFunction((key) => document.querySelector('#view-compare').dataset.done === key, `${a}|${b}`);
    const shown = await page.$$eval('.metric', (tiles) =>
      Object.fromEntries(tiles.map((t) => [t.dataset.metric, Number(t.querySelector('output').title)])));
    const [va, vb] = rows(await nodeModel.embed([a, b]));
    for (const metric of ['cosine', 'dot', 'euclidean', 'manhattan']) {
      const expected = similarity(va, vb, metric);
      assert.ok(Math.abs(shown[metric] - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)),
        `${metric}: ${shown[metric]} vs ${expected}`);
    }
    const tokens = await page.$$eval('#tokens .token', (spans) => spans.map((s) => s.textContent));
    assert.deepEqual(tokens, nodeModel.tokenize(a).tokens);
  });

  it('heatmap: draws the similarity matrix Node computes, for every metric', async () => {
    await page.click('#tab-heatmap');
    const sentences = (await page.inputValue('#heatmap-sentences')).split('\n').map((s) => s.trim()).filter(Boolean);
    const embeddings = await nodeModel.embed(sentences);
    for (const metric of ['euclidean', 'cosine']) {
      await page.selectOption('#heatmap-metric', metric);
      await page.click('#heatmap-form button');
      await page.waitForFunction((key) => document.querySelector('#view-heatmap').dataset.done === key, `${metric}|${sentences.length}`);
      const cells = await page.$$eval('#heatmap .cell', (spans) => spans.map((s) => Number(s.title.split(': ')[1])));
      const expected = similarityMatrix(embeddings, embeddings, metric).data;
      assert.equal(cells.length, sentences.length ** 2);
      cells.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= TOLERANCE * Math.max(1, Math.abs(expected[i])),
        `${metric} cell ${i}: ${v} vs ${expected[i]}`));
    }
  });

  it('search: top-k of a corpus loaded from a file, as searchIndex ranks it in Node', async () => {
    await page.click('#tab-search');
    const corpus = ['고양이가 소파 위에서 자고 있다.', '아이들이 공원에서 축구를 하고 있다.', '요리사가 고기를 굽고 있다.',
      '강아지가 공원에서 뛰어논다.', '한 남자가 기타를 치고 있다.', '여자가 피아노를 연주한다.', '비가 많이 내리고 있다.'];
    await page.setInputFiles('#corpus-file', { name: 'corpus.txt', mimeType: 'text/plain', buffer: Buffer.from(`${corpus.join('\r\n')}\r\n`) });
    await page.waitForFunction((first) => document.querySelector('#corpus').value.startsWith(first), corpus[0]);
    const query = '공원에서 공을 차는 아이들';
    await page.fill('#query', query);
    await page.fill('#top-k', '3');
    await page.click('#search-form button');
    await page.waitForFunction((key) => document.querySelector('#view-search').dataset.done === key, `${query}|3`);
    const shown = await page.$$eval('#results li', (items) =>
      items.map((li) => ({ row: Number(li.dataset.row), text: li.querySelector('.text').textContent, score: Number(li.dataset.score) })));

    const index = createSearchIndex(await nodeModel.embed(corpus));
    const [expected] = searchIndex(index, await nodeModel.embed(query), { topK: 3 });
    index.dispose();
    assert.deepEqual(shown.map((h) => h.row), expected.map((h) => h.row));
    assert.deepEqual(shown.map((h) => h.text), expected.map((h) => corpus[h.row]));
    shown.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i].score) <= TOLERANCE, `${h.text}: ${h.score} vs ${expected[i].score}`));
  });

  for (const [size, viewport] of Object.entries(SIZES)) {
    it(`every view fits a ${size} window (${viewport.width}x${viewport.height}) with usable controls; screenshots`, async () => {
      await page.setViewportSize(viewport);
      for (const view of VIEWS) {
        await page.click(`#tab-${view}`);
        await page.click(`#${view}-form button`);
        await page.waitForFunction((v) => !document.querySelector(`#${v}-form button`).disabled, view);
        const layout = await page.evaluate((v) => {
          const outside = [...document.querySelectorAll(`#view-${v} :is(input, textarea, select, button), .tabs button, #model-form :is(input, select, button)`)]
            .map((node) => ({ id: node.id || node.textContent.trim(), box: node.getBoundingClientRect() }))
            .filter(({ box }) => box.left < 0 || box.right > document.documentElement.clientWidth + 0.5 || box.width < 24 || box.height < 24)
            .map(({ id, box }) => `${id}: ${Math.round(box.left)}..${Math.round(box.right)} x ${Math.round(box.height)}`);
          return { scrollWidth: document.documentElement.scrollWidth, width: document.documentElement.clientWidth, outside };
        }, view);
        assert.ok(layout.scrollWidth <= layout.width, `${view} at ${size}: the page scrolls sideways (${layout.scrollWidth} > ${layout.width})`);
        assert.deepEqual(layout.outside, [], `${view} at ${size}: controls outside the window or too small to tap`);
        await page.screenshot({ path: path.join(SCREENSHOTS, `demo-${view}-${size}.png`), fullPage: true });
      }
      await page.setViewportSize(SIZES.desktop);
    });
  }

  it('ran with no page errors and nothing blocked by the Content-Security-Policy', async () => {
    assert.deepEqual(problems, []);
    assert.equal(await page.isHidden('#error'), true, await page.textContent('#error'));
  });

  it('keeps the page responsive: the model runs in a Web Worker while a corpus embeds', async (t) => {
    const facts = await page.textContent('#model-info');
    if (!facts.includes('Web Worker')) return t.skip('the package has no createWorkerEmbedder yet');
    await page.click('#tab-search');
    // 600 texts of KorSTS length: seconds of encoder work, all of it off the main thread.
    const corpus = Array.from({ length: 600 }, (_, i) => `${i}번째 문장: 한 남자가 공원에서 기타를 치며 노래를 부르고 있다.`);
    await page.fill('#corpus', corpus.join('\n'));
    await page.fill('#query', '기타 치는 사람');
    const longest = await page.evaluate(async () => {
      const tasks = [];
      const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)));
      observer.observe({ type: 'longtask' });
      document.querySelector('#search-form button').click();
      const started = performance.now();
      await new Promise((resolve, reject) => {
        const check = () => {
          if (document.querySelector('#view-search').dataset.done?.startsWith('기타 치는 사람|')) resolve();
          else if (performance.now() - started > 60_000) reject(new Error(`no results in 60 s: ${document.querySelector('#error').textContent}`));
          else setTimeout(check, 20);
        };
        check();
      });
      observer.disconnect();
      return Math.max(0, ...tasks);
    });
    assert.ok(longest < 250, `the main thread was blocked for ${longest} ms while the corpus embedded`);
  });

  it('runs the model in the page with ?worker=0 (Embedder.load), from a ?model= URL, with the same results', async () => {
    const inPage = await browser.newPage();
    try {
      await inPage.goto(`${server.url}demo/?model=${encodeURIComponent(`${server.url}model/`)}&dtype=fp32&backend=wasm&worker=0`);
      await inPage.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120_000 });
      assert.equal(await inPage.evaluate(() => document.body.dataset.state), 'ready', await inPage.textContent('#error'));
      assert.doesNotMatch(await inPage.textContent('#model-info'), /Web Worker/);
      assert.equal(await inPage.inputValue('#model'), `${server.url}model/`);
      const embeddings = await inPage.evaluate((list) => window.gmatrixDemo.embed(list), golden.map((s) => s.text));
      golden.forEach((s, i) => assert.ok(maxAbsDiff(embeddings[i], s.embedding) <= TOLERANCE, `in the page: ${s.id}`));
    } finally {
      await inPage.close();
    }
  });

  it('gives the golden embeddings on WebGPU where the package and the browser have it', async (t) => {
    const adapter = await page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter()));
    if (!adapter) return t.skip('no WebGPU adapter in this Chromium');
    const webgpu = await openDemo(browser, `${server.url}demo/?backend=webgpu`);
    try {
      const error = await webgpu.page.textContent('#error');
      if (/backend/i.test(error) && /wasm.*native|one of/i.test(error)) return t.skip(`the package has no WebGPU backend yet: ${error}`);
      assert.equal(await webgpu.page.evaluate(() => document.body.dataset.state), 'ready', error);
      const info = await webgpu.page.evaluate(() => window.gmatrixDemo.ready);
      assert.equal(info.backend, 'webgpu');
      const embeddings = await webgpu.page.evaluate((list) => window.gmatrixDemo.embed(list), golden.map((s) => s.text));
      golden.forEach((s, i) => {
        const diff = maxAbsDiff(embeddings[i], s.embedding);
        assert.ok(diff <= TOLERANCE, `WebGPU: ${s.id} (${s.sources}) differs from the golden embedding by ${diff}`);
      });
      assert.deepEqual(webgpu.problems, []);
    } finally {
      await webgpu.page.close();
    }
  });
});
