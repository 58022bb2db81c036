export * from './index.js';
export * from './convert.js';
import type { Dtype, LoadOptions } from './index.js';

/** Converts a model folder or Hub repository's weights into `outDir` with ONNX files per dtype. */
export function convertModel(source: string, options: Omit<LoadOptions, 'dtype'> & { outDir: string; dtype?: Dtype | Dtype[] | string }):
  Promise<{ outDir: string; files: Array<{ path: string; bytes: number }>; seconds: number }>;
