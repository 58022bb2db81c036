// Parity with the reference stack (../shared/fixtures/golden): token ids, embeddings, pair
// metrics, correlations and batch consistency of the tiny DeBERTa-v2 model, on every backend.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Embedder, similarity, pearson, spearman, rows } from '../../js/src/index.js';
import { goldenDir, tinyDebertaDir } from './fixtures.js';
import { BACKENDS, goldenBertDir, maxAbsDiff, readGolden, tinyBertDir, assertBatchConsistent } from './support/golden.js';

const { sentences } = readGolden('sentences.json');
const { pairs, correlations } = readGolden('pairs.json');
const byId = new Map(sentences.map((s) => [s.id, s]));

for (const backend of BACKENDS) {
describe(`tiny DeBERTa-v2 against the golden reference (${backend})`, () => {
  let model;
  let embeddings;
  before(async () => {
    model = await Embedder.load(tinyDebertaDir, { threads: 1, backend });
    assert.equal(model.info.backend, backend);
    embeddings = rows(await model.embed(sentences.map((s) => s.text)));
  });
  after(() => model.dispose());

  it('has 417 golden sentences', () => assert.equal(sentences.length, 417));

  it('tokenizes every sentence to the reference ids and tokens', () => {
    for (const s of sentences) {
      const { ids, tokens, truncated } = model.tokenize(s.text);
      assert.deepEqual(ids, s.ids, `ids of ${s.id} (${s.sources})`);
      assert.deepEqual(tokens, s.tokens, `tokens of ${s.id}`);
      assert.equal(truncated, s.truncated, `truncated flag of ${s.id}`);
    }
  });

  it('embeds every sentence within 1e-5 of the reference', () => {
    let worst = 0;
    sentences.forEach((s, i) => {
      const diff = maxAbsDiff(embeddings[i], s.embedding);
      assert.ok(diff <= 1e-5, `${s.id} (${s.sources}) differs by ${diff}`);
      worst = Math.max(worst, diff);
    });
    assert.ok(worst > 0, 'a float32 runtime cannot equal float64 golden values bit for bit; check the comparison');
  });

  it('computes the pair metrics of the golden embeddings within 1e-6', () => {
    for (const p of pairs) {
      const a = Float32Array.from(byId.get(p.sentence1_id).embedding);
      const b = Float32Array.from(byId.get(p.sentence2_id).embedding);
      for (const metric of ['cosine', 'euclidean', 'manhattan', 'dot']) {
        const value = similarity(a, b, metric);
        assert.ok(Math.abs(value - p[metric]) <= 1e-6, `${p.pair_id} ${metric}: ${value} vs ${p[metric]}`);
      }
    }
  });

  it('reproduces the pair metrics from its own embeddings within 1e-5', () => {
    const index = new Map(sentences.map((s, i) => [s.id, i]));
    for (const p of pairs) {
      const a = embeddings[index.get(p.sentence1_id)];
      const b = embeddings[index.get(p.sentence2_id)];
      assert.ok(Math.abs(similarity(a, b, 'cosine') - p.cosine) <= 1e-6, `${p.pair_id} cosine`);
      assert.ok(Math.abs(similarity(a, b, 'euclidean') - p.euclidean) <= 1e-5, `${p.pair_id} euclidean`);
    }
  });

  it('computes the correlations as scipy does (Pearson 1e-6, Spearman 1e-4)', () => {
    const gold = pairs.map((p) => p.score);
    const negated = (metric) => pairs.map((p) => -p[metric]);
    const checks = {
      cosine: pairs.map((p) => p.cosine), euclidean: negated('euclidean'),
      manhattan: negated('manhattan'), dot: pairs.map((p) => p.dot),
    };
    for (const [metric, values] of Object.entries(checks)) {
      assert.ok(Math.abs(pearson(gold, values) - correlations[`pearson_${metric}`]) <= 1e-6, `pearson ${metric}`);
      assert.ok(Math.abs(spearman(gold, values) - correlations[`spearman_${metric}`]) <= 1e-4, `spearman ${metric}`);
    }
  });

  it('gives a padded batch the same embeddings as single runs', async () => {
    await assertBatchConsistent(model, goldenDir, byId);
  });

  it('normalizes to unit length on request', async () => {
    const { data } = await model.embed(['정규화 테스트'], { normalize: true });
    assert.ok(Math.abs(Math.hypot(...data) - 1) < 1e-6);
  });

  it('gives the same embeddings whatever the batching (batchTokens, batchSize)', async () => {
    const texts = sentences.slice(0, 60).map((s) => s.text);
    const small = rows(await model.embed(texts, { batchTokens: 16, batchSize: 3 }));
    texts.forEach((_, i) => assert.ok(maxAbsDiff(small[i], embeddings[i]) <= 1e-5, `${sentences[i].id}`));
  });
});
}

describe('tiny BERT tokenizer against golden-bert (cased, special-token cut)', () => {
  it('tokenizes all sentences and extra inputs to the reference ids', async () => {
    const model = await Embedder.load(tinyBertDir, { threads: 1, backend: 'wasm' });
    try {
      const all = [...readGolden('sentences.json', goldenBertDir).sentences,
        ...readGolden('extra_inputs.json', goldenBertDir).sentences];
      assert.equal(all.length, 421);
      for (const s of all) assert.deepEqual(model.tokenize(s.text).ids, s.ids, `ids of ${s.id}`);
      const { data } = await model.embed([all[30].text]);
      assert.ok(maxAbsDiff(data, all[30].embedding) <= 1e-5, 'BERT embedding (token_type_ids fed)');
    } finally {
      await model.dispose();
    }
  });
});
