// Types of the gmatrix-embed public API.

export type Metric = 'cosine' | 'dot' | 'euclidean' | 'manhattan';
export type Dtype = 'fp32' | 'q8' | 'q4';
export type Backend = 'auto' | 'wasm' | 'webgpu' | 'native';

/** Row-major embeddings: `dims = [rows, width]`, `data.length = rows * width`. */
export interface Embeddings {
  data: Float32Array;
  dims: [number, number];
}

export interface DownloadProgress {
  /** Repository file being fetched, e.g. "onnx/model.onnx". */
  file?: string;
  status?: string;
  fileLoaded?: number;
  fileTotal?: number;
  /** Bytes done and total over all files. */
  loaded: number;
  total: number;
}

export interface LoadOptions {
  /** ONNX Runtime threads (default: cores, at most 4; 1 in a page without cross-origin isolation). */
  threads?: number;
  /** Tokens per text incl. [CLS]/[SEP] (default: the model's max_seq_length, 128). */
  maxLength?: number;
  /** At most this many texts per model run (default 64). */
  batchSize?: number;
  /** At most this many padded tokens (rows x longest row) per model run (default 4096). */
  batchTokens?: number;
  /** L2-normalize embeddings (default: true only if the model has a Normalize module). */
  normalize?: boolean;
  /**
   * Encoder backend (default 'auto': in Node 'native' when onnxruntime-node loads, in a browser
   * 'webgpu' when navigator.gpu gives an adapter, else 'wasm'). 'native' needs Node.js and the
   * optional dependency onnxruntime-node; 'webgpu' a browser with WebGPU.
   */
  backend?: Backend;
  /**
   * Model precision variant (default 'fp32'; a model that has only a quantized ONNX file loads
   * that one, and `info.dtypeReason` says so).
   */
  dtype?: Dtype;
  /** Hub: git revision (branch, tag or commit; default 'main'). */
  revision?: string;
  /** Hub: endpoint (default HF_ENDPOINT or https://huggingface.co). */
  endpoint?: string;
  /** Hub: access token for private repositories (default HF_TOKEN). */
  token?: string;
  /** Hub (Node): cache folder (default GMATRIX_EMBED_CACHE or the XDG cache folder). */
  cacheDir?: string;
  /** Hub: use only the cache (default: HF_HUB_OFFLINE=1). */
  offline?: boolean;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Hub: a storage other than this environment's default (advanced; see js/src/hub/storage.js). */
  cache?: object;
}

export interface EmbedOptions {
  normalize?: boolean;
  batchSize?: number;
  batchTokens?: number;
  onProgress?: (event: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** A readable model folder: anything that can answer these three calls. */
export interface ModelSource {
  description: string;
  has(file: string): Promise<boolean>;
  readText(file: string): Promise<string>;
  readBytes(file: string): Promise<Uint8Array>;
}

export interface ModelInfo {
  source: string;
  /** The ONNX file's path in its folder (onnx/model.onnx etc. for a conversion). */
  onnx: string;
  /**
   * Set when the folder or repository had weights but no ONNX file for the dtype: which weights
   * file was converted, whether the conversion came from the cache, and (Node) where it is kept.
   */
  conversion?: { from: string; cached: boolean; location?: string };
  modelType: string;
  dimensions: number;
  maxLength: number;
  normalize: boolean;
  pooling: string[];
  threads: number;
  dtype: Dtype;
  /** 'requested', 'default', or why another precision was taken (e.g. a quantized-only folder). */
  dtypeReason: string;
  /** The backend that runs the encoder. */
  backend: 'wasm' | 'webgpu' | 'native';
  /** Why that backend: 'requested', or 'auto: ...' with the reason (e.g. why native was not used). */
  backendReason: string;
  /** Load-time graph rewrites applied to the ONNX model (empty when none matched). */
  graphPasses: string[];
  /** The card's license of a model known to the registry (models/registry.js); null: the card states none. */
  license?: string | null;
}

export const DEFAULT_MODEL: 'bi-matrix/gmatrix-embedding';

export class Embedder {
  /**
   * Loads a sentence-transformers model: a local folder (Node), a base URL, a Hugging Face
   * repository id (default `bi-matrix/gmatrix-embedding`), or a ModelSource.
   */
  static load(source?: string | ModelSource, options?: LoadOptions): Promise<Embedder>;
  readonly info: Readonly<ModelInfo>;
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
  tokenize(text: string): { ids: number[]; tokens: string[]; truncated: boolean };
  similarity(a: Float32Array | number[], b: Float32Array | number[], metric?: Metric): number;
  /** Frees WASM memory and the ONNX session; later calls throw DisposedError. */
  dispose(): Promise<void>;
}

export interface WorkerEmbedderOptions extends Omit<LoadOptions, 'fetch' | 'cache'> {
  /** The worker script, when it is not served beside worker-embedder.js (bundlers handle that). */
  workerUrl?: string | URL;
}

/** The Embedder API with the model in a Web Worker (browsers); see createWorkerEmbedder. */
export class WorkerEmbedder {
  private constructor();
  /** What was loaded, as Embedder#info. */
  readonly info: Readonly<ModelInfo>;
  /** Runs in the worker; `signal` stops it before its next batch. The result was transferred, not copied. */
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
  /** As Embedder#tokenize, asynchronous (the tokenizer is in the worker). */
  tokenize(text: string): Promise<{ ids: number[]; tokens: string[]; truncated: boolean }>;
  similarity(a: Float32Array | number[], b: Float32Array | number[], metric?: Metric): number;
  /** Ends the worker; running and later calls reject with DisposedError. */
  dispose(): Promise<void>;
}

/**
 * Loads a model in a module worker, so the page's main thread stays free while it embeds.
 * `source`: a base URL (relative to the page) or a Hub repository id (default DEFAULT_MODEL).
 */
export function createWorkerEmbedder(source?: string, options?: WorkerEmbedderOptions): Promise<WorkerEmbedder>;

/** Similarity of two vectors. Euclidean and Manhattan are distances (smaller = closer). */
export function similarity(a: Float32Array | number[], b: Float32Array | number[], metric?: Metric): number;
export function similarityMatrix(a: Embeddings, b: Embeddings, metric?: Metric): Embeddings;
/** The rows of an Embeddings result as Float32Array views. */
export function rows(embeddings: Embeddings): Float32Array[];

export interface StsPair { score: number; sentence1: string; sentence2: string }
export interface StsResult {
  cosine_pearson: number; cosine_spearman: number;
  euclidean_pearson: number; euclidean_spearman: number;
  manhattan_pearson: number; manhattan_spearman: number;
  dot_pearson: number; dot_spearman: number;
}
/** KorSTS TSV, or any TSV whose header names score, sentence1 and sentence2 (quotes are literal). */
export function parseStsTsv(text: string): StsPair[];
/** JSON Lines of {"sentence1", "sentence2", "score"} objects. (CSV: readStsFile from 'gmatrix-embed/node'.) */
export function parseStsJsonl(text: string): StsPair[];
export function evaluateSts(model: Embedder, pairs: StsPair[], options?: EmbedOptions): Promise<StsResult>;
export interface ModelComparisonRow { model: string; info: ModelInfo; scores: StsResult }
/**
 * The model card's comparison: evaluates each model on the same pairs, loading one at a time
 * (each is disposed before the next loads).
 */
export function compareModels(sources: Array<string | ModelSource>, pairs: StsPair[], options?: {
  load?: LoadOptions; embed?: EmbedOptions; onModel?: (event: { index: number; source: string }) => void;
}): Promise<ModelComparisonRow[]>;
/** The model card's 8-column table (Pearson and Spearman of cosine, euclidean, manhattan, dot, x100) in markdown. */
export function formatStsTable(rows: Array<{ model: string; scores: StsResult }>, options?: { digits?: number }): string;
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number;
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number;
export function coreInfo(): { simd: boolean; unicodeVersion: string };

/** Precisions of stored vectors, as sentence-transformers' quantize_embeddings names them. */
export type Precision = 'float32' | 'int8' | 'uint8' | 'binary' | 'ubinary';
export const PRECISIONS: readonly Precision[];
/** Per-dimension calibration ranges for int8/uint8 (min and max of calibration embeddings). */
export interface QuantizationRanges { min: Float32Array; max: Float32Array }
export interface QuantizedEmbeddings {
  /** Float32Array (float32), Int8Array (int8, binary) or Uint8Array (uint8, ubinary). */
  data: Float32Array | Int8Array | Uint8Array;
  /** [rows, width]; for binary precisions width is the packed byte count (dimensions / 8). */
  dims: [number, number];
  precision: Precision;
  ranges?: QuantizationRanges;
}
export function calibrationRanges(embeddings: Embeddings): QuantizationRanges;
/**
 * sentence-transformers' quantize_embeddings: int8/uint8 need `ranges` (calibrationRanges of
 * representative embeddings); values outside them are clipped (numpy would wrap).
 */
export function quantizeEmbeddings(embeddings: Embeddings, precision: Precision,
  options?: { ranges?: { min: ArrayLike<number>; max: ArrayLike<number> } }): QuantizedEmbeddings;

/** Vectors in WebAssembly memory for top-k search; free them with dispose(). */
export class SearchIndex {
  private constructor();
  /** Number of stored vectors. */
  readonly rows: number;
  /** Values per vector before bit packing (the embedding width). */
  readonly dimensions: number;
  readonly precision: Precision;
  readonly disposed: boolean;
  /** Frees the WebAssembly memory; later searches throw DisposedError. */
  dispose(): void;
}
export interface SearchVectors {
  /** Float32Array (float32), Int8Array (int8, binary) or Uint8Array (uint8, ubinary). */
  data: Float32Array | Int8Array | Uint8Array;
  /** [rows, stored values per row] (for binary precisions: bytes per row). */
  dims: [number, number];
  /** Default 'float32' for a Float32Array. */
  precision?: Precision;
  /** int8/uint8: the calibration ranges the vectors were quantized with. */
  ranges?: { min: ArrayLike<number>; max: ArrayLike<number> };
  /** Embedding width before packing (binary default: 8 x bytes per row). */
  dimensions?: number;
}
export interface SearchOptions {
  /** Results per query (default 10; all rows when there are fewer). */
  topK?: number;
  /** For float32 and int8/uint8 (dequantized) scores: 'cosine' (default) or 'dot'. */
  metric?: 'cosine' | 'dot';
  /** float32/int8/uint8 vectors of the same rows: re-rank the topK x rescoreMultiplier best by them. */
  rescore?: SearchIndex;
  /** Default 4. */
  rescoreMultiplier?: number;
}
export interface SearchHit {
  row: number;
  /** cosine or dot product; for binary/ubinary without rescore, minus the Hamming distance. */
  score: number;
}
/** Copies vectors (float32 embeddings or quantizeEmbeddings results) into a search index. */
export function createSearchIndex(vectors: SearchVectors | QuantizedEmbeddings): SearchIndex;
/**
 * The topK best rows for each query, best first (ties: lower row first); exact, as a float64
 * brute-force search ranks them. Queries: embed() results, one vector, or a list of vectors.
 */
export function searchIndex(index: SearchIndex, queries: Embeddings | Float32Array | number[] | Array<Float32Array | number[]>,
  options?: SearchOptions): SearchHit[][];

export class GmatrixEmbedError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown });
}
export class InvalidArgumentError extends GmatrixEmbedError {}
export class ModelFormatError extends GmatrixEmbedError {}
export class FileNotFoundError extends GmatrixEmbedError {}
export class NetworkError extends GmatrixEmbedError {}
export class IntegrityError extends GmatrixEmbedError {}
export class OfflineCacheMissError extends GmatrixEmbedError {}
export class AbortError extends GmatrixEmbedError {}
export class UnsafeModelFileError extends GmatrixEmbedError {}
export class DisposedError extends GmatrixEmbedError {}
/** The requested backend cannot run here; `reason` says why and what to do. */
export class BackendUnavailableError extends GmatrixEmbedError {
  readonly backend: string;
  readonly reason: string;
}

/** What a model's card states (null where it does not); see models/registry.js. */
export interface KnownModel {
  description: string;
  /** config.json model_type of the encoder. */
  family: 'deberta-v2' | 'bert' | 'roberta' | 'xlm-roberta';
  tokenizer: 'wordpiece' | 'sentencepiece';
  dimensions: number; pooling: 'mean' | 'cls'; normalize: boolean;
  maxLength: number | null; lowercase: boolean | null; similarity: Metric;
  weights?: string;
  /** 'main' unless `pinned`: then a commit id. */
  revision: string; pinned: boolean;
  /** The card's license field verbatim, or null where the card states none. */
  license: string | null;
  korsts: Partial<StsResult> | null;
}
export const MODELS: Readonly<Record<string, KnownModel>>;
export function knownModel(id: string): KnownModel | undefined;

