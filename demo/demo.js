// The demo page: loads a model (the test model served at /model/ unless ?model= names another
// folder URL or a Hub repository id, with ?dtype= and ?backend=), then compares two sentences
// under the four metrics, draws a similarity heatmap of a list, and searches a corpus with the
// package's search index. Everything runs in this page; the server only hands out files.
// window.gmatrixDemo exposes the same functions to tests (tests/browser/demo.test.js).
import { ONNX_CANDIDATES, REPO_ID_SHAPE } from '/js/src/layout.js';

const METRICS = ['cosine', 'dot', 'euclidean', 'manhattan'];
const params = new URLSearchParams(location.search);
const modelParam = params.get('model') || '/model/';
// A Hub repository id is passed as it is; anything else is a folder URL, made absolute because
// the loader resolves file names against it with new URL(file, base).
const isRepoId = REPO_ID_SHAPE.test(modelParam);
const source = isRepoId ? modelParam : new URL(modelParam, location.href).href;
const backend = params.get('backend') || 'auto';

const $ = (selector) => document.querySelector(selector);
const ms = (t0) => `${(performance.now() - t0).toFixed(1)} ms`;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function setStatus(korean, english) {
  $('#status-text').replaceChildren(`${korean} `, el('span', { className: 'en', textContent: english }));
}

function showError(err) {
  const code = err?.code ? ` [${err.code}]` : '';
  $('#error').replaceChildren(el('strong', { textContent: `${err?.name ?? 'Error'}${code}: ` }),
    String(err?.message ?? err));
  $('#error').hidden = false;
  console.error(err);
}

// Catches what the try/catch blocks below cannot: a failed import, a bug in this file.
window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));

// --- Tabs -------------------------------------------------------------------------------------

function showView(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(selected));
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !selected;
  }
}
for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener('click', () => {
    const name = tab.id.replace('tab-', '');
    history.replaceState(null, '', `#${name}`);
    showView(name);
  });
}
showView(['compare', 'heatmap', 'search'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'compare');

// --- Model picker: what the folder and the browser offer -----------------------------------------

/** dtype -> whether the folder has an ONNX file for it (probed by HEAD); undefined for Hub ids. */
async function probeDtypes() {
  if (isRepoId) return undefined;
  const exists = async (file) => (await fetch(new URL(file, source), { method: 'HEAD' }).catch(() => undefined))?.ok;
  const found = await Promise.all(Object.entries(ONNX_CANDIDATES).map(async ([dtype, files]) =>
    [dtype, (await Promise.all(files.map(exists))).some(Boolean)]));
  return Object.fromEntries(found);
}

async function hasWebGpuAdapter() {
  try {
    return Boolean(await navigator.gpu?.requestAdapter());
  } catch {
    return false;
  }
}

async function setUpPicker() {
  const [dtypes, webgpu] = await Promise.all([probeDtypes(), hasWebGpuAdapter()]);
  $('#model').value = modelParam;
  for (const option of $('#dtype').options) {
    const missing = dtypes && !dtypes[option.value];
    option.disabled = missing;
    if (missing) Object.assign(option, { textContent: `${option.value} (없음)`, title: 'not in this folder' });
  }
  // The requested dtype, else the first one the folder has.
  const wanted = params.get('dtype');
  const firstFound = [...$('#dtype').options].find((o) => !o.disabled)?.value ?? 'fp32';
  $('#dtype').value = wanted && dtypes?.[wanted] !== false ? wanted : firstFound;
  const webgpuOption = $('#backend option[value="webgpu"]');
  webgpuOption.disabled = !webgpu;
  if (!webgpu) Object.assign(webgpuOption, { textContent: 'webgpu (없음)', title: 'no WebGPU adapter in this browser' });
  $('#backend').value = backend;
  $('#model-form button').disabled = false;
  return { dtypes, webgpu };
}

// --- Loading -----------------------------------------------------------------------------------

function showProgress(file, loaded, total) {
  const progress = $('#progress');
  if (total) Object.assign(progress, { max: total, value: loaded });
  setStatus(`모델 파일 받는 중: ${file ?? ''} ${(loaded / 1e6).toFixed(1)} MB`, 'Downloading');
}

// Reports download progress per file for a folder URL: Embedder.load reads it through this fetch
// (onProgress covers Hub downloads).
async function trackingFetch(url, init) {
  if (init?.method === 'HEAD') return fetch(url, init);
  const name = String(url).replace(source, '');
  const response = await fetch(url, init);
  if (!response.ok || !response.body) return response;
  const total = Number(response.headers.get('Content-Length')) || 0;
  let loaded = 0;
  const counted = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      showProgress(name, loaded, total);
      controller.enqueue(chunk);
    },
  }));
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}

let inWorker = false;

async function load() {
  const t0 = performance.now();
  setStatus('WebAssembly 코어 불러오는 중…', 'Loading the WebAssembly core');
  // A dynamic import, so that a broken import map or core shows up as a visible error.
  const api = await import('/js/src/index.js');
  // The model runs in a Web Worker (createWorkerEmbedder), so the page stays responsive while a
  // corpus embeds; ?worker=0 runs it in the page (Embedder.load), with per-file download progress.
  inWorker = typeof api.createWorkerEmbedder === 'function' && params.get('worker') !== '0';
  const { dtypes } = await setUpPicker();
  const dtype = $('#dtype').value;
  if (dtypes && !dtypes[dtype]) throw new Error(`${source} has no ONNX model file (looked for ${ONNX_CANDIDATES.fp32.join(', ')}, ...).`);
  // Hub downloads report progress; a folder URL's files do so only through trackingFetch, which
  // cannot cross into a worker (the bar then shows activity without a fraction).
  const onProgress = (event) => showProgress(event.file, event.loaded, event.total);
  setStatus('모델 불러오는 중…', `Loading ${source}`);
  const options = { dtype, backend, onProgress };
  const model = inWorker
    ? await api.createWorkerEmbedder(source, { ...options, workerUrl: '/demo/worker.js' })
    : await api.Embedder.load(source, { ...options, fetch: trackingFetch });
  const info = model.info;
  const facts = {
    '모델 Model': `${info.modelType}, ${info.dimensions}차원 dims, ${info.dtype}, ${info.pooling.join('+')} pooling`,
    '출처 Source': info.source,
    '백엔드 Backend': `${info.backend}${inWorker ? ' in a Web Worker' : ''} (${info.backendReason})`,
    '스레드 Threads': `${info.threads} (crossOriginIsolated: ${globalThis.crossOriginIsolated})`,
    'SIMD': String(api.coreInfo().simd),
    '불러오기 Load time': ms(t0),
  };
  $('#model-info').replaceChildren(...Object.entries(facts).flatMap(([k, v]) =>
    [el('dt', { textContent: k }), el('dd', { textContent: v })]));
  $('#model-info').hidden = false;
  $('#progress').hidden = true;
  setStatus('준비 완료', 'Ready');
  return { api, model };
}

const ready = load();
// A failed load is shown once, by the handler at the end, not again as an unhandled rejection.
ready.catch(() => {});

// --- The three views, as functions (the tests call them too) ------------------------------------

const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);

/** The four metrics between two sentences, plus A's tokens. */
async function compare(a, b) {
  const { api, model } = await ready;
  const t0 = performance.now();
  const [va, vb] = api.rows(await model.embed([a, b]));
  const embedTime = ms(t0);
  const t1 = performance.now();
  const values = Object.fromEntries(METRICS.map((metric) => [metric, api.similarity(va, vb, metric)]));
  return { values, tokens: await model.tokenize(a), timings: { embed: embedTime, metrics: ms(t1) } };
}

/** All pairs of a list under one metric: {matrix: number[][], timings}. */
async function heatmap(sentences, metric) {
  const { api, model } = await ready;
  const t0 = performance.now();
  const embeddings = await model.embed(sentences);
  const embedTime = ms(t0);
  const t1 = performance.now();
  const { data } = api.similarityMatrix(embeddings, embeddings, metric);
  const matrix = sentences.map((_, i) => Array.from(data.subarray(i * sentences.length, (i + 1) * sentences.length)));
  return { matrix, timings: { embed: embedTime, matrix: ms(t1) } };
}

// The corpus is embedded and indexed once, and again only when its text changes.
let corpusIndex;
async function indexCorpus(corpus) {
  const { api, model } = await ready;
  const key = corpus.join('\n');
  if (corpusIndex?.key === key) return { ...corpusIndex, embedTime: 'cached' };
  corpusIndex?.index.dispose();
  corpusIndex = undefined;
  const t0 = performance.now();
  const embeddings = await model.embed(corpus, {
    onProgress: ({ done, total }) => { $('#search-timings').textContent = `임베딩 embedding ${done}/${total}…`; },
  });
  corpusIndex = { key, index: api.createSearchIndex(embeddings), embedTime: ms(t0) };
  return corpusIndex;
}

/** Top-k rows of the corpus for a query, by cosine: [{row, text, score}], best first. */
async function search(query, corpus, topK) {
  const { api, model } = await ready;
  const { index, embedTime } = await indexCorpus(corpus);
  let t0 = performance.now();
  const queryEmbedding = await model.embed(query);
  const queryTime = ms(t0);
  t0 = performance.now();
  const [hits] = api.searchIndex(index, queryEmbedding, { topK });
  const timings = { corpus: `${embedTime} (${corpus.length} texts)`, query: queryTime, search: ms(t0) };
  return { hits: hits.map(({ row, score }) => ({ row, text: corpus[row], score })), timings };
}

const readyInfo = ready.then(({ model }) => model.info);
readyInfo.catch(() => {});
window.gmatrixDemo = {
  ready: readyInfo,
  compare,
  heatmap,
  search,
  /** Embeds texts; rows as plain arrays (they cross into Playwright as JSON). */
  embed: async (texts) => {
    const { api, model } = await ready;
    return api.rows(await model.embed(texts)).map((row) => Array.from(row));
  },
  tokenize: async (text) => (await ready).model.tokenize(text),
};

// --- Rendering ----------------------------------------------------------------------------------

// Disables a form's button while its work runs, and reports failures in the banner.
function onSubmit(form, work) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    $('#error').hidden = true;
    try {
      await work();
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  });
}

const fixed = (x) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4));

onSubmit($('#compare-form'), async () => {
  const t0 = performance.now();
  const { values, tokens, timings } = await compare($('#text-a').value, $('#text-b').value);
  for (const metric of METRICS) {
    const output = $(`.metric[data-metric="${metric}"] output`);
    output.textContent = fixed(values[metric]);
    output.title = String(values[metric]);
  }
  $('#tokens').replaceChildren(...tokens.tokens.map((token, i) => el('span', {
    className: /^\[.*\]$|^<.*>$/.test(token) ? 'token special' : 'token',
    textContent: token,
    title: `id ${tokens.ids[i]}`,
  })));
  $('#compare-timings').textContent = `임베딩 embed ${timings.embed} · 척도 metrics ${timings.metrics} · 전체 total ${ms(t0)}`;
  $('#view-compare').dataset.done = `${$('#text-a').value}|${$('#text-b').value}`;
});

onSubmit($('#heatmap-form'), async () => {
  const t0 = performance.now();
  const sentences = lines($('#heatmap-sentences').value).slice(0, 16);
  if (sentences.length < 2) throw new Error('두 문장 이상 입력하세요. Enter at least two sentences.');
  const metric = $('#heatmap-metric').value;
  const { matrix, timings } = await heatmap(sentences, metric);
  // Colour by rank within this matrix: for distances smaller is closer, so the scale flips.
  const values = matrix.flat();
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const closeness = (v) => {
    const t = hi > lo ? (v - lo) / (hi - lo) : 1;
    return metric === 'euclidean' || metric === 'manhattan' ? 1 - t : t;
  };
  const grid = $('#heatmap');
  // Styles through the CSSOM: allowed by the page's CSP, unlike style attributes in markup.
  grid.style.setProperty('--n', String(sentences.length));
  const header = [el('span', { className: 'corner' }),
    ...sentences.map((_, j) => el('span', { className: 'head', textContent: String(j + 1), role: 'columnheader' }))];
  const cells = matrix.flatMap((row, i) => [
    el('span', { className: 'head', textContent: String(i + 1), role: 'rowheader' }),
    ...row.map((v, j) => {
      const cell = el('span', { className: 'cell', textContent: Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2), role: 'cell',
        title: `${i + 1} · ${j + 1}: ${v}` });
      cell.style.setProperty('--t', closeness(v).toFixed(3));
      if (closeness(v) > 0.6) cell.classList.add('dark');
      return cell;
    }),
  ]);
  grid.replaceChildren(...header, ...cells);
  $('#heatmap-legend').replaceChildren(...sentences.map((s) => el('li', { textContent: s })));
  $('#heatmap-timings').textContent = `${metric} · 임베딩 embed ${timings.embed} · 행렬 matrix ${timings.matrix} · 전체 total ${ms(t0)}`;
  $('#view-heatmap').dataset.done = `${metric}|${sentences.length}`;
});

$('#corpus-file').addEventListener('change', async () => {
  const file = $('#corpus-file').files[0];
  if (file) $('#corpus').value = (await file.text()).replace(/\r\n?/g, '\n');
});

onSubmit($('#search-form'), async () => {
  const t0 = performance.now();
  const corpus = lines($('#corpus').value);
  if (corpus.length === 0) throw new Error('말뭉치를 한 줄에 하나씩 입력하세요. Enter at least one text.');
  const topK = Math.max(1, Math.min(100, Number($('#top-k').value) || 5));
  const query = $('#query').value;
  const { hits, timings } = await search(query, corpus, topK);
  const best = Math.max(...hits.map((h) => h.score), 1e-9);
  $('#results').replaceChildren(...hits.map(({ row, text, score }) => {
    const item = el('li', {},
      el('span', { className: 'score', textContent: score.toFixed(4), title: String(score) }),
      el('span', { className: 'text', textContent: text }));
    item.style.setProperty('--bar', `${Math.max(0, score / best) * 100}%`);
    Object.assign(item.dataset, { score: String(score), row: String(row) });
    return item;
  }));
  $('#search-timings').textContent = `말뭉치 corpus ${timings.corpus} · 질의 query ${timings.query} · ` +
    `검색 search ${timings.search} · 전체 total ${ms(t0)}`;
  // Tests wait for this attribute: it changes only once the results are in place.
  $('#view-search').dataset.done = `${query}|${topK}`;
});

ready.then(() => {
  document.body.dataset.state = 'ready';
  for (const button of document.querySelectorAll('main form button')) button.disabled = false;
  // Fill every view once, so the page shows what it does without a click.
  $('#compare-form').requestSubmit();
  $('#heatmap-form').requestSubmit();
  $('#search-form').requestSubmit();
}, (err) => {
  document.body.dataset.state = 'error';
  $('#progress').hidden = true;
  setStatus('모델을 불러오지 못했습니다', 'The model failed to load');
  showError(err);
});
