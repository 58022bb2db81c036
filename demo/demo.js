// The demo page: loads the model served at /model/, then ranks sentences against a query and
// compares two sentences. Everything runs in this page; the server only hands out files.
// window.gmatrixDemo exposes the same functions to tests (tests/browser/demo.test.js).

// Absolute: UrlFolderSource resolves file names with new URL(file, base), which rejects a
// relative base such as '/model/'.
const MODEL_URL = new URL('/model/', location.href).href;
const METRICS = ['cosine', 'dot', 'euclidean', 'manhattan'];

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

// Reports download progress per file: Embedder.load reads a URL folder through this fetch.
async function trackingFetch(url, init) {
  if (init?.method === 'HEAD') return fetch(url, init);
  const name = url.replace(MODEL_URL, '');
  setStatus(`모델 파일 받는 중: ${name}`, 'Downloading');
  const response = await fetch(url, init);
  if (!response.ok || !response.body) return response;
  const total = Number(response.headers.get('Content-Length')) || 0;
  const progress = $('#progress');
  let loaded = 0;
  const counted = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      if (total) Object.assign(progress, { max: total, value: loaded });
      setStatus(`모델 파일 받는 중: ${name} ${(loaded / 1e6).toFixed(1)} MB`, 'Downloading');
      controller.enqueue(chunk);
    },
  }));
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}

async function load() {
  const t0 = performance.now();
  setStatus('WebAssembly 코어 불러오는 중…', 'Loading the WebAssembly core');
  // A dynamic import, so that a broken import map or core shows up as a visible error.
  const api = await import('/js/src/index.js');
  const model = await api.Embedder.load(MODEL_URL, { fetch: trackingFetch });
  const info = model.info;
  const facts = {
    '모델 Model': `${info.modelType}, ${info.dimensions}차원 dims, ${info.pooling.join('+')} pooling`,
    '출처 Source': info.source,
    '최대 길이 Max length': `${info.maxLength} tokens`,
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

/** Embeds texts; rows as plain arrays (they cross into Playwright as JSON). */
async function embed(texts) {
  const { api, model } = await ready;
  return api.rows(await model.embed(texts)).map((row) => Array.from(row));
}

/** Ranks sentences by cosine similarity to the query: [{index, text, score}], best first. */
async function search(query, sentences) {
  const { api, model } = await ready;
  const timings = {};
  let t0 = performance.now();
  const tokens = model.tokenize(query);
  timings.tokenize = ms(t0);
  t0 = performance.now();
  // One call: the query and the sentences share batches.
  const { data, dims } = await model.embed([query, ...sentences]);
  timings.embed = `${ms(t0)} (${sentences.length + 1} texts)`;
  t0 = performance.now();
  const queryRow = { data: data.subarray(0, dims[1]), dims: [1, dims[1]] };
  const sentenceRows = { data: data.subarray(dims[1]), dims: [sentences.length, dims[1]] };
  const scores = api.similarityMatrix(queryRow, sentenceRows, 'cosine').data;
  const ranking = sentences.map((text, index) => ({ index, text, score: scores[index] }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  timings.rank = ms(t0);
  return { ranking, tokens, timings };
}

/** The four metrics between two sentences. */
async function compare(a, b) {
  const { api, model } = await ready;
  const [va, vb] = api.rows(await model.embed([a, b]));
  return Object.fromEntries(METRICS.map((metric) => [metric, api.similarity(va, vb, metric)]));
}

const readyInfo = ready.then(({ model }) => model.info);
readyInfo.catch(() => {});
window.gmatrixDemo = { ready: readyInfo, embed, search, compare,
  tokenize: async (text) => (await ready).model.tokenize(text) };

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

onSubmit($('#search-form'), async () => {
  const query = $('#query').value;
  const sentences = $('#sentences').value.split('\n').map((s) => s.trim()).filter(Boolean);
  if (sentences.length === 0) throw new Error('문장을 한 줄에 하나씩 입력하세요. Enter at least one sentence.');
  const t0 = performance.now();
  const { ranking, tokens, timings } = await search(query, sentences);
  $('#tokens').replaceChildren(...tokens.tokens.map((token, i) => el('span', {
    className: /^\[.*\]$/.test(token) ? 'token special' : 'token',
    textContent: token,
    title: `id ${tokens.ids[i]}`,
  })));
  $('#results').replaceChildren(...ranking.map(({ text, score, index }) => {
    const item = el('li', {},
      el('span', { className: 'score', textContent: score.toFixed(4), title: String(score) }),
      el('span', { className: 'text', textContent: text }));
    item.style.setProperty('--bar', `${Math.max(0, score) * 100}%`);
    Object.assign(item.dataset, { score: String(score), index: String(index) });
    return item;
  }));
  // Tests wait for this attribute: it changes only once the results are in place.
  $('#results').dataset.query = query;
  $('#timings').textContent = `토큰화 tokenize ${timings.tokenize} · 임베딩 embed ${timings.embed} · ` +
    `순위 rank ${timings.rank} · 전체 total ${ms(t0)}`;
});

onSubmit($('#compare-form'), async () => {
  const t0 = performance.now();
  const values = await compare($('#text-a').value, $('#text-b').value);
  for (const metric of METRICS) {
    const output = $(`.metric[data-metric="${metric}"] output`);
    output.textContent = values[metric].toFixed(4);
    output.title = String(values[metric]);
  }
  $('#compare-timings').textContent = `전체 total ${ms(t0)}`;
});

ready.then(() => {
  document.body.dataset.state = 'ready';
  for (const button of document.querySelectorAll('form button')) button.disabled = false;
  // Fill both panels once, so the page shows what it does without a click.
  $('#search-form').requestSubmit();
  $('#compare-form').requestSubmit();
}, (err) => {
  document.body.dataset.state = 'error';
  $('#progress').hidden = true;
  setStatus('모델을 불러오지 못했습니다', 'The model failed to load');
  showError(err);
});
