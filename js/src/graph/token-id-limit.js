// How many token ids the graph's word-embedding lookup accepts: the rows of the table that a
// Gather (or ONNX Runtime's GatherBlockQuantized, in quantized files) reads with input_ids. An id
// past it would make ONNX Runtime fail mid-run with its own error (or, on some kernels, read out of
// bounds), so the backend checks every id against this before a session runs.
import { int64ToNumber } from '../convert/onnx-proto.js';

const LOOKUPS = new Set(['Gather', 'GatherBlockQuantized']);

/** @returns {number|undefined} the smallest such table's row count; undefined if none is found */
export function tokenIdLimit(graph) {
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  let limit;
  for (const node of graph.node) {
    if (!LOOKUPS.has(node.opType) || node.input[1] !== 'input_ids') continue;
    const table = initializers.get(node.input[0]);
    const rows = table?.dims?.length ? int64ToNumber(table.dims[0]) : undefined;
    if (Number.isSafeInteger(rows) && rows > 0) limit = Math.min(limit ?? rows, rows);
  }
  return limit;
}
