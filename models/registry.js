// Known models: what Embedder.load and the CLI know about a repository before downloading it.
// Any other sentence-transformers repository with a BERT-style (WordPiece) tokenizer loads too;
// its own files then decide everything. Entries here only add what the files cannot say:
// a pinned revision, the license, and the published scores.
export const DEFAULT_MODEL = 'bi-matrix/gmatrix-embedding';

export const MODELS = Object.freeze({
  'bi-matrix/gmatrix-embedding': Object.freeze({
    description: 'Korean sentence embeddings: DeBERTa-v2 base (kakaobank/kf-deberta-base, 768 hidden, ' +
      '12 layers, 130k WordPiece vocab) fine-tuned with sentence-transformers.',
    architecture: 'deberta-v2',
    dimensions: 768,
    pooling: 'mean',
    normalize: false,
    maxLength: 128,
    lowercase: true,
    similarity: 'cosine',
    // The Hub repository publishes PyTorch weights only: loading it converts them to ONNX.
    weights: 'pytorch',
    revision: 'main',
    license: 'as stated on the model card at https://huggingface.co/bi-matrix/gmatrix-embedding',
    korsts: Object.freeze({ cosine_pearson: 85.77, cosine_spearman: 86.30 }),
  }),
});

/** The registry entry of a repository id, or undefined for models it does not know. */
export function knownModel(id) {
  return Object.hasOwn(MODELS, id) ? MODELS[id] : undefined;
}
