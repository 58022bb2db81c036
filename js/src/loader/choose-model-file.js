// Which ONNX file of a folder (or of a repository's listing) to load, or that the weights must
// be converted instead. Asked through `has(path)` so the same rule serves a folder on disk, a
// URL, an in-memory folder and a Hub listing (where nothing is downloaded to decide).
import { FileNotFoundError } from '../errors.js';
import { ONNX_CANDIDATES, WEIGHTS_WANTED, externalDataCandidates, findWeights } from '../layout.js';

/** The first of `paths` that `has` finds, or undefined. */
export async function firstPresent(has, paths) {
  for (const path of paths) if (await has(path)) return path;
  return undefined;
}

/**
 * @param {(path: string) => Promise<boolean>} has
 * @param {'fp32'|'q8'|'q4'|undefined} requested  the dtype asked for, if any
 * @param {string} description  the folder, for messages
 * @returns {Promise<{onnxPath?: string, externalDataPath?: string, weights?: {file: string, index?: string},
 *   dtype: string, reason: string}>} an ONNX file to load, or the weights to convert to `dtype`
 */
export async function chooseModelFile(has, requested, description) {
  const weights = await findWeights(has);
  if (requested) {
    const onnxPath = await firstPresent(has, ONNX_CANDIDATES[requested]);
    if (onnxPath) return { onnxPath, externalDataPath: await firstPresent(has, externalDataCandidates(onnxPath)), dtype: requested, reason: 'requested' };
    if (weights) return { weights, dtype: requested, reason: 'requested' };
    throw new FileNotFoundError(`${description} has no ONNX file for dtype '${requested}' ` +
      `(looked for ${ONNX_CANDIDATES[requested].join(', ')}) and no weights to convert (${WEIGHTS_WANTED}). ` +
      'Choose a dtype the folder has, or add the weights.');
  }
  // Without a request: the fp32 ONNX file; else fp32 converted from the weights; else the one
  // quantized variant a folder of only a quantized model holds (and say why).
  const fp32 = await firstPresent(has, ONNX_CANDIDATES.fp32);
  if (fp32) return { onnxPath: fp32, externalDataPath: await firstPresent(has, externalDataCandidates(fp32)), dtype: 'fp32', reason: 'default' };
  if (weights) return { weights, dtype: 'fp32', reason: 'default' };
  for (const dtype of Object.keys(ONNX_CANDIDATES)) {
    const onnxPath = await firstPresent(has, ONNX_CANDIDATES[dtype]);
    if (onnxPath) {
      return { onnxPath, externalDataPath: await firstPresent(has, externalDataCandidates(onnxPath)), dtype,
        reason: `the folder has no fp32 model, only ${onnxPath}` };
    }
  }
  throw new FileNotFoundError(`${description} has no ONNX model (looked for ` +
    `${Object.values(ONNX_CANDIDATES).flat().join(', ')}) and no weights to convert (${WEIGHTS_WANTED}). ` +
    'Point at a sentence-transformers model folder or a Hub repository id.');
}
