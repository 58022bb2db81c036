// The browser demo (demo/) in Debian's Chromium, driven by playwright-core: the page loads the
// tiny test model over HTTP with threads, and what it computes must equal what the package
// computes in Node and the golden reference. Skips when Chromium is not installed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Embedder, rows, similarity, similarityMatrix } from '../../js/src/index.js';
import { startDemoServer } from '../../demo/server.js';
import { goldenDir, repoRoot, tinyDebertaDir } from '../js/fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const skip = fs.existsSync(CHROMIUM) ? false
  : `Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`;

// Hard inputs (empty, mixed scripts, emoji, truncated, control characters, special lowercasing)
// and two KorSTS sentences.
const GOLDEN_IDS = ['s0000', 's0002', 's0003', 's0006', 's0007', 's0011', 's0026', 's0028'];
const QUERY = '아이들이 공원에서 공을 차고 있다.';

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

describe('browser demo in Chromium', { skip, timeout: 60_000 }, () => {
  let server;
  let browser;
  let page;
  let nodeModel;
  const pageErrors = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    server = await startDemoServer({ port: 0, modelDir: tinyDebertaDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    nodeModel = await Embedder.load(tinyDebertaDir, { threads: 1 });
    await page.goto(`${server.url}demo/`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await nodeModel?.dispose();
  });

  it('loads the model cross-origin isolated, with threads, and shows no error', async () => {
    const state = await page.evaluate(() => ({
      state: document.body.dataset.state,
      error: document.querySelector('#error').textContent,
      isolated: globalThis.crossOriginIsolated,
    }));
    assert.equal(state.state, 'ready', `the page failed to load the model: ${state.error}`);
    assert.equal(state.isolated, true, 'COOP/COEP headers must make the page cross-origin isolated');
    const info = await page.evaluate(() => window.gmatrixDemo.ready);
    assert.equal(info.dimensions, 64);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores > 1) assert.ok(info.threads > 1, `expected ONNX Runtime threads on ${cores} cores, got ${info.threads}`);
  });

  it('ranks the sentences as the package does in Node', async () => {
    await page.fill('#query', QUERY);
    await page.click('#search-form button');
    await page.waitForSelector(`#results[data-query="${QUERY}"]`, { timeout: 15_000 });
    const shown = await page.$$eval('#results li', (items) =>
      items.map((li) => ({ text: li.querySelector('.text').textContent, score: Number(li.dataset.score) })));
    const sentences = (await page.inputValue('#sentences')).split('\n').map((s) => s.trim()).filter(Boolean);
    assert.equal(shown.length, sentences.length);

    const { data, dims } = await nodeModel.embed([QUERY, ...sentences]);
    const scores = similarityMatrix({ data: data.subarray(0, dims[1]), dims: [1, dims[1]] },
      { data: data.subarray(dims[1]), dims: [sentences.length, dims[1]] }, 'cosine').data;
    const expected = sentences.map((text, i) => ({ text, score: scores[i] }))
      .sort((a, b) => b.score - a.score);
    assert.deepEqual(shown.map((r) => r.text), expected.map((r) => r.text));
    shown.forEach((r, i) => assert.ok(Math.abs(r.score - expected[i].score) <= 1e-5, `${r.text}: ${r.score} vs ${expected[i].score}`));

    const tokens = await page.$$eval('#tokens .token', (spans) => spans.map((s) => s.textContent));
    assert.deepEqual(tokens, nodeModel.tokenize(QUERY).tokens);
  });

  it('shows the four metrics of the compare box as Node computes them', async () => {
    const [a, b] = [await page.inputValue('#text-a'), await page.inputValue('#text-b')];
    await page.waitForFunction(() => document.querySelector('.metric output').title !== '');
    const shown = await page.$$eval('.metric', (tiles) =>
      Object.fromEntries(tiles.map((t) => [t.dataset.metric, Number(t.querySelector('output').title)])));
    const [va, vb] = rows(await nodeModel.embed([a, b]));
    for (const metric of ['cosine', 'dot', 'euclidean', 'manhattan']) {
      const expected = similarity(va, vb, metric);
      assert.ok(Math.abs(shown[metric] - expected) <= 1e-5 * Math.max(1, Math.abs(expected)),
        `${metric}: ${shown[metric]} vs ${expected}`);
    }
  });

  it('tokenizes and embeds golden sentences as the reference does', async () => {
    const all = JSON.parse(fs.readFileSync(path.join(goldenDir, 'sentences.json'), 'utf8')).sentences;
    const golden = GOLDEN_IDS.map((id) => all.find((s) => s.id === id));
    const texts = golden.map((s) => s.text);
    const { ids, embeddings } = await page.evaluate(async (list) => ({
      ids: await Promise.all(list.map(async (t) => (await window.gmatrixDemo.tokenize(t)).ids)),
      embeddings: await window.gmatrixDemo.embed(list),
    }), texts);
    golden.forEach((s, i) => {
      assert.deepEqual(ids[i], s.ids, `ids of ${s.id} (${s.sources})`);
      const diff = maxAbsDiff(embeddings[i], s.embedding);
      assert.ok(diff <= 1e-5, `${s.id} (${s.sources}) differs from the golden embedding by ${diff}`);
    });
  });

  it('raised no page errors, and renders (screenshot in tmp/demo.png)', async () => {
    assert.deepEqual(pageErrors, []);
    assert.equal(await page.isHidden('#error'), true, await page.textContent('#error'));
    fs.mkdirSync(path.join(repoRoot, 'tmp'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'tmp', 'demo.png'), fullPage: true });
  });
});
