// Storage pass: large weights stored inside the .onnx file are re-pointed, as external data, at
// their own bytes in that same file. Re-encoding the rewritten graph then copies kilobytes
// instead of hundreds of megabytes (a 196 MB q8 file: 1.7 s), and ONNX Runtime reads the
// weights from the file as it reads any external data (the native build maps them).
import { DataLocation } from '../convert/onnx-proto.js';

const MIN_BYTES = 1 << 20;

/**
 * Rewrites `graph` in place. `fileBytes` must be the whole .onnx file the graph was decoded from
 * (decoded bytes fields are views into it, which is how their file offsets are known).
 * @param {string} location the .onnx file's own name, as external data refers to it
 * @returns {number} how many initializers now point into the file
 */
export function externalizeInlineWeights(graph, fileBytes, location) {
  let moved = 0;
  for (const tensor of graph.initializer) {
    const raw = tensor.rawData;
    if (!raw || raw.length < MIN_BYTES || raw.buffer !== fileBytes.buffer) continue;
    const offset = raw.byteOffset - fileBytes.byteOffset;
    if (offset < 0 || offset + raw.length > fileBytes.length) continue;
    tensor.rawData = new Uint8Array(0);
    tensor.dataLocation = DataLocation.EXTERNAL;
    tensor.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    moved++;
  }
  return moved;
}
