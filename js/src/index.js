// gmatrix-embed: Korean sentence embeddings on the user's device.
export { Embedder, DEFAULT_MODEL } from './embedder.js';
export { createWorkerEmbedder, WorkerEmbedder } from './worker/worker-embedder.js';
export { pairSimilarity as similarity, similarityMatrix, rows } from './similarity.js';
export { compareModels, evaluateSts, formatStsTable, parseStsJsonl, parseStsTsv, pearson, spearman } from './sts.js';
export { coreInfo } from './core.js';
export { quantizeEmbeddings, calibrationRanges, PRECISIONS } from './search/quantize.js';
export { createSearchIndex, searchIndex, SearchIndex } from './search/search-index.js';
export * from './errors.js';
export { MODELS, knownModel } from '../../models/registry.js';
