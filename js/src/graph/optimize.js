// Load-time graph passes: rewrites that keep a model's results (to float rounding) and make it
// faster on ONNX Runtime's CPU kernels, applied to the .onnx file before a session is created.
// Only the graph changes; weights, external data included, are untouched and never copied.
import { decodeModel, encodeModel } from '../convert/onnx-proto.js';
import { untileRelativeAttention } from './untile-relative-attention.js';

/**
 * @param {Uint8Array} onnxBytes
 * @returns {{bytes: Uint8Array, applied: string[]}} the rewritten file (the input itself when no
 *   pass applies) and a note per pass that changed something
 */
export function optimizeGraph(onnxBytes) {
  const model = decodeModel(onnxBytes);
  const applied = [];
  const untiled = untileRelativeAttention(model.graph);
  if (untiled) applied.push(`relative attention without Tile (${untiled} copies removed)`);
  return applied.length ? { bytes: encodeModel(model), applied } : { bytes: onnxBytes, applied };
}
