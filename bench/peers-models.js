// Inputs of the peers section (bench/peers.js): the sentences, and one base-size model laid out for
// each tool, both reading the same weight bytes.
//
//   <work>/gmatrix/        model.onnx + model.onnx_data, vocab.txt and the sentence-transformers
//                          files of the tiny fixture, the base config.json
//   <work>/transformers/   the same files in transformers.js's layout: onnx/model.onnx and
//                          onnx/model.onnx_data (a hard link to gmatrix's), and a tokenizer.json
//                          generated from vocab.txt + tokenizer_config.json (transformers.js reads
//                          no vocab.txt)
import fs from 'node:fs';
import path from 'node:path';
import { parseStsTsv } from '../js/src/sts.js';
import { korstsDir, tinyDebertaDir } from '../tests/js/fixtures.js';
import { baseConfig, baseManifest, writeReferenceModel } from './base-weights.js';

// The tokenizer files of the tiny fixture: its vocabulary (12,000 ids, all valid in the base
// model's 130,000) stands in for the base model's, which is not shipped.
const TOKENIZER_FILES = [
  'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json', 'modules.json',
  'sentence_bert_config.json', '1_Pooling/config.json',
];

/** Distinct KorSTS test sentences in file order (sentence1, sentence2 of each pair in turn). */
export function korstsTestSentences() {
  const pairs = parseStsTsv(fs.readFileSync(path.join(korstsDir, 'sts-test.tsv'), 'utf8'));
  return [...new Set(pairs.flatMap((p) => [p.sentence1, p.sentence2]))];
}

/**
 * Writes both folders into `work`.
 * @param {Uint8Array} externalData  generateExternalData()'s bytes
 * @returns {{gmatrix: string, transformers: string, linked: string}} the folders, and how the
 *   transformers.js copy of the data file was made ('hard link', 'symbolic link' or 'copy')
 */
export function writePeerModels(work, externalData) {
  const gmatrix = path.join(work, 'gmatrix');
  const onnxPath = writeReferenceModel(gmatrix, externalData);
  for (const file of TOKENIZER_FILES) copyFile(path.join(tinyDebertaDir, file), path.join(gmatrix, file));
  fs.writeFileSync(path.join(gmatrix, 'config.json'), JSON.stringify(baseConfig, null, 2));

  const transformers = path.join(work, 'transformers');
  fs.mkdirSync(path.join(transformers, 'onnx'), { recursive: true });
  for (const file of [...TOKENIZER_FILES.filter((f) => f !== 'vocab.txt'), 'config.json']) {
    copyFile(path.join(gmatrix, file), path.join(transformers, file));
  }
  copyFile(onnxPath, path.join(transformers, 'onnx', 'model.onnx'));
  const linked = linkOrCopy(path.join(gmatrix, baseManifest.external_data_file),
    path.join(transformers, 'onnx', baseManifest.external_data_file));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(gmatrix, 'tokenizer_config.json'), 'utf8'));
  const tokenizerJson = buildTokenizerJson(fs.readFileSync(path.join(gmatrix, 'vocab.txt'), 'utf8'), tokenizerConfig);
  fs.writeFileSync(path.join(transformers, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  return { gmatrix, transformers, linked };
}

/**
 * A Hugging Face tokenizers `tokenizer.json` for a BERT WordPiece vocabulary, as BertTokenizerFast's
 * conversion of the slow tokenizer makes it: BertNormalizer with the flags of tokenizer_config.json,
 * BertPreTokenizer, WordPiece (prefix ##, at most 100 characters a word), [CLS] $A [SEP].
 */
export function buildTokenizerJson(vocabText, tokenizerConfig) {
  const tokens = vocabText.split('\n');
  if (tokens.at(-1) === '') tokens.pop();
  const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
  const token = (name, fallback) => {
    const value = tokenizerConfig[name] ?? fallback;
    return typeof value === 'string' ? value : value.content;
  };
  const [cls, sep, unk, pad, mask] = [
    token('cls_token', '[CLS]'), token('sep_token', '[SEP]'), token('unk_token', '[UNK]'),
    token('pad_token', '[PAD]'), token('mask_token', '[MASK]'),
  ];
  for (const t of [cls, sep, unk, pad, mask]) {
    if (!(t in vocab)) throw new Error(`special token ${t} is not in vocab.txt`);
  }
  const special = (t) => ({ id: t, ids: [vocab[t]], tokens: [t] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [pad, unk, cls, sep, mask].sort((a, b) => vocab[a] - vocab[b]).map((t) => ({
      id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: tokenizerConfig.tokenize_chinese_chars ?? true,
      strip_accents: tokenizerConfig.strip_accents ?? null,
      lowercase: tokenizerConfig.do_lower_case ?? false,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: { [cls]: special(cls), [sep]: special(sep) },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab,
    },
  };
}

// Read and written rather than copied: a copy would keep the fixture's read-only mode.
function copyFile(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, fs.readFileSync(from));
}

function linkOrCopy(from, to) {
  try {
    fs.linkSync(from, to);
    return 'hard link';
  } catch {
    try {
      fs.symlinkSync(from, to);
      return 'symbolic link';
    } catch {
      fs.copyFileSync(from, to);
      return 'copy';
    }
  }
}
