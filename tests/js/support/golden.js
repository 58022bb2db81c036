// Loads the golden reference files once per test process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, goldenDir } from '../fixtures.js';
import { rows } from '../../../js/src/index.js';

const cache = new Map();
export function readGolden(file, dir = goldenDir) {
  const full = path.join(dir, file);
  if (!cache.has(full)) cache.set(full, JSON.parse(fs.readFileSync(full, 'utf8')));
  return cache.get(full);
}

export const goldenBertDir = path.join(fixturesDir, 'golden-bert');
export const tinyBertDir = path.join(fixturesDir, 'tiny-bert');

/** Largest absolute difference between two numeric sequences of equal length. */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

// Every backend passes the same golden tests. onnxruntime-node is an optional dependency that
// `npm ci` installs (CI always has it); set GMATRIX_EMBED_TEST_BACKENDS=wasm where it is absent.
export const BACKENDS = (process.env.GMATRIX_EMBED_TEST_BACKENDS ?? 'wasm,native').split(',');

/**
 * The golden batch_consistency.json set embedded as one padded batch of 16 (so the short rows
 * are padded to the longest) must equal each text embedded alone and the reference's batch.
 * @param {Map<string, {text: string}>} byId  the golden sentences by id
 */
export async function assertBatchConsistent(model, dir, byId) {
  const batch = readGolden('batch_consistency.json', dir);
  const texts = batch.sentence_ids.map((id) => byId.get(id).text);
  const batched = rows(await model.embed(texts, { batchSize: 16 }));
  for (const [i, id] of batch.sentence_ids.entries()) {
    const single = rows(await model.embed([texts[i]], { batchSize: 1 }))[0];
    assert.ok(maxAbsDiff(batched[i], single) <= 1e-5, `${id}: batch vs single`);
    assert.ok(maxAbsDiff(batched[i], batch.batch_embeddings[i]) <= 1e-5, `${id}: batch vs golden batch`);
  }
}
