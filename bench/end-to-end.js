// Section 3: where Embedder.embed spends its time on the tiny model: wasm tokenizer, ONNX Runtime,
// wasm pooling, and the JavaScript around them. The tiny encoder is fast, so this is the setting in
// which the tokenizer's share is largest; with the base model the encoder dominates.
//
// The stages are timed inside the real embed() by wrapping the three calls it makes per batch
// (Tokenizer.encodeMany and EncodedTexts.batch, the backend's run, core.pool), so nothing is
// re-implemented here.
import fs from 'node:fs';
import path from 'node:path';
import { core } from '../js/src/core.js';
import { Embedder } from '../js/src/embedder.js';
import { OrtSessionBackend } from '../js/src/backends/ort-session.js';
import { parseStsTsv } from '../js/src/sts.js';
import { korstsDir, tinyDebertaDir } from '../tests/js/fixtures.js';
import { log, percent, table, times } from './report.js';

export async function runEndToEnd({ quick }) {
  const pairs = parseStsTsv(fs.readFileSync(path.join(korstsDir, 'sts-test.tsv'), 'utf8'));
  const texts = pairs.flatMap((p) => [p.sentence1, p.sentence2]);
  const model = await Embedder.load(tinyDebertaDir, { threads: 1, backend: 'wasm' });
  log(`${pairs.length} KorSTS test pairs = ${texts.length} sentences, default batching, 1 thread, wasm backend; ` +
    `${quick ? 'one warm-up and one timed pass' : 'one warm-up pass, best of 3 timed passes'}`);

  const spent = { tokenize: 0, model: 0, pooling: 0 };
  const restore = [
    wrap(core.Tokenizer.prototype, 'encodeMany', spent, 'tokenize'),
    wrap(core.EncodedTexts.prototype, 'batch', spent, 'tokenize'),
    wrap(OrtSessionBackend.prototype, 'run', spent, 'model'),
    wrap(core, 'pool', spent, 'pooling'),
  ];
  let best;
  try {
    for (let pass = 0; pass <= (quick ? 1 : 3); pass++) {
      Object.keys(spent).forEach((k) => { spent[k] = 0; });
      const started = performance.now();
      await model.embed(texts);
      const total = performance.now() - started;
      if (pass > 0 && (!best || total < best.total)) best = { total, ...spent };
    }
  } finally {
    restore.forEach((undo) => undo());
    await model.dispose();
  }

  const other = best.total - best.tokenize - best.model - best.pooling;
  const row = (stage, ms) => [stage, ms.toFixed(1), (1000 * ms / texts.length).toFixed(1), percent(ms / best.total)];
  table(['stage', 'ms', 'µs/sentence', 'share of embed()'], [
    row('tokenize (wasm encodeMany, batch)', best.tokenize),
    row('model (ONNX Runtime run)', best.model),
    row('pooling (wasm pool)', best.pooling),
    row('other JS (ordering, copies)', other),
    row('embed() total', best.total),
  ]);
  console.log(`tokenizer vs total: ${percent(best.tokenize / best.total)}; tokenizer vs model: ` +
    `${times(best.tokenize / best.model)}; ${(texts.length / (best.total / 1000)).toFixed(0)} sentences/s end to end`);
}

// Replaces obj[name] with a timing wrapper (sync or async); returns the undo.
function wrap(obj, name, spent, key) {
  const original = obj[name];
  obj[name] = function timed(...args) {
    const started = performance.now();
    const result = original.apply(this, args);
    if (result instanceof Promise) return result.finally(() => { spent[key] += performance.now() - started; });
    spent[key] += performance.now() - started;
    return result;
  };
  return () => { obj[name] = original; };
}
