export * from './index.js';
export * from './convert.js';
import type { Dtype, LoadOptions, SearchIndex, StsPair } from './index.js';

/** Converts a model folder or Hub repository's weights into `outDir` with ONNX files per dtype. */
export function convertModel(source: string, options: Omit<LoadOptions, 'dtype'> & { outDir: string; dtype?: Dtype | Dtype[] | string }):
  Promise<{ outDir: string; files: Array<{ path: string; bytes: number }>; seconds: number }>;

/**
 * Opens OUT.npy or OUT.f32 written by `gmatrix-embed embed --output` (with its OUT.*.json sidecar)
 * as a search index, read straight into WebAssembly memory. Refuses a missing or incomplete
 * sidecar and a file whose size does not match it.
 */
export function readSearchIndex(file: string): Promise<SearchIndex>;
/** Reads labelled pairs for evaluateSts/compareModels: KorSTS TSV, or any .tsv, .csv or .jsonl with sentence1, sentence2 and score. */
export function readStsFile(file: string, options?: { format?: 'tsv' | 'csv' | 'jsonl' }): Promise<StsPair[]>;
