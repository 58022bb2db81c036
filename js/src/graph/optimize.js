// Load-time graph passes: rewrites that keep a model's results and make it faster or smaller on
// ONNX Runtime's CPU kernels, applied to the .onnx file before a session is created. Weights are
// never copied; the word-embedding table may be lifted out of the session (lift-embedding-table.js),
// in which case the backend feeds its rows.
import { decodeModel, encodeModel } from '../convert/onnx-proto.js';
import { liftEmbeddingTable } from './lift-embedding-table.js';
import { untileRelativeAttention } from './untile-relative-attention.js';

/**
 * @param {Uint8Array} onnxBytes
 * @returns {{bytes: Uint8Array, applied: string[], lifted: ReturnType<typeof liftEmbeddingTable>}}
 *   the rewritten file (the input itself when no pass applies), a note per pass that changed
 *   something, and the graph inputs the caller must now feed from an embedding table
 */
export function optimizeGraph(onnxBytes) {
  const model = decodeModel(onnxBytes);
  const applied = [];
  const untiled = untileRelativeAttention(model.graph);
  if (untiled) applied.push(`relative attention without Tile (${untiled} copies removed)`);
  const lifted = liftEmbeddingTable(model.graph);
  for (const { table } of lifted) {
    applied.push(`embedding table ${table.name} read by row (${table.rows} x ${table.cols}), not loaded`);
  }
  return applied.length ? { bytes: encodeModel(model), applied, lifted } : { bytes: onnxBytes, applied, lifted };
}
