// Node-only: write a built ONNX model (and its external-data side file, if any) to disk.
// Kept apart from the graph builders so those stay usable in browsers.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * @param {string} onnxPath  where the .onnx file goes; the side file goes next to it
 * @param {{onnx: Uint8Array, externalData?: Uint8Array|null, externalDataLocation?: string|null}} built
 *   what buildDebertaV2Onnx returns
 * @returns {Promise<{onnxPath: string, externalDataPath: string|null}>}
 */
export async function writeOnnxModel(onnxPath, built) {
  await mkdir(path.dirname(onnxPath), { recursive: true });
  let externalDataPath = null;
  if (built.externalData) {
    // The graph names its side file relative to the .onnx file, so it must sit beside it.
    externalDataPath = path.join(path.dirname(onnxPath), built.externalDataLocation);
    // Side file first: a finished .onnx on disk then always has its data complete.
    await writeFile(externalDataPath, built.externalData);
  }
  await writeFile(onnxPath, built.onnx);
  return { onnxPath, externalDataPath };
}
