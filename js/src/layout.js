// Every rule about where files sit in a model folder or repository, in one place: the loader,
// the Hub client, the converter and the CLI all ask here instead of knowing names themselves.
//
//   configuration   *.json at the root, <n>_<Module>/config.json, vocab.txt, tokenizer.json,
//                   SentencePiece models (sentencepiece.bpe.model, spiece.model, tokenizer.model)
//   weights         model.safetensors | pytorch_model.bin, or sharded: an index JSON naming
//                   model-0000k-of-0000n.safetensors (pytorch_model-0000k-of-0000n.bin) shards
//   ONNX per dtype  model.onnx | onnx/model.onnx (fp32), onnx/model_quantized.onnx (q8), ...
//   external data   <onnx file>_data or <onnx file>.data beside the graph that names it

/** Where the ONNX file of each dtype may live, in order of preference. */
export const ONNX_CANDIDATES = Object.freeze({
  fp32: Object.freeze(['model.onnx', 'onnx/model.onnx']),
  q8: Object.freeze(['onnx/model_quantized.onnx', 'onnx/model_q8.onnx', 'onnx/model_int8.onnx', 'model_quantized.onnx']),
  q4: Object.freeze(['onnx/model_q4.onnx', 'model_q4.onnx']),
});

/** Where conversion writes each dtype's ONNX file: the layout transformers.js uses. */
export const ONNX_OUTPUT_PATHS = Object.freeze({
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
  q4: 'onnx/model_q4.onnx',
});

/** Suffixes of an ONNX file's external-data side file, in order of preference. */
export const EXTERNAL_DATA_SUFFIXES = Object.freeze(['_data', '.data']);

/** The side files an ONNX file at `onnxPath` may have. */
export const externalDataCandidates = (onnxPath) => EXTERNAL_DATA_SUFFIXES.map((suffix) => `${onnxPath}${suffix}`);

/** Single-file weights the converter reads, in order of preference (safetensors runs no pickle). */
export const WEIGHT_FILES = Object.freeze(['model.safetensors', 'pytorch_model.bin']);

/**
 * Sharded weights: the index file (its `weight_map` names a shard for each tensor), by the
 * single-file name it stands for, in the same order of preference.
 */
export const WEIGHT_INDEX_FILES = Object.freeze({
  'model.safetensors': 'model.safetensors.index.json',
  'pytorch_model.bin': 'pytorch_model.bin.index.json',
});

/** A shard's file name: `model-00001-of-00002.safetensors` / `pytorch_model-00001-of-00002.bin`. */
export const WEIGHT_SHARD = /^(?:model-\d{5}-of-\d{5}\.safetensors|pytorch_model-\d{5}-of-\d{5}\.bin)$/;

/** SentencePiece model files, by the names tokenizers look for (XLM-R, T5/ALBERT, Llama). */
export const SENTENCEPIECE_FILES = Object.freeze(['sentencepiece.bpe.model', 'spiece.model', 'tokenizer.model']);

/**
 * Whether a repository path is configuration a sentence-transformers folder may hold: root
 * JSON files (config, tokenizer, modules, weight indexes), module folders' config.json
 * (1_Pooling/...), the WordPiece vocabulary, tokenizer.json and SentencePiece models.
 */
export function isConfigFile(path) {
  return /^[^/]+\.json$/.test(path) || /^\d+_[^/]+\/config\.json$/.test(path) ||
    path === 'vocab.txt' || path === 'tokenizer.json' || SENTENCEPIECE_FILES.includes(path);
}

/** Whether a repository path is a weights file or a shard of one. */
export const isWeightFile = (path) => WEIGHT_FILES.includes(path) || WEIGHT_SHARD.test(path);

/** Whether `path` is a shard of the sharded form of `weightsFile` ('model.safetensors' -> model-0000k-of-0000n.safetensors). */
export function isShardOf(weightsFile, path) {
  const [stem, extension] = weightsFile === 'model.safetensors' ? ['model', 'safetensors'] : ['pytorch_model', 'bin'];
  return WEIGHT_SHARD.test(path) && path.startsWith(`${stem}-`) && path.endsWith(`.${extension}`);
}

/**
 * Which weights a folder holds, asking `has(path)`: a single file (preferred, in WEIGHT_FILES
 * order), else a shard index. Returns `{file}`, `{index, file}` (the single-file name the shards
 * stand for) or undefined.
 * @param {(path: string) => Promise<boolean>} has
 */
export async function findWeights(has) {
  for (const file of WEIGHT_FILES) if (await has(file)) return { file };
  for (const file of WEIGHT_FILES) if (await has(WEIGHT_INDEX_FILES[file])) return { file, index: WEIGHT_INDEX_FILES[file] };
  return undefined;
}

/** What a weights-only folder needs, in words, for messages. */
export const WEIGHTS_WANTED = `${WEIGHT_FILES.join(' or ')} (or sharded: ${Object.values(WEIGHT_INDEX_FILES).join(' or ')} with its shards)`;

/** Configuration files a converted folder copies, besides module folders' config.json. */
export const CONFIG_FILES = Object.freeze(['modules.json', 'sentence_bert_config.json', 'config_sentence_transformers.json',
  'config.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'tokenizer.json', 'vocab.txt',
  ...SENTENCEPIECE_FILES]);

/**
 * Loose repository-id syntax ("owner/name") used to tell an id from a relative URL or path
 * before any lookup; hub/repo-id.js checks the Hub's exact rules before a request is made.
 */
export const REPO_ID_SHAPE = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
