// What every backend does before creating a session: apply the graph passes to the .onnx file
// and open the rows of any embedding table they lifted out of it.
import { optimizeGraph } from '../graph/optimize.js';
import { EmbeddingRows } from './embedding-rows.js';

/**
 * @param {{source: object, onnxPath: string}} files
 * @param {(path: string) => Promise<Uint8Array>} readExternal the bytes of an external-data file
 *   (used only where the source has no local path)
 * @returns {Promise<{bytes: Uint8Array, applied: string[], embeddings: Array<{input: string, rows: EmbeddingRows}>}>}
 */
export async function prepareModel({ source, onnxPath }, readExternal) {
  const { bytes, applied, lifted } = optimizeGraph(await source.readBytes(onnxPath));
  const folder = onnxPath.includes('/') ? onnxPath.slice(0, onnxPath.lastIndexOf('/') + 1) : '';
  const embeddings = [];
  for (const { input, table } of lifted) {
    const path = folder + table.location.replace(/^(\.\/)+/, '');
    let rows;
    if (source.localPath) {
      const { embeddingRowsFromFile } = await import('./embedding-rows-file.js');
      rows = embeddingRowsFromFile(table, source.localPath(path));
    } else {
      rows = EmbeddingRows.fromBytes(table, await readExternal(path));
    }
    embeddings.push({ input, rows });
  }
  return { bytes, applied, embeddings };
}
