// One measurement of the peers section (bench/peers.js), in a process of its own so that cold start
// and peak memory are those of a fresh process that loaded one engine:
//
//   node bench/peers-child.js '<job JSON>'   ->   one line of result JSON on stdout
//
// Jobs (built by bench/peers.js):
//   {kind: 'embed', engine: 'gmatrix', load, modelDir, sentencesFile, chunk, warmup, batch1, ceiling}
//   {kind: 'embed', engine: 'transformers', runtime: 'web'|'node', threads, modelDir, ...same}
//   {kind: 'tokenize', engine: 'gmatrix'|'transformers', modelDir, sentencesFile, passes}
// An embed job ends with the matmul ceiling (`ceiling: {shape: [M, K, N], threads, runs}`): one big
// MatMul on the very ONNX Runtime module the engine ran on, in the same process, right after it.
//
// Only Node built-ins are imported up front: each engine's modules are imported by the job that
// uses it, so an engine's cold start and memory do not include the other's.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Only the result goes to stdout; whatever the libraries print goes to stderr.
const writeResult = (result) => process.stdout.write(`${JSON.stringify(result)}\n`);
for (const name of ['log', 'info', 'debug']) console[name] = (...args) => console.error(...args);

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const peersDir = path.join(benchDir, 'peers');
const peersRequire = createRequire(path.join(peersDir, 'package.json'));
const rootRequire = createRequire(import.meta.url);

// Lower-case and strip, as sentence-transformers does before tokenizing when sentence_bert_config.json
// says do_lower_case (gmatrix-embed does the same inside its tokenizer). transformers.js reads no
// sentence_bert_config.json, so its callers do this themselves; it is timed with its calls.
const prepare = (text) => text.trim().toLowerCase();

const jobs = { embed, tokenize };

async function embed(job) {
  const { list } = JSON.parse(fs.readFileSync(job.sentencesFile, 'utf8'));
  const engine = job.engine === 'gmatrix' ? await openGmatrix(job) : await openTransformers(job);
  if (engine.unavailable) return engine;
  await engine.embed([list[0]]);
  const coldStartMs = performance.now(); // since this process started (performance.timeOrigin)
  const loadedMs = engine.loadedMs;

  let started = performance.now();
  await engine.embed(list.slice(0, job.warmup));
  const warmupMs = performance.now() - started;

  const listBatchRows = []; // rows of each batch the list pass ran, in order
  started = performance.now();
  const all = await engine.embed(list, listBatchRows);
  const listMs = performance.now() - started;

  const batch1 = list.slice(0, job.batch1);
  started = performance.now();
  for (const text of batch1) await engine.embed([text]);
  const batch1Ms = performance.now() - started;

  const width = all.length / list.length;
  const sample = (rows) => Array.from({ length: rows }, (_, r) => Array.from(all.subarray(r * width, (r + 1) * width)));
  const peak = peakRss(); // before the ceiling's own buffers
  const ceilingResult = await matmulCeiling(await engine.ort(), engine.runtime, job.ceiling);
  await engine.dispose();
  return {
    coldStartMs, loadedMs, warmupMs, listMs, batch1Ms, sentences: list.length, warmupSentences: job.warmup,
    batch1Sentences: batch1.length, listBatchRows, peakRss: peak, runtime: engine.runtime, versions: engine.versions,
    ceiling: ceilingResult,
    // For the cross-engine check: the first vectors of the list.
    sample: sample(4),
  };
}

// gmatrix-embed through its public API; a load error (an option not implemented yet, a missing
// model file for a dtype) makes the row unavailable, with the error's first line as the reason.
async function openGmatrix({ modelDir, load }) {
  const { Embedder } = await import('../js/src/index.js');
  let model;
  try {
    model = await Embedder.load(modelDir, load);
  } catch (err) {
    return { unavailable: `${err.name}: ${String(err.message).split('\n')[0]}` };
  }
  // Which runtime ran: model.info says where the Embedder reports it, else the option asked for.
  const runtime = (model.info.backend ?? load?.backend ?? 'wasm') === 'native' ? 'node' : 'web';
  return {
    loadedMs: performance.now(),
    runtime,
    versions: { 'gmatrix-embed': readVersion(path.join(benchDir, '..')), ...runtimeVersions(runtime) },
    // The module the Embedder imported (the same specifier from here resolves to the same files).
    ort: async () => (runtime === 'web' ? import('onnxruntime-web') : defaultExport(await import('onnxruntime-node'))),
    // onProgress reports each batch as it finishes: its row count is the growth of `done`.
    embed: async (texts, batchRows = []) => {
      let done = 0;
      const onProgress = (p) => {
        batchRows.push(p.done - done);
        done = p.done;
      };
      return (await model.embed(texts, { normalize: true, onProgress })).data;
    },
    dispose: () => model.dispose(),
  };
}

// transformers.js's feature-extraction pipeline, either on its default Node runtime
// (onnxruntime-node, device 'cpu') or on the same onnxruntime-web as gmatrix-embed.
async function openTransformers({ modelDir, runtime, threads, chunk }) {
  let ort;
  let options = { dtype: 'fp32' };
  if (runtime === 'web') {
    ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    // transformers.js points an injected runtime whose wasmPaths is unset at a CDN; set them to the
    // files onnxruntime-web would load by itself.
    ort.env.wasm.wasmPaths = new URL('.', import.meta.resolve('onnxruntime-web')).href;
    // transformers.js 4.x uses a runtime placed under this symbol instead of onnxruntime-node. It
    // then lists no supported devices: 'wasm' (or 'cpu') is refused as "Unsupported device", so the
    // device is 'auto' (an empty list) and the execution provider is given as a session option.
    globalThis[Symbol.for('onnxruntime')] = ort;
    // In Node it would hand onnxruntime the data file's name only, which onnxruntime-node resolves
    // beside the model and onnxruntime-web cannot: list the file here, and transformers.js reads it
    // and passes the bytes, as it does in browsers.
    const externalData = [{ path: 'model.onnx_data', data: 'onnx/model.onnx_data' }];
    options = { ...options, device: 'auto', session_options: { executionProviders: ['wasm'], externalData } };
  } else {
    // Its default: onnxruntime-node, device 'cpu'; the data file sits beside onnx/model.onnx.
    options = { ...options, use_external_data_format: true };
  }
  const transformers = await importTransformers();
  const { env, pipeline } = transformers;
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir);
  env.useWasmCache = false;
  const extractor = await pipeline('feature-extraction', path.basename(modelDir), options);
  const embedChunk = async (texts) => (await extractor(texts.map(prepare), { pooling: 'mean', normalize: true })).data;
  return {
    loadedMs: performance.now(),
    runtime,
    versions: {
      '@huggingface/transformers': env.version, ...runtimeVersions(runtime, runtime === 'web' ? rootRequire : peersRequire),
    },
    // Its own onnxruntime-node (already loaded by transformers.js), or the injected onnxruntime-web.
    ort: async () => ort ?? peersRequire('onnxruntime-node'),
    // The pipeline embeds what it is given as one batch padded to its longest text: chunks of `chunk`.
    embed: async (texts, batchRows = []) => {
      const parts = [];
      for (let i = 0; i < texts.length; i += chunk) {
        parts.push(await embedChunk(texts.slice(i, i + chunk)));
        batchRows.push(Math.min(chunk, texts.length - i));
      }
      return concat(parts);
    },
    dispose: () => extractor.dispose(),
  };
}

// Tokenizer speed through each public API, one call per sentence, best of `passes`; also the ids,
// for the parent's check that both tokenize alike.
async function tokenize({ engine, modelDir, sentencesFile, passes }) {
  const { all } = JSON.parse(fs.readFileSync(sentencesFile, 'utf8'));
  let encode;
  let dispose = () => {};
  if (engine === 'gmatrix') {
    const { Embedder } = await import('../js/src/index.js');
    const model = await Embedder.load(modelDir, { threads: 1 });
    encode = (text) => model.tokenize(text).ids;
    dispose = () => model.dispose();
  } else {
    const { AutoTokenizer, env } = await importTransformers();
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(modelDir);
    const tokenizer = await AutoTokenizer.from_pretrained(path.basename(modelDir));
    encode = (text) => tokenizer(prepare(text)).input_ids.data;
  }
  const ids = all.map((text) => Array.from(encode(text), Number));
  const passMs = [];
  for (let pass = 0; pass < passes; pass++) {
    const started = performance.now();
    for (const text of all) encode(text);
    passMs.push(performance.now() - started);
  }
  await dispose();
  return { sentences: all.length, passMs, ids };
}

// The matmul ceiling: one [M, K] x [K, N] MatMul (weights as an initializer, as in the encoder),
// `runs` timed runs after a warm-up, on the given ONNX Runtime module and thread count.
async function matmulCeiling(ort, runtime, { shape: [M, K, N], threads, runs }) {
  const { makeNode, makeTensor, makeTensorValueInfo, encodeModel, DataType } = await import('../js/src/convert/onnx-proto.js');
  const values = (n, seed) => new Float32Array(n).map((_, i) => (((i + 1) * seed) % 1000) / 1000 - 0.5);
  const model = encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 14 }],
    producerName: 'gmatrix-embed bench',
    graph: {
      name: 'matmul',
      node: [makeNode('MatMul', ['x', 'w'], ['y'])],
      initializer: [makeTensor('w', DataType.FLOAT, [K, N], values(K * N, 7919))],
      input: [makeTensorValueInfo('x', DataType.FLOAT, [M, K])],
      output: [makeTensorValueInfo('y', DataType.FLOAT, [M, N])],
    },
  });
  // ONNX Runtime Web's thread count is the process's (set by the engine before its first session).
  const sessionOptions = runtime === 'web'
    ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
    : { executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all' };
  const session = await ort.InferenceSession.create(model, sessionOptions);
  const x = new ort.Tensor('float32', values(M * K, 104729), [M, K]);
  await session.run({ x });
  const runMs = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await session.run({ x });
    runMs.push(performance.now() - started);
  }
  await session.release();
  return { shape: [M, K, N], threads: runtime === 'web' ? ort.env.wasm.numThreads : threads, flops: 2 * M * K * N, runMs };
}

// The ES module build of transformers.js for Node, as its package.json "exports" name it.
async function importTransformers() {
  const dir = path.join(peersDir, 'node_modules', '@huggingface', 'transformers');
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return import(pathToFileURL(path.join(dir, pkg.exports.node.import.default)).href);
}

// onnxruntime-node is CommonJS: its API is the default export of the ES module namespace.
const defaultExport = (namespace) => namespace.default ?? namespace;

// The ONNX Runtime package a runtime came from: gmatrix-embed's own, or (transformers.js on Node's
// default) the one installed with transformers.js.
function runtimeVersions(runtime, require = rootRequire) {
  const name = runtime === 'web' ? 'onnxruntime-web' : 'onnxruntime-node';
  return { [name]: packageVersion(require, name) };
}

// The version of the package `name` as `require` resolves it (some packages export no package.json).
function packageVersion(require, name) {
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
  }
  return 'unknown';
}

function readVersion(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

function concat(parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// Peak resident memory of this process, in bytes. Not process.resourceUsage().maxRSS: Linux carries
// that over from the parent through fork and exec. VmHWM belongs to the address space this child
// got at exec.
function peakRss() {
  const status = fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '';
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? process.resourceUsage().maxRSS;
  return Number(kib) * 1024;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const job = JSON.parse(process.argv[2]);
  writeResult(await jobs[job.kind](job));
  // ONNX Runtime Web's worker threads and the wasm cores' pools may keep the process alive.
  process.exit(0);
}
