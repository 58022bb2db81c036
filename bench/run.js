// npm run bench [-- --quick] [section ...]: benchmarks that run peers side by side in one run and
// print ratios against a named baseline. Not tests: nothing here passes or fails on a number.
//
//   conversion  base-size HF weights -> ONNX fp32/q8/q4: size, time, agreement with the reference
//   encoder     base-size encoder speed and memory: reference export vs ours fp32/q8/q8 dynamic/q4,
//               1-2 threads
//   e2e         Embedder.embed on the tiny model over KorSTS test: tokenize / model / pooling split
//   similarity  wasm SIMD similarityMatrix vs a plain JavaScript loop
//   search      searchIndex over 100k and 1M vectors (float32, int8, binary, rescored): wasm SIMD
//               kernels vs a plain JavaScript loop, recall@10 of int8 and binary against float32
//   bulk        gmatrix-embed embed -o .npy (streamed windows) vs one embed() over all lines, tiny
//               model, 10k and 100k lines: time, texts/s, peak RSS
//   peers       gmatrix-embed (wasm, native) vs transformers.js (onnxruntime-web, Node default), base
//               size, KorSTS test: cold start, sentences/s, peak RSS, GFLOP/s, tokenizer; results.json
//
// About 2.5 minutes on 2 cores, --quick about one, plus the peers section: about 8 minutes alone
// (--quick about 2.5; its 512-sentence list passes are most of it, see --peers-sentences=N in
// bench/peers.js). Memory peaks at ~5 GB (this process, while converting) and ~3 GB (an encoder
// child); the generated models, ~2.6 GB, go to a folder under os.tmpdir() that is removed at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coreInfo } from '../js/src/core.js';
import { runConversion } from './conversion.js';
import { runEncoderSpeed } from './encoder-speed.js';
import { runEndToEnd } from './end-to-end.js';
import { runSimilarity } from './similarity.js';
import { runSearch } from './search.js';
import { runBulk } from './bulk.js';
import { runPeers } from './peers.js';
import { log } from './report.js';

const SECTIONS = ['conversion', 'encoder', 'e2e', 'similarity', 'search', 'bulk', 'peers'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const chosen = args.filter((a) => !a.startsWith('--'));
const unknown = chosen.filter((s) => !SECTIONS.includes(s));
if (unknown.length) {
  console.error(`Unknown section ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')} (default: all).`);
  process.exit(2);
}
const run = new Set(chosen.length ? chosen : SECTIONS);
// The encoder section times the models that the conversion section writes.
if (run.has('encoder')) run.add('conversion');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gmatrix-bench-'));
const cleanUp = () => fs.rmSync(work, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

const { simd } = coreInfo();
console.log(`gmatrix-embed bench${quick ? ' --quick' : ''}: node ${process.version}, ${os.cpus().length} cores ` +
  `(${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, wasm core SIMD ${simd ? 'on' : 'off'}`);
// ONNX Runtime Web's thread count is fixed per process by the first session; this process uses 1
// thread throughout, and the encoder section runs each thread count in its own child process.
try {
  let models;
  if (run.has('conversion')) {
    heading('1. Base-size conversion (DeBERTa-v2, 185M parameters, random weights)');
    models = await runConversion({ work, quick });
  }
  if (run.has('encoder')) {
    heading('2. Encoder speed, base size, one batch of KorSTS-length inputs');
    await runEncoderSpeed({ models, quick });
  }
  if (run.has('e2e')) {
    heading('3. End to end: Embedder.embed, tiny model, KorSTS test sentences');
    await runEndToEnd({ quick });
  }
  if (run.has('similarity')) {
    heading('4. Similarity matrix kernels');
    await runSimilarity({ quick });
  }
  if (run.has('search')) {
    heading('5. Top-k search over stored vectors (searchIndex)');
    await runSearch({ quick });
  }
  if (run.has('bulk')) {
    heading('6. Bulk embedding of a corpus, tiny model');
    await runBulk({ work, quick });
  }
  if (run.has('peers')) {
    heading('7. Peers: gmatrix-embed vs transformers.js, base size, KorSTS test sentences');
    await runPeers({ work, quick });
  }
  log('done');
} finally {
  cleanUp();
}

function heading(title) {
  console.log(`\n=== ${title} ===`);
}
