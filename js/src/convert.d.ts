import type { Dtype } from './index.js';

/** One converted dtype: the .onnx file's repository path, its bytes and any side files beside it. */
export interface ConvertedModel { path: string; onnx: Uint8Array; externalData: Array<{ path: string; data: Uint8Array }> }

/** A model folder from any source (disk, Hub download, memory), as the converter reads it. */
export interface WeightsFolder {
  description: string;
  has(file: string): Promise<boolean>;
  readText(file: string): Promise<string>;
  readBytes(file: string): Promise<Uint8Array>;
}

/**
 * Weights (safetensors or PyTorch .bin bytes) -> ONNX files per dtype; browser-safe.
 * config.model_type picks the architecture: one of SUPPORTED_MODEL_TYPES.
 */
export function convertWeights(options: {
  config: object; weightsFile: string; weightsBytes: Uint8Array; dtypes: Dtype[];
}): Map<Dtype, ConvertedModel>;
/** Converts a folder's config.json and weights: one weights file, or a sharded checkpoint (index + shards). */
export function convertFolder(folder: WeightsFolder, dtypes: Dtype[]): Promise<Map<Dtype, ConvertedModel>>;
/**
 * The weight files convertFolder reads, in order: ['model.safetensors'] or ['pytorch_model.bin'],
 * or a sharded checkpoint's index followed by its shards (['model.safetensors.index.json',
 * 'model-00001-of-00002.safetensors', ...]). Reads only the index; a missing shard is a FileNotFoundError.
 */
export function weightFilesOf(folder: WeightsFolder): Promise<string[]>;
/** config.json model_type values the converter reads ('deberta-v2', 'bert', 'roberta', 'xlm-roberta'). */
export const SUPPORTED_MODEL_TYPES: readonly string[];
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
