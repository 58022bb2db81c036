// What every backend does before creating a session: apply the graph passes to the .onnx file
// and open the rows of any embedding table they lifted out of it.
import { optimizeGraph } from '../graph/optimize.js';
import { GmatrixEmbedError, ModelFormatError } from '../errors.js';
import { EmbeddingRows } from './embedding-rows.js';

/**
 * @param {{source: object, onnxPath: string}} files
 * @param {(path: string) => Promise<Uint8Array>} readExternal the bytes of an external-data file
 *   (used only where the source has no local path)
 * @param {{weightsFromOwnFile: boolean, windowedProjection?: boolean}} options whether the backend
 *   can read inline weights from the .onnx file as external data (graph/externalize-inline-weights.js),
 *   and whether relative-position projections run per call on the window only
 *   (graph/untile-relative-attention.js)
 * @returns {Promise<{bytes: Uint8Array, applied: string[], embeddings: Array<{input: string, rows: EmbeddingRows}>, idLimit?: number,
 *   ownFile?: {name: string, bytes: Uint8Array}}>} ownFile: the .onnx file, by the name the graph
 *   now reads weights from, when it does
 */
export async function prepareModel({ source, onnxPath }, readExternal, { weightsFromOwnFile, windowedProjection = false }) {
  const fileName = onnxPath.split('/').pop();
  const original = await source.readBytes(onnxPath);
  let prepared;
  try {
    prepared = optimizeGraph(original, { selfLocation: weightsFromOwnFile ? fileName : undefined, windowedProjection });
  } catch (err) {
    if (err instanceof GmatrixEmbedError) throw err;
    throw new ModelFormatError(`${onnxPath} in ${source.description} is not a readable ONNX model ` +
      `(${String(err?.message ?? err).split('\n')[0]}); replace it with the repository's file or convert the weights again.`,
    { cause: err });
  }
  const { bytes, applied, lifted, readsSelf, idLimit } = prepared;
  const folder = onnxPath.includes('/') ? onnxPath.slice(0, onnxPath.lastIndexOf('/') + 1) : '';
  const embeddings = [];
  for (const { input, table } of lifted) {
    const path = folder + table.location.replace(/^(\.\/)+/, '');
    let rows;
    if (source.localPath) {
      const { embeddingRowsFromFile } = await import('./embedding-rows-file.js');
      rows = embeddingRowsFromFile(table, source.localPath(path));
    } else {
      rows = EmbeddingRows.fromBytes(table, path === onnxPath ? original : await readExternal(path));
    }
    embeddings.push({ input, rows });
  }
  return { bytes, applied, embeddings, idLimit, ...(readsSelf ? { ownFile: { name: fileName, bytes: original } } : {}) };
}
