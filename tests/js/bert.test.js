// Parity with the reference BERT pipeline (WordPiece, cased, special-token cut, token_type_ids
// fed to the graph, mean pooling, no Normalize) on ../shared/fixtures/tiny-bert against
// golden-bert: every sentence's embedding, batch padding and the pair correlations, per backend.
// (golden.test.js checks its token ids.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Embedder, similarity, pearson, spearman, rows } from '../../js/src/index.js';
import { BACKENDS, goldenBertDir, maxAbsDiff, readGolden, tinyBertDir, assertBatchConsistent } from './support/golden.js';

const all = [...readGolden('sentences.json', goldenBertDir).sentences,
  ...readGolden('extra_inputs.json', goldenBertDir).sentences];
const { pairs, correlations } = readGolden('pairs.json', goldenBertDir);
const byId = new Map(all.map((s) => [s.id, s]));

for (const backend of BACKENDS) {
describe(`tiny BERT against golden-bert (${backend})`, () => {
  let model;
  let embeddings;
  before(async () => {
    model = await Embedder.load(tinyBertDir, { threads: 1, backend });
    embeddings = rows(await model.embed(all.map((s) => s.text)));
  });
  after(() => model.dispose());

  it('loads mean pooling without Normalize', () => {
    assert.deepEqual(model.info.pooling, ['mean']);
    assert.equal(model.info.normalize, false);
  });

  it('embeds all 421 inputs within 1e-5 of the reference', () => {
    assert.equal(all.length, 421);
    all.forEach((s, i) => {
      const diff = maxAbsDiff(embeddings[i], s.embedding);
      assert.ok(diff <= 1e-5, `${s.id} (${s.sources}) differs by ${diff}`);
    });
  });

  it('reproduces the pair metrics and correlations from its own embeddings', () => {
    const index = new Map(all.map((s, i) => [s.id, i]));
    const cosines = pairs.map((p) => {
      const a = embeddings[index.get(p.sentence1_id)];
      const b = embeddings[index.get(p.sentence2_id)];
      const value = similarity(a, b, 'cosine');
      assert.ok(Math.abs(value - p.cosine) <= 1e-6, `${p.pair_id} cosine ${value} vs ${p.cosine}`);
      assert.ok(Math.abs(similarity(a, b, 'euclidean') - p.euclidean) <= 1e-4, `${p.pair_id} euclidean`);
      return value;
    });
    const gold = pairs.map((p) => p.score);
    assert.ok(Math.abs(pearson(gold, cosines) - correlations.pearson_cosine) <= 1e-5);
    assert.ok(Math.abs(spearman(gold, cosines) - correlations.spearman_cosine) <= 1e-4);
  });

  it('gives a padded batch the same embeddings as single runs', async () => {
    await assertBatchConsistent(model, goldenBertDir, byId);
  });
});
}
