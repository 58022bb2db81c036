// Section 5: gmatrix-embed against transformers.js, side by side in one run, on the same base-size
// model files (DeBERTa-v2 reference graph, random weights) and the same KorSTS test sentences.
//
// Every measurement runs in a fresh child process (bench/peers-child.js), so cold start and peak
// memory are real; the engines alternate within each round (a, b, c, d, a, b, ...) and the table
// shows medians over rounds, each with its ratio to the matching transformers.js run: WASM rows
// against transformers.js on onnxruntime-web, native rows against transformers.js's Node default
// (onnxruntime-node). transformers.js is installed apart, in the scratch project bench/peers/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tinyDebertaDir } from '../tests/js/fixtures.js';
import { baseConfig, generateExternalData } from './base-weights.js';
import { korstsTestSentences, writePeerModels } from './peers-models.js';
import { batchesFlops, checkMatMuls, chunkBatches, encoderFlops, sortedBatches } from './peers-flops.js';
import { log, mb, median, minCosine, percent, seconds, table, times } from './report.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const peersDir = path.join(benchDir, 'peers');
const childScript = path.join(benchDir, 'peers-child.js');
const resultsFile = path.join(benchDir, 'results.json');

// The rows. `runtime` picks the matmul ceiling (same runtime and threads); `baseline` the
// transformers.js row it is compared with. Add gmatrix rows with other load options here, e.g.
//   { id: 'gmatrix-wasm-q8', label: 'gmatrix-embed wasm q8', engine: 'gmatrix', runtime: 'web',
//     baseline: 'transformers-web', load: { backend: 'wasm', threads: 2, dtype: 'q8' } },
// (a dtype other than fp32 makes the section quantize the model first, with quantizeModel's
// defaults; its GFLOP/s then count the fp32 operations the quantized model stands for).
export const ENGINES = [
  { id: 'gmatrix-wasm', label: 'gmatrix-embed wasm', engine: 'gmatrix', runtime: 'web',
    baseline: 'transformers-web', load: { backend: 'wasm', threads: 2 } },
  { id: 'gmatrix-native', label: 'gmatrix-embed native', engine: 'gmatrix', runtime: 'node',
    baseline: 'transformers-node', load: { backend: 'native', threads: 2 } },
  { id: 'gmatrix-wasm-q8', label: 'gmatrix-embed wasm q8', engine: 'gmatrix', runtime: 'web',
    baseline: 'transformers-web', load: { backend: 'wasm', threads: 2, dtype: 'q8' } },
  { id: 'gmatrix-native-q8', label: 'gmatrix-embed native q8', engine: 'gmatrix', runtime: 'node',
    baseline: 'transformers-node', load: { backend: 'native', threads: 2, dtype: 'q8' } },
  { id: 'transformers-web', label: 'transformers.js, onnxruntime-web', engine: 'transformers', runtime: 'web', threads: 2 },
  { id: 'transformers-node', label: 'transformers.js, Node default', engine: 'transformers', runtime: 'node' },
];
// onnxruntime-node's default intra-op thread count is the number of physical cores: 2 here.
const THREADS = 2;
// Distinct KorSTS test sentences given to each engine as one list; `--peers-sentences=N` changes it
// for one run (the list passes are most of the section's time: ~3/4 at 512).
const LIST_SIZE = 512;
// transformers.js gets the list in chunks of this size: its pipeline runs each call as one batch,
// padded to the call's longest text (gmatrix-embed's batch size was 32 when this was written).
const CHUNK = 32;
const CEILING_SHAPE = [512, 768, 3072]; // M, K, N: a feed-forward MatMul of a full batch

export async function runPeers({ work, quick }) {
  const started = performance.now();
  const asked = process.argv.find((a) => a.startsWith('--peers-sentences='))?.split('=')[1];
  const settings = {
    rounds: quick ? 1 : 3, listSize: asked ? Number(asked) : LIST_SIZE, chunk: CHUNK, threads: THREADS,
    warmup: 8, batch1: quick ? 16 : 32, tokenizerPasses: quick ? 10 : 30, ceilingRuns: quick ? 5 : 10,
  };
  installPeers();
  const all = korstsTestSentences();
  if (!(Number.isInteger(settings.listSize) && settings.listSize >= 1 && settings.listSize <= all.length)) {
    throw new Error(`--peers-sentences must be an integer from 1 to ${all.length}`);
  }
  const list = all.slice(0, settings.listSize);
  const sentencesFile = path.join(work, 'peers-sentences.json');
  fs.writeFileSync(sentencesFile, JSON.stringify({ list, all }));

  log('writing the base model for both tools (random weights; the transformers.js copy of the 741 MB data file is a link)');
  const models = writePeerModels(path.join(work, 'peers'), generateExternalData());
  const matmuls = checkMatMuls(fs.readFileSync(path.join(models.gmatrix, 'model.onnx')), baseConfig);
  log(`model folders written (data file: ${models.linked}); graph MatMuls per run: ${matmuls.weight} on weights, ` +
    `${matmuls.activation} between activations, ${matmuls.constant} folded at load`);
  await quantizeIfAsked(models.gmatrix);

  // Tokenizers: one child per tool, all distinct test sentences; gmatrix-embed's tokenizer is
  // loaded from the tiny fixture, whose tokenizer files the base folders copy.
  log(`tokenizers: ${all.length} sentences, one call each, best of ${settings.tokenizerPasses} passes`);
  const tokenizers = {
    gmatrix: runChild({ kind: 'tokenize', engine: 'gmatrix', modelDir: tinyDebertaDir, sentencesFile, passes: settings.tokenizerPasses }),
    transformers: runChild({ kind: 'tokenize', engine: 'transformers', modelDir: models.transformers, sentencesFile, passes: settings.tokenizerPasses }),
  };
  const parity = checkTokenParity(all, tokenizers);
  log(`token ids: transformers.js (generated tokenizer.json, lower-cased input) = gmatrix-embed on all ${parity.compared} sentences`);
  const tokenLengths = tokenizers.gmatrix.ids.slice(0, list.length).map((ids) => ids.length);

  const runs = Object.fromEntries(ENGINES.map((e) => [e.id, []]));
  const unavailable = {};
  for (let round = 1; round <= settings.rounds; round++) {
    for (const engine of ENGINES) {
      if (unavailable[engine.id]) continue;
      const result = runChild({
        kind: 'embed', engine: engine.engine, runtime: engine.runtime, threads: engine.threads, load: engine.load,
        modelDir: engine.engine === 'gmatrix' ? models.gmatrix : models.transformers,
        sentencesFile, chunk: CHUNK, warmup: settings.warmup, batch1: settings.batch1,
        ceiling: { shape: CEILING_SHAPE, threads: THREADS, runs: settings.ceilingRuns },
      }, { allowFailure: true });
      if (result.unavailable || result.failed) {
        unavailable[engine.id] = result.unavailable ?? `failed: ${result.failed}`;
        log(`round ${round}: ${engine.label}: unavailable (${unavailable[engine.id]})`);
        continue;
      }
      runs[engine.id].push(result);
      log(`round ${round}: ${engine.label}: cold start ${seconds(result.coldStartMs)} s, ` +
        `${rate(result.sentences, result.listMs).toFixed(1)} sentences/s, peak RSS ${mb(result.peakRss)} MB, ` +
        `matmul ceiling ${ceilingGflops(result).toFixed(1)} GFLOP/s`);
    }
  }

  const summary = summarize({ tokenLengths, runs, unavailable, tokenizers });
  printTables(summary, settings);
  const versions = versionsOf(runs);
  const host = machine();
  console.log(`Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node}. Versions: ` +
    `${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ')}.`);
  const results = {
    date: new Date().toISOString(), quick, commit: gitCommit(), machine: host, versions, settings,
    model: { config: 'base-deberta-v2-graph/config.json', weights: 'random (generateExternalData)', dataFile: models.linked },
    tokenParity: parity, matmuls, ...summary, sectionSeconds: (performance.now() - started) / 1000,
  };
  fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`raw numbers, medians and ratios written to ${path.relative(process.cwd(), resultsFile)}`);
}

// bench/peers/ is a separate npm project (transformers.js and its onnxruntime-node); installed
// from its lock file on first use. The install script of onnxruntime-node would download a binary
// it already ships: skipped.
function installPeers() {
  if (fs.existsSync(path.join(peersDir, 'node_modules'))) return;
  log('installing transformers.js into bench/peers/ (npm ci, first use only)');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: peersDir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (npm.status !== 0) throw new Error(`npm ci in ${peersDir} failed (exit ${npm.status})`);
}

// For rows with a dtype other than fp32: the reference graph quantized with quantizeModel's
// defaults, where Embedder.load looks for that dtype.
async function quantizeIfAsked(gmatrixDir) {
  const dtypes = [...new Set(ENGINES.map((e) => e.load?.dtype).filter((d) => d && d !== 'fp32'))];
  if (!dtypes.length) return;
  const { quantizeModel } = await import('../js/src/convert/quantize.js');
  const { ONNX_CANDIDATES } = await import('../js/src/layout.js');
  const onnx = fs.readFileSync(path.join(gmatrixDir, 'model.onnx'));
  const data = fs.readFileSync(path.join(gmatrixDir, 'model.onnx_data'));
  for (const dtype of dtypes) {
    log(`quantizing the model to ${dtype} for the ${dtype} rows`);
    const out = quantizeModel(onnx, { dtype, externalData: [{ path: 'model.onnx_data', data }] });
    const target = path.join(gmatrixDir, ONNX_CANDIDATES[dtype][0]);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    for (const side of out.externalData) fs.writeFileSync(path.join(path.dirname(target), side.path), side.data);
    fs.writeFileSync(target, out.model);
  }
}

// Runs one job in a fresh Node process; returns its JSON result. With allowFailure, a crash
// becomes {failed: reason} instead of an error.
function runChild(job, { allowFailure = false } = {}) {
  const child = spawnSync(process.execPath, [childScript, JSON.stringify(job)], {
    encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000,
  });
  if (child.status === 0) return JSON.parse(child.stdout.trim().split('\n').pop());
  // Emscripten's handlers rethrow uncaught errors, and Node then prints the whole minified source
  // line: keep the error lines only, shortened.
  const reason = (child.stderr ?? '').split('\n').filter((l) => /error|Error|abort/.test(l))
    .map((l) => l.slice(0, 240)).slice(-3).join(' | ') || `exit ${child.status ?? child.signal}`;
  if (allowFailure) return { failed: reason };
  throw new Error(`peers child ${job.kind} ${job.engine ?? job.runtime} failed: ${reason}`);
}

function checkTokenParity(all, { gmatrix, transformers }) {
  all.forEach((text, i) => {
    const ours = gmatrix.ids[i].join(' ');
    const theirs = transformers.ids[i].join(' ');
    if (ours !== theirs) {
      throw new Error(`token ids differ on sentence ${i} ${JSON.stringify(text)}: gmatrix-embed [${ours}], ` +
        `transformers.js [${theirs}]; the comparison would not be like for like`);
    }
  });
  return { compared: all.length, equal: true };
}

const rate = (count, ms) => count / (ms / 1000);
// A ceiling is the best the runtime does: the fastest of its runs (the least disturbed by other work).
const ceilingGflops = ({ ceiling }) => ceiling.flops / (Math.min(...ceiling.runMs) / 1000) / 1e9;

function summarize({ tokenLengths, runs, unavailable, tokenizers }) {
  const batch1Flops = (count) => tokenLengths.slice(0, count).reduce((sum, L) => sum + encoderFlops(baseConfig, 1, L), 0);
  const realTokens = tokenLengths.reduce((a, b) => a + b, 0);
  // The padded batches each engine ran for the list: gmatrix-embed's from the rows per batch it
  // reported, transformers.js's from the chunks it was given.
  const listBatches = (engine, result) => (engine.engine === 'gmatrix'
    ? sortedBatches(tokenLengths, result.listBatchRows) : chunkBatches(tokenLengths, CHUNK));

  const engines = {};
  for (const engine of ENGINES) {
    const results = runs[engine.id];
    if (!results.length) {
      engines[engine.id] = { label: engine.label, config: engineConfig(engine), unavailable: unavailable[engine.id] };
      continue;
    }
    const batches = listBatches(engine, results[0]);
    const listFlops = batchesFlops(baseConfig, batches);
    const perRun = results.map((r) => ({
      coldStartMs: r.coldStartMs,
      sentencesPerSecond: rate(r.sentences, r.listMs),
      batch1SentencesPerSecond: rate(r.batch1Sentences, r.batch1Ms),
      peakRss: r.peakRss,
      gflops: listFlops / (r.listMs / 1000) / 1e9,
      batch1Gflops: batch1Flops(r.batch1Sentences) / (r.batch1Ms / 1000) / 1e9,
      ceilingGflops: ceilingGflops(r),
    }));
    for (const r of perRun) {
      r.ofCeiling = r.gflops / r.ceilingGflops;
      r.batch1OfCeiling = r.batch1Gflops / r.ceilingGflops;
    }
    const medians = Object.fromEntries(Object.keys(perRun[0]).map((k) => [k, median(perRun.map((r) => r[k]))]));
    engines[engine.id] = {
      label: engine.label, config: engineConfig(engine), unavailable: unavailable[engine.id],
      list: { batches: batches.length, paddedTokens: batches.reduce((n, b) => n + b.rows * b.length, 0), flops: listFlops },
      raw: results.map(({ sample, ...raw }) => raw), perRun, median: medians,
      sample: results[0].sample,
    };
  }
  // Ratios to the matching transformers.js row, and how close the vectors are to its vectors.
  for (const engine of ENGINES) {
    const ours = engines[engine.id];
    const base = engine.baseline && engines[engine.baseline];
    if (!ours.median || !base?.median) continue;
    ours.vs = engine.baseline;
    ours.ratios = Object.fromEntries(Object.keys(ours.median).map((k) => [k, ours.median[k] / base.median[k]]));
    ours.minCosineVsBaseline = minCosine(ours.sample, base.sample);
  }
  for (const e of Object.values(engines)) delete e.sample;

  const tokenizer = Object.fromEntries(Object.entries(tokenizers).map(([tool, r]) => {
    const best = Math.min(...r.passMs);
    return [tool, { sentences: r.sentences, passMs: r.passMs, sentencesPerSecond: rate(r.sentences, best) }];
  }));
  tokenizer.gmatrix.ratio = tokenizer.gmatrix.sentencesPerSecond / tokenizer.transformers.sentencesPerSecond;
  return { realTokens, engines, tokenizer };
}

function engineConfig(engine) {
  const { label, ...config } = engine;
  return config;
}

function printTables({ realTokens, engines, tokenizer }, settings) {
  const measured = ENGINES.filter((e) => engines[e.id].median);
  const ratio = (e, key) => (e.ratios ? times(e.ratios[key]) : '—');
  table(['engine', 'cold start s', '×', `sent/s, ${settings.listSize} in one list`, '×', 'sent/s, batch 1', '×',
    'peak RSS MB', '×'], measured.map(({ id, label }) => {
    const e = engines[id];
    const m = e.median;
    return [
      label, seconds(m.coldStartMs), ratio(e, 'coldStartMs'), m.sentencesPerSecond.toFixed(1), ratio(e, 'sentencesPerSecond'),
      m.batch1SentencesPerSecond.toFixed(1), ratio(e, 'batch1SentencesPerSecond'), mb(m.peakRss), ratio(e, 'peakRss'),
    ];
  }));
  for (const { id, label } of ENGINES.filter((e) => !engines[e.id].median)) {
    console.log(`${label}: unavailable (${engines[id].unavailable})`);
  }
  console.log(`Medians of ${settings.rounds} round(s), each engine in a fresh process, ${settings.threads} threads. ` +
    '× = this row / the matching transformers.js row (WASM rows / transformers.js on onnxruntime-web, native rows / its ' +
    'Node default): above 1 is faster for sentences/s; below 1 is sooner / smaller for cold start and peak RSS.\n' +
    'Cold start: process start to the first vector of a 1-sentence embed. List: one call (gmatrix-embed, which batches ' +
    `by token count, longest first) or chunks of ${CHUNK} in list order (transformers.js pipeline calls), after a ` +
    `${settings.warmup}-sentence warm-up. Batch 1: one call per sentence, the first ${settings.batch1}.`);

  table(['engine', 'GFLOP/s, list', 'GFLOP/s, batch 1', 'ceiling GFLOP/s', 'list / ceiling', 'batch 1 / ceiling',
    'min cos vs tjs'], measured.map(({ id, label }) => {
    const e = engines[id];
    const m = e.median;
    return [
      label, m.gflops.toFixed(1), m.batch1Gflops.toFixed(1), m.ceilingGflops.toFixed(1), percent(m.ofCeiling),
      percent(m.batch1OfCeiling), e.minCosineVsBaseline?.toFixed(6) ?? '—',
    ];
  }));
  console.log('GFLOP/s: encoder MatMul FLOPs of the padded batches actually run, over the whole call (tokenizing and ' +
    `pooling included). Ceiling: one [${CEILING_SHAPE[0]}, ${CEILING_SHAPE[1]}] x [${CEILING_SHAPE[1]}, ` +
    `${CEILING_SHAPE[2]}] MatMul on the same ONNX Runtime module, in the same process, right after the engine ran ` +
    `(fastest of ${settings.ceilingRuns} runs).\n` +
    `The list holds ${realTokens} tokens; padded, the engines ran ${measured.map(({ id, label }) =>
      `${label} ${engines[id].list.paddedTokens} in ${engines[id].list.batches} batches ` +
      `(${(engines[id].list.flops / 1e12).toFixed(2)} TFLOP)`).join(', ')}. min cos: least cosine between the row's first ` +
    '4 vectors and the transformers.js row\'s (same weights, same token ids).');

  table(['tokenizer, public API, one sentence a call', 'sentences/s', '×'], [
    ['gmatrix-embed model.tokenize(text)', tokenizer.gmatrix.sentencesPerSecond.toFixed(0), times(tokenizer.gmatrix.ratio)],
    ['transformers.js tokenizer(text), lower-cased first', tokenizer.transformers.sentencesPerSecond.toFixed(0), '—'],
  ]);
  console.log(`${tokenizer.gmatrix.sentences} distinct KorSTS test sentences, best of ${settings.tokenizerPasses} passes.`);
}

function machine() {
  return {
    cpu: os.cpus()[0]?.model.trim(), cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, platform: `${process.platform} ${process.arch}`,
  };
}

// The commit measured, with '+dirty' when the working tree has changes; null outside a git checkout.
function gitCommit() {
  const git = (...args) => spawnSync('git', args, { cwd: benchDir, encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return null;
  return `${head.stdout.trim()}${git('status', '--porcelain').stdout.trim() ? '+dirty' : ''}`;
}

function versionsOf(runs) {
  return Object.assign({}, ...Object.values(runs).flat().map((r) => r.versions));
}
