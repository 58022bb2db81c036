// Parity with the reference XLM-RoBERTa pipeline (bge-m3's: SentencePiece through the real
// library, fairseq ids, <s> ... </s>, padding with <pad> = 1, CLS pooling, Normalize) on the tiny
// model of ../shared/fixtures/tiny-xlm-roberta, against golden-xlm-roberta, on every backend.
// Also: a repository with only tokenizer.json (Unigram) tokenizes the same, and what cannot load
// is refused with one typed line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { Embedder, similarity, pearson, spearman, rows, ModelFormatError } from '../../js/src/index.js';
import { readModelFolder } from '../../js/src/model-folder.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { LocalFolderSource } from '../../js/src/sources/local-folder.js';
import { WasmTokenizer } from '../../js/src/wasm-tokenizer.js';
import { fixturesDir, goldenDir } from './fixtures.js';
import { BACKENDS, maxAbsDiff, readGolden, assertBatchConsistent } from './support/golden.js';

const modelDir = path.join(fixturesDir, 'tiny-xlm-roberta');
const golden = path.join(fixturesDir, 'golden-xlm-roberta');
const { sentences } = readGolden('sentences.json', golden);
const extras = readGolden('extra_inputs.json', golden).sentences;
const all = [...sentences, ...extras];
const { pairs, correlations } = readGolden('pairs.json', golden);
const byId = new Map(all.map((s) => [s.id, s]));
const UNK = 3;

/** Token ids and tokens exactly as the reference gives them: an unknown piece (id 3) keeps its text. */
function assertTokens(model, s) {
  const { ids, tokens, truncated } = model.tokenize(s.text);
  assert.deepEqual(ids, s.ids, `ids of ${s.id} (${s.sources})`);
  assert.deepEqual(tokens, s.tokens, `tokens of ${s.id}`);
  assert.equal(truncated, s.truncated, `truncated flag of ${s.id}`);
}

for (const backend of BACKENDS) {
describe(`tiny XLM-RoBERTa against golden-xlm-roberta (${backend})`, () => {
  let model;
  let embeddings;
  before(async () => {
    model = await Embedder.load(modelDir, { threads: 1, backend });
    embeddings = rows(await model.embed(all.map((s) => s.text)));
  });
  after(() => model.dispose());

  it('loads the bge-m3 pipeline: CLS pooling, Normalize, max length 128', () => {
    assert.deepEqual(model.info.pooling, ['cls']);
    assert.equal(model.info.normalize, true);
    assert.equal(model.info.maxLength, 128);
    assert.equal(model.info.modelType, 'xlm-roberta');
  });

  it('tokenizes all 417 sentences and the 4 special-string inputs to the reference ids', () => {
    assert.equal(all.length, 421);
    for (const s of all) assertTokens(model, s);
  });

  it('gives SentencePiece\'s own pieces, fairseq-numbered, for every untouched sentence', () => {
    const spm = readGolden('spm_pieces.json', goldenDir).sentences;
    let checked = 0;
    for (const s of spm) {
      const { ids, truncated } = model.tokenize(s.text);
      if (s.text !== s.text.trim() || truncated) continue;
      assert.deepEqual(ids.slice(1, -1), s.ids.map((id) => (id === 0 ? UNK : id + 1)), s.id);
      checked++;
    }
    assert.ok(checked >= 410, `${checked} sentences compared`);
  });

  it('embeds every sentence within 1e-5 of the reference', () => {
    all.forEach((s, i) => {
      const diff = maxAbsDiff(embeddings[i], s.embedding);
      assert.ok(diff <= 1e-5, `${s.id} (${s.sources}) differs by ${diff}`);
    });
  });

  it('reproduces the pair cosines (1e-6) and the correlations from its own embeddings', () => {
    const index = new Map(all.map((s, i) => [s.id, i]));
    const cosines = pairs.map((p) => {
      const value = similarity(embeddings[index.get(p.sentence1_id)], embeddings[index.get(p.sentence2_id)], 'cosine');
      assert.ok(Math.abs(value - p.cosine) <= 1e-6, `${p.pair_id} cosine ${value} vs ${p.cosine}`);
      return value;
    });
    const gold = pairs.map((p) => p.score);
    assert.ok(Math.abs(pearson(gold, cosines) - correlations.pearson_cosine) <= 1e-5);
    assert.ok(Math.abs(spearman(gold, cosines) - correlations.spearman_cosine) <= 1e-4);
    assert.ok(Math.abs(pearson(gold, pairs.map((p) => p.cosine)) - correlations.pearson_cosine) <= 1e-6);
  });

  it('pads a batch with <pad> = 1 as the reference does, and batched equals single', async () => {
    await assertBatchConsistent(model, golden, byId);
  });
});
}

describe('XLM-RoBERTa tokenizer data', () => {
  let settings;
  before(async () => { settings = await readModelFolder(new LocalFolderSource(modelDir)); });

  it('reads sentencepiece.bpe.model with fairseq ids', () => {
    assert.equal(settings.tokenizer.model, 'sentencepiece');
    assert.equal(settings.tokenizer.fairseqIds, true);
    assert.equal(settings.vocabText, undefined);
  });

  it('counts RoBERTa\'s position offset: 514 position rows are 512 tokens', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8'));
    delete config.model_max_length;
    const files = new Map([
      ['config.json', fs.readFileSync(path.join(modelDir, 'config.json'))],
      ['tokenizer_config.json', new TextEncoder().encode(JSON.stringify(config))],
      ['sentencepiece.bpe.model', fs.readFileSync(path.join(modelDir, 'sentencepiece.bpe.model'))],
    ]);
    const read = await readModelFolder(new MemoryFolderSource(files, 'a folder without model_max_length'));
    assert.equal(read.modelMaxLength, 512);
    assert.equal(read.maxSeqLength, 512);
  });

  it('pads the int64 batch with 1 and masks the padding', () => {
    const batch = readGolden('batch_consistency.json', golden);
    const tokenizer = WasmTokenizer.create(settings.tokenizer, settings.tokenizerData, 128);
    const encoded = tokenizer.encodeMany(batch.sentence_ids.map((id) => byId.get(id).text));
    try {
      const padded = encoded.batch(Int32Array.from(batch.sentence_ids.keys())).value;
      assert.equal(padded.sequenceLength, batch.input_ids[0].length);
      assert.deepEqual(Array.from(new BigInt64Array(padded.ids64.buffer), Number), batch.input_ids.flat());
      assert.deepEqual(Array.from(new BigInt64Array(padded.mask64.buffer), Number), batch.attention_mask.flat());
    } finally {
      encoded.delete();
      tokenizer.delete();
    }
  });

  it('handles bge-m3\'s 8192 tokens: a long text is cut to exactly 8192 ids, read only as far as needed', () => {
    const tokenizer = WasmTokenizer.create(settings.tokenizer, settings.tokenizerData, 8192);
    try {
      const text = '한 남자가 기타를 치고 있다. '.repeat(200000); // 5.6 MB
      const { ids, truncated } = tokenizer.encode(text);
      assert.equal(ids.length, 8192);
      assert.ok(truncated);
      assert.equal(ids[0], 0);
      assert.equal(ids[8191], 2);
      const short = tokenizer.encode(text.slice(0, 20000)).ids;
      assert.deepEqual(ids.slice(0, 100), short.slice(0, 100));
    } finally {
      tokenizer.delete();
    }
  });
});

// ---------------------------------------------------------------- tokenizer.json only

// SentencePiece's ModelProto, the fields transformers' converter reads.
const ModelProto = protobuf.parse(`syntax = "proto2";
message ModelProto {
  message SentencePiece { optional string piece = 1; optional float score = 2; optional int32 type = 3; }
  message NormalizerSpec { optional string name = 1; optional bytes precompiled_charsmap = 2; }
  repeated SentencePiece pieces = 1;
  optional NormalizerSpec normalizer_spec = 3;
}`, { keepCase: true }).root.lookupType('ModelProto');

/** tokenizer.json as transformers' XLMRobertaConverter writes it (older or newer normalizer). */
function xlmRobertaTokenizerJson({ newer }) {
  const proto = ModelProto.decode(fs.readFileSync(path.join(modelDir, 'sentencepiece.bpe.model')));
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = [...specials.map((t) => [t, 0]), ...proto.pieces.slice(3).map((p) => [p.piece, p.score]), ['<mask>', 0]];
  const charsmap = Buffer.from(proto.normalizer_spec.precompiled_charsmap).toString('base64');
  const added = [...specials, '<mask>'].map((content) => ({
    id: content === '<mask>' ? vocab.length - 1 : specials.indexOf(content), content, single_word: false,
    lstrip: content === '<mask>', rstrip: false, normalized: false, special: true,
  }));
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: newer
      ? { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: charsmap },
        { type: 'Strip', strip_left: false, strip_right: true }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: '\u2581' }] }
      : { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: charsmap },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: newer
      ? { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true }
      : { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true },
    post_processor: { type: 'TemplateProcessing' },
    decoder: { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
}

/** The tiny model's configuration files, with tokenizer.json instead of the .model file. */
function folderWith(tokenizerJson) {
  const files = new Map();
  for (const file of ['config.json', 'tokenizer_config.json', 'special_tokens_map.json', 'sentence_bert_config.json',
    'modules.json', '1_Pooling/config.json']) {
    files.set(file, fs.readFileSync(path.join(modelDir, file)));
  }
  files.set('tokenizer.json', new TextEncoder().encode(JSON.stringify(tokenizerJson)));
  return new MemoryFolderSource(files, 'a folder with tokenizer.json only');
}

describe('a repository with only tokenizer.json (Unigram)', () => {
  for (const newer of [false, true]) {
    it(`tokenizes every golden sentence like the .model file (${newer ? 'newer' : 'older'} converter)`, async () => {
      const settings = await readModelFolder(folderWith(xlmRobertaTokenizerJson({ newer })));
      assert.equal(settings.tokenizer.model, 'sentencepiece');
      assert.equal(settings.tokenizer.fairseqIds, false); // tokenizer.json ids are final
      const tokenizer = WasmTokenizer.create(settings.tokenizer, settings.tokenizerData, 128);
      try {
        for (const s of all) {
          const { ids, truncated } = tokenizer.encode(s.text);
          assert.deepEqual(ids, s.ids, `ids of ${s.id}`);
          assert.equal(truncated, s.truncated, s.id);
          assert.deepEqual(tokenizer.tokens(ids, s.text), s.tokens, `tokens of ${s.id}`);
        }
      } finally {
        tokenizer.delete();
      }
    });
  }

  it('refuses BPE and other tokenizer.json kinds, and steps SentencePiece does not run, with one line', async () => {
    const base = xlmRobertaTokenizerJson({ newer: false });
    const cases = [
      [{ ...base, model: { type: 'BPE', vocab: {}, merges: [] } }, /has a "?BPE"? model; only WordPiece .* and Unigram/],
      [{ ...base, normalizer: { type: 'Lowercase' } }, /"?Lowercase"? normalizer step SentencePiece does not run/],
      [{ ...base, pre_tokenizer: { type: 'ByteLevel' } }, /no Metaspace pre-tokenizer/],
      [{ ...base, model: { ...base.model, unk_id: null } }, /unk_id "null"/],
    ];
    for (const [json, pattern] of cases) {
      await assert.rejects(readModelFolder(folderWith(json)), (err) => err instanceof ModelFormatError &&
        pattern.test(err.message) && !err.message.includes('\n'), String(pattern));
    }
  });
});

describe('unusable SentencePiece files', () => {
  it('refuses malformed .model bytes with a typed error instead of crashing', async () => {
    const base = await readModelFolder(new LocalFolderSource(modelDir));
    const good = base.tokenizerData;
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('not a model'), good.subarray(0, good.length >> 1)]) {
      assert.throws(() => WasmTokenizer.create(base.tokenizer, bytes, 128), (err) => err instanceof ModelFormatError &&
        /SentencePiece model is not usable/.test(err.message) && /\.model file from the model repository/.test(err.message));
    }
  });

  it('names a SentencePiece file of a tokenizer class it cannot number', async () => {
    const files = new Map([
      ['config.json', new TextEncoder().encode('{"model_type": "t5", "hidden_size": 8}')],
      ['tokenizer_config.json', new TextEncoder().encode('{"tokenizer_class": "T5Tokenizer"}')],
      ['spiece.model', fs.readFileSync(path.join(modelDir, 'sentencepiece.bpe.model'))],
    ]);
    await assert.rejects(readModelFolder(new MemoryFolderSource(files, 'a T5 folder')),
      (err) => err instanceof ModelFormatError && /spiece\.model for the tokenizer class "?T5Tokenizer"?/.test(err.message));
  });
});
