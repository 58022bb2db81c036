// gmatrix-embed embed: texts -> embeddings, streamed in windows of rows so memory stays bounded
// whatever the input's size. Windows are aligned to absolute row numbers (window w holds rows
// [w*W, (w+1)*W)); inside one, texts are batched by length. Because every row is computed in the
// same window, with the same neighbours, whether the run is whole, resumed or sharded, the outputs
// agree byte for byte: resumed = uninterrupted, and the shards' files concatenated = the whole.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { AbortError, InvalidArgumentError } from '../errors.js';
import { calibrationRanges, PRECISIONS, quantizeEmbeddings } from '../search/quantize.js';
import { choiceFlag, integerFlag, loadOptionsFrom, showsProgress, UsageError } from './args.js';
import { jsonLines, openEmbeddingsFile, outputFormat, readSidecar, writeSidecar } from './embeddings-file.js';
import { rowWidth } from '../search/search-index.js';
import { INPUT_HELP, INPUT_OPTIONS, inputSpec, readTexts, scanInput } from './input.js';
import { ProgressBar } from './progress-bar.js';

// Rows per window: large enough for good length-bucketing (and for int8 calibration, which uses
// the input's first window), small enough that a window's texts and vectors take a few MB.
const DEFAULT_WINDOW = 4096;

export const summary = 'texts -> embeddings: .jsonl, .npy or .f32 (or JSON lines on stdout); resumable, shardable';

export const options = {
  ...INPUT_OPTIONS,
  output: { type: 'string', short: 'o' },
  precision: { type: 'string' },
  normalize: { type: 'boolean' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  shard: { type: 'string' },
  window: { type: 'string' },
};

export const usage = `Usage: gmatrix-embed embed --input FILE [--output OUT] [options]

Embeds every text of FILE, in order. Without --output, writes {"embedding": [...]} lines to stdout.

${INPUT_HELP}

Output:
  -o, --output OUT       OUT.jsonl, OUT.npy (NumPy [rows, dims]) or OUT.f32 (raw float32), with a
                         sidecar OUT.json (model, settings, count, input sha256)
  --precision P          float32 (default) | int8 | uint8 | binary | ubinary, as sentence-transformers'
                         quantize_embeddings (int8/uint8 ranges from the input's first window)
  --normalize            unit-length vectors (default: what the model's modules.json says)
  --resume               continue an interrupted run (same command): finished rows are kept
  --overwrite            replace an existing OUT
  --shard K/N            embed only part K of N (contiguous, whole windows); the N parts' outputs
                         concatenated (cat for .jsonl/.f32, gmatrix-embed merge for .npy) equal the
                         unsharded output byte for byte
  --window N             rows per window (default ${DEFAULT_WINDOW}); resume and shards need the same N

Examples:
  gmatrix-embed embed -i corpus.txt -o corpus.npy
  gmatrix-embed embed -i reviews.csv --column review -o reviews.npy --precision int8
  gmatrix-embed embed -i corpus.txt -o part-2.f32 --shard 2/4`;

function parseShard(text) {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const [k, n] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || n < 1 || k < 1 || k > n) throw new UsageError(`--shard takes K/N with 1 <= K <= N (e.g. 2/4); got '${text}'`);
  return { index: k, count: n };
}

// The rows a run embeds: all of them, or shard K's whole windows.
function rowRange(total, window, shard) {
  if (!shard) return { start: 0, end: total };
  const windows = Math.ceil(total / window);
  const first = Math.floor(((shard.index - 1) * windows) / shard.count);
  const last = Math.floor((shard.index * windows) / shard.count);
  return { start: first * window, end: Math.min(last * window, total) };
}

// What must match for --resume to continue a run rather than mix two.
const RESUME_KEYS = ['model', 'revision', 'dtype', 'backend', 'dimensions', 'normalize', 'precision', 'window', 'maxLength'];

function checkResumable(previous, settings, output) {
  const show = (v) => JSON.stringify(v ?? null);
  for (const key of RESUME_KEYS) {
    if (show(previous[key]) !== show(settings[key])) {
      throw new InvalidArgumentError(`--resume: ${output} was started with ${key} ${show(previous[key])}, this run has ` +
        `${show(settings[key])}; rerun with the earlier options, or pass --overwrite to start over.`);
    }
  }
  if (show(previous.shard) !== show(settings.shard)) {
    throw new InvalidArgumentError(`--resume: ${output} was started as shard ${show(previous.shard)}, this run is ${show(settings.shard)}.`);
  }
  for (const key of ['sha256', 'format', 'column']) {
    if (show(previous.input?.[key]) !== show(settings.input[key])) {
      throw new InvalidArgumentError(`--resume: the input differs from the one ${output} was started with (${key}); ` +
        'resume with the same input, or pass --overwrite to start over.');
    }
  }
}

/** Stdout as a writer of the same rows a .jsonl file gets. */
function stdoutWriter(stream) {
  return {
    rowsKept: 0,
    async append(rows) {
      if (!stream.write(jsonLines(rows))) await new Promise((resolve) => stream.once('drain', resolve));
    },
    async finish() {},
    async close() {},
  };
}

async function firstWindowTexts(input, io, window) {
  const texts = [];
  for await (const text of readTexts(input, io)) {
    texts.push(text);
    if (texts.length === window) break;
  }
  return texts;
}

export async function run({ values }, io) {
  const input = inputSpec(values);
  const precision = values.precision === undefined ? 'float32' : choiceFlag(values, 'precision', PRECISIONS);
  const window = values.window === undefined ? DEFAULT_WINDOW : integerFlag(values, 'window', { max: 1 << 20 });
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const output = values.output;
  const format = output ? outputFormat(output) : 'jsonl';
  if (shard && input.stdin) throw new UsageError('--shard needs --input FILE (every shard reads the same file; stdin cannot be shared)');
  if (values.resume && (!output || input.stdin)) throw new UsageError('--resume needs --input FILE and --output OUT (the run to continue)');
  if (values.resume && values.overwrite) throw new UsageError('--resume and --overwrite contradict each other; choose one');
  if (format === 'f32' && precision !== 'float32') throw new UsageError(`.f32 output holds float32 only; write --precision ${precision} to .npy or .jsonl`);
  if (output && !values.resume && !values.overwrite && fs.existsSync(output)) {
    throw new UsageError(`${output} exists; pass --resume to continue an interrupted run, or --overwrite to replace it`);
  }

  // A file is scanned once first: its row count places shards and the progress bar's end, and
  // its checksum tells --resume whether the input is still the same.
  const scan = input.stdin ? undefined : await scanInput(input, io);
  const range = scan ? rowRange(scan.count, window, shard) : { start: 0, end: Infinity };
  const model = await Embedder.load(values.model ?? DEFAULT_MODEL, loadOptionsFrom(values, io));
  let file;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const { info } = model;
    const normalize = values.normalize ? true : info.normalize;
    const settings = {
      format: 'gmatrix-embed.embeddings',
      version: 1,
      // A local folder by its absolute path, so `search` finds it from any working directory.
      model: values.model && fs.existsSync(values.model) ? path.resolve(values.model) : values.model ?? DEFAULT_MODEL,
      revision: values.revision ?? null,
      // What was loaded, e.g. 'owner/name@<commit>' for a Hub model: the exact weights.
      source: info.source,
      dtype: info.dtype,
      backend: info.backend,
      dimensions: info.dimensions,
      maxLength: info.maxLength,
      normalize,
      precision,
      window,
      output: { format },
      input: { file: input.stdin ? 'stdin' : path.resolve(input.file), format: input.format, column: input.column ?? null, bytes: scan?.bytes ?? null,
        sha256: scan?.sha256 ?? null, count: scan?.count ?? null },
      shard: shard ? { ...shard, start: range.start, end: range.end } : null,
    };
    let ranges;
    if (values.resume) {
      const previous = await readSidecar(output);
      if (!previous) {
        throw new InvalidArgumentError(`--resume: ${output}.json, the record of the earlier run, is missing; pass --overwrite to start over.`);
      }
      checkResumable(previous, settings, output);
      if (previous.complete) {
        if (!values.quiet) io.stderr.write(`${output} is already complete (${previous.count} rows); nothing to do.\n`);
        return 0;
      }
      if (previous.ranges) ranges = { min: Float32Array.from(previous.ranges.min), max: Float32Array.from(previous.ranges.max) };
    }
    const width = rowWidth(precision, info.dimensions);
    const total = range.end - range.start;
    file = output
      ? await openEmbeddingsFile(output, { format, precision, width, expectedRows: scan ? total : undefined, resume: values.resume, window })
      : stdoutWriter(io.stdout);
    const embedOptions = { normalize, signal: controller.signal };
    // int8/uint8 need per-dimension ranges before the first row is written: the first window of
    // the whole input calibrates them (a shard that does not hold it embeds it once more).
    const needsRanges = (precision === 'int8' || precision === 'uint8') && !ranges;
    if (needsRanges && range.start > 0) {
      ranges = calibrationRanges(await model.embed(await firstWindowTexts(input, io, window), embedOptions));
    }
    const writeSettings = (extra) => output && writeSidecar(output, {
      ...settings,
      ranges: ranges ? { min: Array.from(ranges.min), max: Array.from(ranges.max) } : undefined,
      ...extra,
    });
    await writeSettings({ count: file.rowsKept, complete: false });

    const first = range.start + file.rowsKept;
    const bar = new ProgressBar(showsProgress(values, io) ? io.stderr : undefined,
      { total: scan ? total : undefined, done: file.rowsKept });
    let done = file.rowsKept;
    const hash = input.stdin ? createHash('sha256') : undefined;
    const embedWindow = async (texts) => {
      const base = done;
      const embeddings = await model.embed(texts, { ...embedOptions, onProgress: (p) => bar.update(base + p.done) });
      if (!ranges && needsRanges) {
        ranges = calibrationRanges(embeddings);
        await writeSettings({ count: 0, complete: false });
      }
      await file.append(precision === 'float32' ? embeddings : quantizeEmbeddings(embeddings, precision, { ranges }));
      done += texts.length;
      bar.update(done, { force: true });
    };
    let row = 0;
    let texts = [];
    try {
      for await (const text of readTexts(input, io, hash)) {
        if (row >= range.end) break;
        if (row++ < first) continue;
        texts.push(text);
        if (texts.length === window) {
          await embedWindow(texts);
          texts = [];
        }
        if (controller.signal.aborted) break;
      }
      if (texts.length && !controller.signal.aborted) await embedWindow(texts);
      if (controller.signal.aborted) throw new AbortError();
    } catch (err) {
      if (err instanceof AbortError) {
        bar.end(done);
        throw new AbortError(`interrupted after ${done} rows${output ? `; run the same command with --resume to continue` : ''}.`);
      }
      throw err;
    }
    bar.end(done);
    await file.finish(done);
    file = undefined;
    await writeSettings({
      count: done,
      input: hash ? { ...settings.input, sha256: hash.digest('hex'), count: done } : settings.input,
      complete: true,
    });
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await file?.close();
    await model.dispose();
  }
}
