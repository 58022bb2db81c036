// Converting a weights-only model to ONNX, once: the result is kept in the same cache as Hub
// downloads (a folder under Node, the Cache API in browsers), keyed by what it was made from.
import { ONNX_OUTPUT_PATHS, externalDataCandidates } from '../layout.js';
import { convertFolder, outputFiles } from '../convert/convert-model.js';
import { openStorage } from '../hub/storage.js';
import { resolveHubOptions } from '../hub/options.js';
import { folderFrom } from './folder-from.js';
import { firstPresent } from './choose-model-file.js';

/**
 * @param {{description: string, from: string, open: () => Promise<object>}} model  what is
 *   converted, the weights file it is read from (for model.info), and how to get its
 *   configuration and weights as a folder (only called when the cache misses: for a Hub
 *   repository it downloads the weights)
 * @param {string} dtype
 * @param {string|undefined} key  cache key (a relative path); undefined: convert without caching
 * @param {object} hubOptions  cacheDir / cache / onProgress
 * @returns {Promise<{source: object, onnxPath: string, externalDataPath?: string, conversion: object}>}
 */
export async function convertCached(model, dtype, key, hubOptions) {
  const onnxPath = ONNX_OUTPUT_PATHS[dtype];
  const storage = key === undefined ? undefined : await openStorage(resolveHubOptions(hubOptions));
  const name = `conversion of ${model.description} (${dtype})`;
  const cached = await storage?.readConverted(key, dtype, onnxPath);
  if (cached) return described(await folderFrom(cached, name), onnxPath, { from: model.from, cached: true, location: cached.dir });

  const folder = await model.open();
  hubOptions.onProgress?.({ status: 'convert', file: model.description, loaded: 0, total: 1 });
  const outputs = await convertFolder(folder, [dtype]);
  hubOptions.onProgress?.({ status: 'convert', file: model.description, loaded: 1, total: 1 });
  const files = outputFiles(outputs.get(dtype));
  const place = storage ? await storage.writeConverted(key, dtype, files) : { files };
  return described(await folderFrom(place, name), onnxPath, { from: model.from, cached: false, location: place.dir });
}

async function described(source, onnxPath, conversion) {
  const externalDataPath = await firstPresent((p) => source.has(p), externalDataCandidates(onnxPath));
  return { source, onnxPath, externalDataPath, conversion };
}
