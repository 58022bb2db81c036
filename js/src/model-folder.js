// Reads a sentence-transformers model folder (from any source: disk, URL, Hub cache) into
// the settings the tokenizer, the ONNX session and the pooling need. What each file means:
//   modules.json                 the pipeline: Transformer, Pooling, optional Normalize
//   sentence_bert_config.json    max_seq_length, do_lower_case (strip+lower before tokenizing)
//   1_Pooling/config.json        pooling modes
//   config.json                  the encoder (hidden size, position limit)
//   tokenizer_config.json        tokenizer flags and special tokens (special_tokens_map.json too)
//   vocab.txt / tokenizer.json   the WordPiece vocabulary
//   sentencepiece.bpe.model ...  a SentencePiece model (XLM-RoBERTa), or tokenizer.json (Unigram)
// Which ONNX file (or weights) to load is the loader's choice (js/src/loader/, names in layout.js).
import { ModelFormatError, FileNotFoundError, quoteUntrusted } from './errors.js';
import { SENTENCEPIECE_FILES } from './layout.js';
import { unigramModelProto } from './unigram-model-proto.js';

const MODULE_TRANSFORMER = 'sentence_transformers.models.Transformer';
const MODULE_POOLING = 'sentence_transformers.models.Pooling';
const MODULE_NORMALIZE = 'sentence_transformers.models.Normalize';


async function readJson(source, file, { optional = false } = {}) {
  if (optional && !(await source.has(file))) return undefined;
  const text = await source.readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelFormatError(`${file} in ${source.description} is not valid JSON (${err.message}); ` +
      'replace it with the file from the model repository.', { cause: err });
  }
}

// tokenizer_config.json stores special tokens as strings or as AddedToken objects.
function tokenText(value, fallback) {
  if (typeof value === 'string') return value;
  if (value && typeof value.content === 'string') return value.content;
  return fallback;
}

function poolingFrom(config) {
  if (!config) return { cls: false, max: false, mean: true, meanSqrtLen: false, weightedMean: false, lastToken: false };
  return {
    cls: Boolean(config.pooling_mode_cls_token),
    max: Boolean(config.pooling_mode_max_tokens),
    mean: Boolean(config.pooling_mode_mean_tokens),
    meanSqrtLen: Boolean(config.pooling_mode_mean_sqrt_len_tokens),
    weightedMean: Boolean(config.pooling_mode_weightedmean_tokens),
    lastToken: Boolean(config.pooling_mode_lasttoken),
  };
}

// A pooling config with no mode on describes no computation; sentence-transformers fails on it
// too. (Its word_embedding_dimension is not checked: the reference never reads it to pool, and
// the encoder's real width is checked against the graph's output at the first run.)
function checkedPooling(pooling, source) {
  if (!Object.values(pooling).some(Boolean)) {
    throw new ModelFormatError(`The Pooling config in ${source.description} turns on no pooling mode; set one of ` +
      'pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_max_tokens, ... to true.');
  }
  return pooling;
}

/** The vocab as vocab.txt text from tokenizer.json's WordPiece model. */
function wordPieceVocabText(source, model) {
  // vocab.txt lists token i on line i, so the ids must be exactly 0..n-1, each once, and no
  // token may hold a line break; anything else would shift every later id (or, with an id of
  // 10^9, build a gigabyte of empty lines).
  const entries = Object.entries(model.vocab);
  const tokens = new Array(entries.length);
  for (const [token, id] of entries) {
    if (!Number.isInteger(id) || id < 0 || id >= entries.length || tokens[id] !== undefined) {
      throw new ModelFormatError(`tokenizer.json in ${source.description} gives token ${quoteUntrusted(token, 60)} the id `
        + `${quoteUntrusted(String(id), 30)}; a WordPiece vocabulary of ${entries.length} tokens needs the ids 0 to `
        + `${entries.length - 1}, each once. Replace tokenizer.json with the file from the model repository.`);
    }
    if (/[\r\n]/.test(token)) {
      throw new ModelFormatError(`tokenizer.json in ${source.description} has a token with a line break `
        + `(${quoteUntrusted(token, 60)}), which no WordPiece vocabulary holds.`);
    }
    tokens[id] = token;
  }
  return `${tokens.join('\n')}\n`;
}

// Slow tokenizers that number SentencePiece's pieces the fairseq way (see
// wasm/src/tokenizer/sentencepiece_model.h); only these read a bare .model file.
const FAIRSEQ_TOKENIZERS = ['XLMRobertaTokenizer', 'XLMRobertaTokenizerFast'];
const ROBERTA_POSITIONS = ['xlm-roberta', 'roberta', 'camembert'];

/**
 * The tokenizer model: `{model: 'wordpiece', data: vocab.txt text}` from vocab.txt or a WordPiece
 * tokenizer.json, else `{model: 'sentencepiece', data: .model bytes, fairseqIds}` from an
 * XLM-RoBERTa SentencePiece file or a Unigram tokenizer.json (rebuilt as a .model).
 */
async function readTokenizerModel(source, tokenizerJson, tokenizerClass, modelType) {
  if (await source.has('vocab.txt')) return { model: 'wordpiece', data: await source.readText('vocab.txt') };
  const model = tokenizerJson?.model;
  if (model?.type === 'WordPiece' && model.vocab && typeof model.vocab === 'object') {
    return { model: 'wordpiece', data: wordPieceVocabText(source, model) };
  }
  const spmFile = (await Promise.all(SENTENCEPIECE_FILES.map((f) => source.has(f)))).findIndex(Boolean);
  const fairseq = FAIRSEQ_TOKENIZERS.includes(tokenizerClass) || (tokenizerClass === undefined && modelType === 'xlm-roberta');
  if (spmFile >= 0 && fairseq) {
    return { model: 'sentencepiece', data: await source.readBytes(SENTENCEPIECE_FILES[spmFile]), fairseqIds: true };
  }
  if (model?.type === 'Unigram') {
    return { model: 'sentencepiece', data: unigramModelProto(tokenizerJson, source.description), fairseqIds: false };
  }
  if (model?.type === 'WordPiece') {
    throw new ModelFormatError(`tokenizer.json in ${source.description} has a WordPiece model without a vocab; ` +
      'replace it with the file from the model repository.');
  }
  if (model) {
    throw new ModelFormatError(`tokenizer.json in ${source.description} has a ${quoteUntrusted(String(model.type), 30)} ` +
      'model; only WordPiece (BERT-style) and Unigram (SentencePiece) tokenizers are supported.');
  }
  if (spmFile >= 0) {
    throw new ModelFormatError(`${source.description} has ${SENTENCEPIECE_FILES[spmFile]} for the tokenizer class ` +
      `${quoteUntrusted(String(tokenizerClass), 40)}; SentencePiece models load for XLM-RoBERTa tokenizers ` +
      '(XLMRobertaTokenizer), or from a Unigram tokenizer.json beside them.');
  }
  throw new FileNotFoundError(`${source.description} has no tokenizer files (vocab.txt, tokenizer.json or ` +
    `${SENTENCEPIECE_FILES.join(', ')}); only WordPiece and SentencePiece tokenizers are supported.`);
}

/**
 * @param {{description: string, has(f: string): Promise<boolean>, readText(f: string): Promise<string>}} source
 * @returns {Promise<object>} model settings (see the returned fields)
 */
export async function readModelFolder(source) {
  const modules = await readJson(source, 'modules.json', { optional: true });
  let poolingPath = '1_Pooling';
  let normalize = false;
  if (modules) {
    if (!Array.isArray(modules)) {
      throw new ModelFormatError(`modules.json in ${source.description} must be a list of modules.`);
    }
    // A module this runtime does not apply (Dense, WordWeights, LSTM, ...) would change every
    // vector, so it is refused rather than skipped; so is a pipeline in an unexpected order.
    const types = modules.map((m) => m?.type);
    const unknown = types.find((type) => ![MODULE_TRANSFORMER, MODULE_POOLING, MODULE_NORMALIZE].includes(type));
    if (unknown !== undefined) {
      throw new ModelFormatError(`modules.json in ${source.description} has a ${quoteUntrusted(String(unknown), 80)} module; ` +
        'only Transformer, Pooling and Normalize modules are supported, so this model cannot be run exactly.');
    }
    const order = types.map((type) => [MODULE_TRANSFORMER, MODULE_POOLING, MODULE_NORMALIZE].indexOf(type));
    if (types[0] !== MODULE_TRANSFORMER || order.some((rank, i) => i > 0 && rank <= order[i - 1])) {
      throw new ModelFormatError(`modules.json in ${source.description} lists ${types.map((t) => t.split('.').pop()).join(', ')}; ` +
        'a sentence-transformers pipeline this runtime runs is Transformer, then optionally Pooling, then optionally Normalize.');
    }
    const transformer = modules.find((m) => m.type === MODULE_TRANSFORMER);
    if (transformer && transformer.path) {
      throw new ModelFormatError(`The Transformer module sits in '${transformer.path}'; only models whose ` +
        'Transformer files are at the folder root are supported.');
    }
    const pooling = modules.find((m) => m.type === MODULE_POOLING);
    poolingPath = pooling ? pooling.path : undefined;
    normalize = modules.some((m) => m.type === MODULE_NORMALIZE);
  }
  // Without modules.json, sentence-transformers itself wraps a plain model with mean pooling.
  const poolingConfig = poolingPath ? await readJson(source, `${poolingPath}/config.json`, { optional: !modules }) : undefined;

  const stConfig = (await readJson(source, 'sentence_bert_config.json', { optional: true })) ?? {};
  const config = await readJson(source, 'config.json');
  const tokenizerConfig = (await readJson(source, 'tokenizer_config.json', { optional: true })) ?? {};
  const specialTokens = (await readJson(source, 'special_tokens_map.json', { optional: true })) ?? {};
  const tokenizerJson = await readJson(source, 'tokenizer.json', { optional: true });
  const tokenizerModel = await readTokenizerModel(source, tokenizerJson, tokenizerConfig.tokenizer_class, config.model_type);

  const special = (name, fallback) => tokenText(tokenizerConfig[name], tokenText(specialTokens[name], fallback));
  const wordpiece = tokenizerJson?.model?.type === 'WordPiece' ? tokenizerJson.model : {};
  // Past model_max_length the tokenizer's own limit (and, for absolute-position models, the
  // position table) ends; 512 is what BERT-family configs use when nothing says otherwise.
  // RoBERTa-family position ids start after pad_token_id (XLM-RoBERTa: 2), so two rows of the
  // table are never a token's (bge-m3: 8194 rows, 8192 tokens).
  const positionOffset = ROBERTA_POSITIONS.includes(config.model_type) ? (Number.isInteger(config.pad_token_id) ? config.pad_token_id : 1) + 1 : 0;
  const positionLimit = (config.max_position_embeddings ?? 512) - positionOffset;
  const modelMaxLength = Math.min(
    Number.isInteger(tokenizerConfig.model_max_length) ? tokenizerConfig.model_max_length : positionLimit,
    positionLimit);
  const maxSeqLength = Math.min(stConfig.max_seq_length ?? modelMaxLength, modelMaxLength);

  return {
    modelType: config.model_type,
    hiddenSize: config.hidden_size,
    maxSeqLength,
    modelMaxLength,
    normalize,
    pooling: checkedPooling(poolingFrom(poolingConfig), source),
    tokenizer: {
      model: tokenizerModel.model,
      fairseqIds: Boolean(tokenizerModel.fairseqIds),
      lowercaseInput: Boolean(stConfig.do_lower_case),
      lowercase: Boolean(tokenizerConfig.do_lower_case),
      // -1 = unset: transformers then strips accents exactly when it lower-cases.
      stripAccents: tokenizerConfig.strip_accents === true ? 1 : tokenizerConfig.strip_accents === false ? 0 : -1,
      handleChineseChars: tokenizerConfig.tokenize_chinese_chars !== false,
      clsToken: special('cls_token', '[CLS]'),
      sepToken: special('sep_token', '[SEP]'),
      unkToken: special('unk_token', wordpiece.unk_token ?? '[UNK]'),
      padToken: special('pad_token', '[PAD]'),
      maskToken: special('mask_token', '[MASK]'),
      maxInputCharsPerWord: wordpiece.max_input_chars_per_word ?? 100,
    },
    /** What the tokenizer is built from: vocab.txt text, or SentencePiece .model bytes. */
    tokenizerData: tokenizerModel.data,
    /** The WordPiece vocabulary as vocab.txt text (undefined for SentencePiece). */
    vocabText: tokenizerModel.model === 'wordpiece' ? tokenizerModel.data : undefined,
  };
}
