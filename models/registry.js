// Known models: gmatrix-embedding and every model of its model card's comparison table, with
// what their own cards and repository files state. Embedder.load uses an entry for the
// revision and the license note; everything else (tokenizer, pooling, lengths) is read from
// the model's files at load time, so an entry never overrides them. Any other
// sentence-transformers repository of a supported family loads too.
//
// Fields, as the model card states them (null where the card does not say):
//   family       config.json model_type of the encoder (the converter's architecture)
//   tokenizer    'wordpiece' (vocab.txt) or 'sentencepiece'
//   pooling      'mean' | 'cls'; normalize: a Normalize module follows the pooling
//   maxLength    sentence-transformers max_seq_length (tokens per text; longer texts are cut)
//   license      the card's `license:` field, verbatim; null where the card has none (then
//                no license is granted by the card: ask the authors before redistributing)
//   revision     'main' unless a real commit id of a working revision is known; `pinned` says
//                which, so nothing claims to be pinned when it follows the branch
//   korsts       published KorSTS test figures (x100): gmatrix-embedding's from its card; the
//                others as the comparison table publishes them (the table of
//                github.com/upskyy/kf-deberta-multitask, which the gmatrix card's comparison
//                follows); null where none is published (bge-m3). `gmatrix-embed eval --model A
//                --model B --data FILE` measures them on a machine, side by side.
export const DEFAULT_MODEL = 'bi-matrix/gmatrix-embedding';

const korsts = (cp, cs, ep, es, mp, ms, dp, ds) => Object.freeze({
  cosine_pearson: cp, cosine_spearman: cs, euclidean_pearson: ep, euclidean_spearman: es,
  manhattan_pearson: mp, manhattan_spearman: ms, dot_pearson: dp, dot_spearman: ds,
});

const entry = (fields) => Object.freeze({ similarity: 'cosine', revision: 'main', pinned: false, ...fields });

export const MODELS = Object.freeze({
  'bi-matrix/gmatrix-embedding': entry({
    description: 'Korean sentence embeddings: DeBERTa-v2 base (kakaobank/kf-deberta-base, 768 hidden, ' +
      '12 layers, 130k WordPiece vocab) trained on KorNLI and KorSTS with sentence-transformers.',
    family: 'deberta-v2', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: 128, lowercase: true,
    // The Hub repository publishes PyTorch weights only: loading it converts them to ONNX.
    weights: 'pytorch',
    license: 'cc-by-4.0',
    korsts: Object.freeze({ cosine_pearson: 85.77, cosine_spearman: 86.30 }),
  }),
  'upskyy/kf-deberta-multitask': entry({
    description: 'kakaobank/kf-deberta-base fine-tuned on KorNLI and KorSTS (multi-task).',
    family: 'deberta-v2', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(85.75, 86.25, 84.79, 85.25, 84.80, 85.27, 82.93, 82.86),
  }),
  'jhgan/ko-sroberta-multitask': entry({
    description: 'RoBERTa (klue/roberta-base, WordPiece vocab) trained on KorNLI and KorSTS (multi-task).',
    family: 'roberta', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(84.77, 85.60, 83.71, 84.40, 83.70, 84.38, 82.42, 82.33),
  }),
  'jhgan/ko-sroberta-nli': entry({
    description: 'RoBERTa (klue/roberta-base, WordPiece vocab) trained on KorNLI.',
    family: 'roberta', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(82.83, 83.85, 82.87, 83.29, 82.88, 83.28, 80.34, 79.69),
  }),
  'jhgan/ko-sroberta-sts': entry({
    description: 'RoBERTa (klue/roberta-base, WordPiece vocab) trained on KorSTS.',
    family: 'roberta', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(81.84, 81.82, 81.15, 81.25, 81.14, 81.25, 79.09, 78.54),
  }),
  'jhgan/ko-sbert-multitask': entry({
    description: 'BERT (klue/bert-base) trained on KorNLI and KorSTS (multi-task).',
    family: 'bert', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(84.13, 84.71, 82.42, 82.66, 82.41, 82.69, 80.05, 79.69),
  }),
  'jhgan/ko-sbert-nli': entry({
    description: 'BERT trained on KorNLI.',
    family: 'bert', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(82.24, 83.16, 82.19, 82.31, 82.18, 82.30, 79.30, 78.78),
  }),
  'jhgan/ko-sbert-sts': entry({
    description: 'BERT trained on KorSTS.',
    family: 'bert', tokenizer: 'wordpiece', dimensions: 768, pooling: 'mean', normalize: false,
    maxLength: null, lowercase: null, license: null,
    korsts: korsts(81.55, 81.23, 79.94, 79.79, 79.90, 79.75, 76.02, 75.31),
  }),
  'BAAI/bge-m3': entry({
    description: 'Multilingual XLM-RoBERTa large (568M parameters, SentencePiece vocab of 250k), dense ' +
      'embeddings: CLS pooling, then L2 normalization.',
    family: 'xlm-roberta', tokenizer: 'sentencepiece', dimensions: 1024, pooling: 'cls', normalize: true,
    // The card's 8192 tokens is what the model accepts; a batch of long texts needs memory in
    // proportion to length squared, so pass maxLength to cut texts shorter when that is enough.
    maxLength: 8192, lowercase: false, license: 'mit',
    korsts: null,
  }),
});

/** The registry entry of a repository id, or undefined for models it does not know. */
export function knownModel(id) {
  return Object.hasOwn(MODELS, id) ? MODELS[id] : undefined;
}
