// A vocabulary larger than the model's embedding table (another model's vocab.txt): ids past the
// table are refused with one typed line before ONNX Runtime runs, on every backend, for fp32
// (lifted table) and q8 (GatherBlockQuantized) files alike; texts inside the table still embed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Embedder, ModelFormatError } from '../../js/src/index.js';
import { convertModel } from '../../js/src/node.js';
import { tinyDebertaDir } from './fixtures.js';
import { BACKENDS, maxAbsDiff, readGolden } from './support/golden.js';
import { copyModel } from './support/model-copy.js';

const { sentences } = readGolden('sentences.json');
const folders = {};

before(async () => {
  folders.fp32 = await copyModel(tinyDebertaDir);
  folders.q8 = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-vocab-')), 'q8');
  await convertModel(tinyDebertaDir, { outDir: folders.q8, dtype: 'q8' });
  const extra = Array.from({ length: 3000 }, (_, i) => `신조어${i}`).join('\n');
  for (const dir of Object.values(folders)) await fs.appendFile(path.join(dir, 'vocab.txt'), `${extra}\n`);
});

for (const dtype of ['fp32', 'q8']) {
  for (const backend of BACKENDS) {
    describe(`${dtype}, ${backend}`, () => {
      it('refuses ids past the embedding table, then still embeds', async () => {
        const model = await Embedder.load(folders[dtype], { backend });
        await assert.rejects(model.embed(['가', '신조어2999 입니다']), (err) => err instanceof ModelFormatError &&
          /Token id \d+ is outside the model's embedding table \(12000 rows\)/.test(err.message) && !err.message.includes('\n'));
        const { data } = await model.embed(sentences[1].text);
        assert.ok(maxAbsDiff(data, sentences[1].embedding) <= (dtype === 'fp32' ? 1e-5 : 0.05));
        await model.dispose();
      });
    });
  }
}
