// Section 2: base-size encoder speed, same batch for every model: the torch-exported reference
// graph vs our converted fp32, q8 (the default 'dynamic' scheme, and weight-only MatMulNBits) and
// q4, on both backends (wasm, native), at 1 and 2 ONNX Runtime threads. Also how far the quantized
// models' mean-pooled embeddings drift from the reference (cosine).
//
// Each (model, threads) pair runs in its own child process: numThreads is global to ONNX Runtime
// Web and fixed by the first session, and peak RSS is only meaningful for a process that loaded
// one model.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Embedder } from '../js/src/embedder.js';
import { parseStsTsv } from '../js/src/sts.js';
import { korstsDir, tinyDebertaDir } from '../tests/js/fixtures.js';
import { baseConfig, openBackend, randomIdBatch } from './base-weights.js';
import { log, mb, median, minCosine, seconds, table, times } from './report.js';

const thisFile = fileURLToPath(import.meta.url);

/** @param {{models: {reference: string, converted: Record<string, string>}, quick: boolean}} options */
export async function runEncoderSpeed({ models, quick }) {
  const lengths = await korstsLengths(quick ? 8 : 32);
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  log(`inputs: the first ${lengths.length} sentences of KorSTS dev, tokenized with the tiny model's vocab for ` +
    `their lengths only (${Math.min(...lengths)}-${Math.max(...lengths)} tokens, mean ${mean.toFixed(1)}), ` +
    `filled with random base-vocabulary ids; one batch padded to ${Math.max(...lengths)}`);
  const runs = quick ? 1 : 3;
  const variants = [
    ['reference fp32', models.reference], ['ours fp32', models.converted.fp32],
    ['ours q8 (dynamic)', models.converted.q8], ['ours q8 MatMulNBits', models.converted['q8 matmulnbits']],
    ['ours q4', models.converted.q4],
  ];
  const rows = [];
  const byThreads = {};
  for (const backend of ['wasm', 'native']) for (const threads of quick ? [1] : [1, 2]) {
    const results = variants.map(([name, onnxPath]) => {
      log(`${backend}, threads ${threads}: ${name} (load, 1 warm-up run, ${runs} timed)`);
      return { name, ...runChild({ onnxPath, threads, lengths, runs, backend }) };
    });
    byThreads[`${backend} ${threads}`] = results;
    const ref = results[0];
    for (const r of results) {
      const ms = median(r.runMs);
      rows.push([
        r.name, backend, threads, seconds(r.loadMs), r.firstRunMs.toFixed(0), ms.toFixed(0),
        (lengths.length / (ms / 1000)).toFixed(1), mb(r.maxRss), times(median(ref.runMs) / ms),
        times(r.maxRss / ref.maxRss), minCosine(r.pooled, ref.pooled).toFixed(5),
      ]);
    }
  }
  table(['model', 'backend', 'threads', 'load s', '1st run ms', 'ms/batch', 'sentences/s', 'peak RSS MB',
    'speed vs ref', 'RSS vs ref', 'min cos vs ref'], rows);
  console.log(`ms/batch is the median of ${runs} run(s) after the warm-up; "vs ref" compares with reference fp32 ` +
    'on the same backend and thread count; min cos is over the batch\'s mean-pooled embeddings. Both fp32 models read ' +
    'their weights from a model.onnx_data side file; q8 and q4 are self-contained.');
  for (const backend of ['wasm', 'native']) {
    const [one, two] = [byThreads[`${backend} 1`], byThreads[`${backend} 2`]];
    if (!two) continue;
    const scaling = one.map((r, i) => `${r.name} ${times(median(r.runMs) / median(two[i].runMs))}`);
    console.log(`${backend}, 2 threads vs 1 (speed-up): ${scaling.join(', ')}`);
  }
}

// Token counts of real sentences with the tiny vocab: a KorSTS-like length distribution.
async function korstsLengths(count) {
  const pairs = parseStsTsv(fs.readFileSync(path.join(korstsDir, 'sts-dev.tsv'), 'utf8')).slice(0, count);
  const tiny = await Embedder.load(tinyDebertaDir, { threads: 1 });
  const lengths = pairs.map((p) => tiny.tokenize(p.sentence1).ids.length);
  await tiny.dispose();
  return lengths;
}

function runChild(job) {
  const child = spawnSync(process.execPath, [thisFile, '--child', JSON.stringify(job)], {
    encoding: 'utf8', maxBuffer: 256 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`encoder benchmark child failed (${job.onnxPath}, exit ${child.status})`);
  return JSON.parse(child.stdout);
}

// In the child: load one model, run the batch, report times, peak RSS and pooled embeddings.
async function child({ onnxPath, threads, lengths, runs, backend: kind }) {
  let started = performance.now();
  const backend = await openBackend(onnxPath, threads, kind);
  const loadMs = performance.now() - started;
  const batch = randomIdBatch(lengths, 7);
  started = performance.now();
  const hidden = await backend.run(batch);
  const firstRunMs = performance.now() - started;
  const runMs = [];
  for (let i = 0; i < runs; i++) {
    started = performance.now();
    await backend.run(batch);
    runMs.push(performance.now() - started);
  }
  await backend.dispose();
  process.stdout.write(JSON.stringify({ loadMs, firstRunMs, runMs, maxRss: peakRss(), pooled: meanPool(hidden.data, batch) }));
}

// Peak resident memory of this process, in bytes. Not process.resourceUsage().maxRSS: Linux carries
// that over from the parent through fork and exec, so every child would report at least the
// parent's size. VmHWM belongs to the address space the child got at exec.
function peakRss() {
  const status = fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '';
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? process.resourceUsage().maxRSS;
  return Number(kib) * 1024;
}

function meanPool(hidden, { attentionMask, rows, sequenceLength }) {
  const width = baseConfig.hidden_size;
  return Array.from({ length: rows }, (_, r) => {
    const sum = new Array(width).fill(0);
    let count = 0;
    for (let t = 0; t < sequenceLength; t++) {
      if (!attentionMask[r * sequenceLength + t]) continue;
      count++;
      for (let j = 0; j < width; j++) sum[j] += hidden[(r * sequenceLength + t) * width + j];
    }
    return sum.map((v) => v / count);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === thisFile && process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]));
}
