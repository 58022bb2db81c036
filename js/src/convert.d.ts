import type { Dtype } from './index.js';

/** Weights (safetensors or PyTorch .bin bytes) -> ONNX files per dtype; browser-safe. */
export function convertWeights(options: {
  config: object; weightsFile: string; weightsBytes: Uint8Array; dtypes: Dtype[];
}): Map<Dtype, { path: string; onnx: Uint8Array; externalData: Array<{ path: string; data: Uint8Array }> }>;
export function parseDtypes(value: string | string[]): Dtype[];
export const ONNX_OUTPUT_PATHS: Readonly<Record<Dtype, string>>;
export const WEIGHT_FILES: readonly string[];

/**
 * Quantization of a float32 ONNX model. q8 defaults to scheme 'dynamic': 8-bit weights with
 * activations quantized at run time (DynamicQuantizeMatMul), faster than fp32 on both backends.
 * Scheme 'matmulnbits' (q4's only scheme) is weight-only and block-wise (MatMulNBits +
 * GatherBlockQuantized): smaller, slower.
 */
export function quantizeModel(model: Uint8Array | object, options: {
  dtype: 'q8' | 'q4';
  scheme?: 'matmulnbits' | 'dynamic';
  blockSize?: number;
  externalData?: Uint8Array | Array<{ path: string; data: Uint8Array }> | ((location: string, offset?: number, length?: number) => Uint8Array);
  externalDataPath?: string;
  maxInlineBytes?: number;
}): {
  model: Uint8Array;
  externalData: Array<{ path: string; data: Uint8Array }>;
  quantized: Array<{ name: string; kind: 'matmul' | 'gather'; dims: number[]; bits: number; blockSize: number; bytesBefore: number; bytesAfter: number }>;
};
