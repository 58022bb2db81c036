// models/registry.js: every model of the gmatrix-embedding card's comparison, described the
// same way, and no entry claims a pinned revision it does not have.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MODEL, MODELS, knownModel } from '../../js/src/index.js';

const CARD_MODELS = ['bi-matrix/gmatrix-embedding', 'upskyy/kf-deberta-multitask', 'jhgan/ko-sroberta-multitask',
  'jhgan/ko-sroberta-nli', 'jhgan/ko-sroberta-sts', 'jhgan/ko-sbert-multitask', 'jhgan/ko-sbert-nli',
  'jhgan/ko-sbert-sts', 'BAAI/bge-m3'];

describe('model registry', () => {
  it('lists gmatrix-embedding and every model of its card\'s table', () => {
    assert.deepEqual(Object.keys(MODELS).sort(), [...CARD_MODELS].sort());
    assert.equal(knownModel(DEFAULT_MODEL), MODELS[DEFAULT_MODEL]);
    assert.equal(knownModel('toString'), undefined);
  });

  it('describes each with family, tokenizer, pooling, normalization, length and license', () => {
    for (const [id, model] of Object.entries(MODELS)) {
      assert.ok(['deberta-v2', 'bert', 'roberta', 'xlm-roberta'].includes(model.family), id);
      assert.ok(['wordpiece', 'sentencepiece'].includes(model.tokenizer), id);
      assert.ok(['mean', 'cls'].includes(model.pooling), id);
      assert.equal(typeof model.normalize, 'boolean', id);
      assert.ok(model.maxLength === null || Number.isInteger(model.maxLength), id);
      assert.ok(model.license === null || typeof model.license === 'string', id);
      assert.ok(Number.isInteger(model.dimensions), id);
    }
    assert.deepEqual([MODELS['BAAI/bge-m3'].pooling, MODELS['BAAI/bge-m3'].normalize, MODELS['BAAI/bge-m3'].maxLength], ['cls', true, 8192]);
  });

  it('pins a revision only with a real commit id', () => {
    for (const [id, model] of Object.entries(MODELS)) {
      if (model.pinned) assert.match(model.revision, /^[0-9a-f]{40}$/, id);
      else assert.equal(model.revision, 'main', id);
    }
  });
});
