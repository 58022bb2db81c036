// A model whose weights sit in an ONNX external-data side file (as large conversions and
// repositories with *.onnx_data ship them) loads and gives the reference embeddings.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Embedder, rows } from '../../js/src/index.js';
import { buildDebertaV2Onnx } from '../../js/src/convert/deberta-v2-graph.js';
import { readSafetensors } from '../../js/src/convert/safetensors.js';
import { writeOnnxModel } from '../../js/src/convert/write-onnx.js';
import { tinyDebertaDir } from './fixtures.js';
import { BACKENDS, maxAbsDiff, readGolden } from './support/golden.js';
import { copyModel } from './support/model-copy.js';

for (const backend of BACKENDS) it(`loads onnx/model.onnx with onnx/model.onnx_data beside it (${backend})`, async () => {
  const dir = await copyModel(tinyDebertaDir);
  await fs.rm(path.join(dir, 'model.onnx'));
  const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
  const weights = readSafetensors(new Uint8Array(await fs.readFile(path.join(dir, 'model.safetensors'))));
  const built = buildDebertaV2Onnx(config, weights, { externalData: true });
  const { externalDataPath } = await writeOnnxModel(path.join(dir, 'onnx/model.onnx'), built);
  assert.equal(path.basename(externalDataPath), 'model.onnx_data');
  assert.ok((await fs.stat(path.join(dir, 'onnx/model.onnx'))).size < 200_000, 'weights are not inline');

  const model = await Embedder.load(dir, { threads: 1, backend });
  try {
    // The word-embedding table sits in the side file: it is read by row, not loaded.
    assert.ok(model.info.graphPasses.some((p) => /^embedding table .* read by row/.test(p)), `${model.info.graphPasses}`);
    const sentences = readGolden('sentences.json').sentences.slice(26, 46);
    const vectors = rows(await model.embed(sentences.map((s) => s.text)));
    vectors.forEach((v, i) => assert.ok(maxAbsDiff(v, sentences[i].embedding) <= 1e-5, sentences[i].id));
  } finally {
    await model.dispose();
  }
});
