import type { Dtype } from './index.js';

/** Weights (safetensors or PyTorch .bin bytes) -> ONNX files per dtype; browser-safe. */
export function convertWeights(options: {
  config: object; weightsFile: string; weightsBytes: Uint8Array; dtypes: Dtype[];
}): Map<Dtype, { path: string; onnx: Uint8Array; externalData: Array<{ path: string; data: Uint8Array }> }>;
export function parseDtypes(value: string | string[]): Dtype[];
export const ONNX_OUTPUT_PATHS: Readonly<Record<Dtype, string>>;
export const WEIGHT_FILES: readonly string[];
