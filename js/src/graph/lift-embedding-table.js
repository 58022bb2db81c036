// Graph pass: the word-embedding table leaves the session and is read row by row on demand.
//
// A 130,000 x 768 float32 table is 400 MB, more than half of a base model, yet a batch reads a
// few thousand of its rows. Inside the session the whole table must be copied into ONNX
// Runtime's memory at load (on this kind of machine, touching fresh memory costs ~3 s per GB),
// and it stays there. When the table sits in an external-data file, this pass removes
//   E = Gather(table, input_ids, axis=0)
// and makes E a graph input instead; the backend fills it for each batch with the rows of the
// batch's ids, read from the same file (js/src/backends/embedding-rows.js). Same floats, so the
// results are identical; the table is never loaded.
import { DataType, int64ToNumber, makeTensorValueInfo } from '../convert/onnx-proto.js';
import { isExternal } from '../convert/quantize-external.js';

/**
 * Rewrites `graph` in place.
 * @returns {Array<{input: string, table: {name: string, rows: number, cols: number, location: string, offset: number}}>}
 *   the new graph inputs and where each one's rows live
 */
export function liftEmbeddingTable(graph) {
  const inputs = new Set(graph.input.map((i) => i.name));
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const readers = new Map();
  for (const n of graph.node) for (const name of n.input) readers.set(name, (readers.get(name) ?? 0) + 1);

  const lifted = [];
  for (const node of graph.node) {
    if (node.opType !== 'Gather' || (node.domain && node.domain !== 'ai.onnx')) continue;
    const [tableName, ids] = node.input;
    const table = initializers.get(tableName);
    const axis = node.attribute.find((a) => a.name === 'axis');
    if (ids !== 'input_ids' || !inputs.has(ids) || !table || readers.get(tableName) !== 1) continue;
    if ((axis && int64ToNumber(axis.i) !== 0) || table.dataType !== DataType.FLOAT || !isExternal(table)) continue;
    const dims = table.dims.map(int64ToNumber);
    const entry = Object.fromEntries(table.externalData.map(({ key, value }) => [key, value]));
    if (dims.length !== 2 || !entry.location) continue;
    lifted.push({
      node,
      input: node.output[0],
      table: { name: tableName, rows: dims[0], cols: dims[1], location: entry.location, offset: Number(entry.offset ?? 0) },
    });
  }
  if (lifted.length === 0) return [];
  const removedNodes = new Set(lifted.map((l) => l.node));
  const removedTables = new Set(lifted.map((l) => l.table.name));
  graph.node = graph.node.filter((n) => !removedNodes.has(n));
  graph.initializer = graph.initializer.filter((t) => !removedTables.has(t.name));
  for (const { input, table } of lifted) {
    graph.input.push(makeTensorValueInfo(input, DataType.FLOAT, ['batch', 'sequence', table.cols]));
  }
  return lifted.map(({ input, table }) => ({ input, table }));
}
