// Load-time graph passes: rewrites that keep a model's results and make it faster or smaller on
// ONNX Runtime's CPU kernels, applied to the .onnx file before a session is created. Weights are
// never copied; the word-embedding table may be lifted out of the session (lift-embedding-table.js),
// in which case the backend feeds its rows.
import { decodeModel, encodeModel } from '../convert/onnx-proto.js';
import { externalizeInlineWeights } from './externalize-inline-weights.js';
import { liftEmbeddingTable } from './lift-embedding-table.js';
import { tokenIdLimit } from './token-id-limit.js';
import { untileRelativeAttention } from './untile-relative-attention.js';

/**
 * @param {Uint8Array} onnxBytes the whole .onnx file
 * @param {{selfLocation?: string, windowedProjection?: boolean}} [options] selfLocation: the
 *   file's own name: when given, its large inline weights become external data pointing into the
 *   file (the caller must then hand ONNX Runtime the file under that name); windowedProjection:
 *   see untile-relative-attention.js
 * @returns {{bytes: Uint8Array, applied: string[], lifted: ReturnType<typeof liftEmbeddingTable>, readsSelf: boolean,
 *   idLimit?: number}}
 *   the rewritten file (the input itself when no pass applies), a note per pass that changed
 *   something, the graph inputs the caller must now feed from an embedding table, whether the
 *   graph now reads weights from its own file, and how many token ids its embedding table has
 */
export function optimizeGraph(onnxBytes, { selfLocation, windowedProjection = false } = {}) {
  const model = decodeModel(onnxBytes);
  const idLimit = tokenIdLimit(model.graph);
  const applied = [];
  const moved = selfLocation ? externalizeInlineWeights(model.graph, onnxBytes, selfLocation) : 0;
  const untiled = untileRelativeAttention(model.graph, { windowedProjection });
  if (untiled) applied.push(`relative attention without Tile (${untiled} copies removed)`);
  const lifted = liftEmbeddingTable(model.graph);
  for (const { table } of lifted) {
    applied.push(`embedding table ${table.name} read by row (${table.rows} x ${table.cols}), not loaded`);
  }
  // Only worth it when the graph changes anyway: otherwise the file is used as it is.
  if (!applied.length) return { bytes: onnxBytes, applied, lifted, readsSelf: false, idLimit };
  return { bytes: encodeModel(model), applied, lifted, readsSelf: moved > 0, idLimit };
}
