// Converting a weights-only model to ONNX, once: the result is kept in the same cache as Hub
// downloads (a folder under Node, the Cache API in browsers), keyed by what it was made from.
import { ONNX_OUTPUT_PATHS, externalDataCandidates } from '../layout.js';
import { convertFolder, outputFiles } from '../convert/convert-model.js';
import { openStorage } from '../hub/storage.js';
import { resolveHubOptions } from '../hub/options.js';
import { folderFrom } from './folder-from.js';

/**
 * @param {{description: string, open: () => Promise<object>}} model  what is converted, and how to
 *   get its configuration and weights as a folder (only called when the cache misses: for a Hub
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
  if (cached) return described(await folderFrom(cached, name), onnxPath, { cached: true, location: cached.dir });

  const folder = await model.open();
  hubOptions.onProgress?.({ status: 'convert', file: model.description, loaded: 0, total: 1 });
  const outputs = await convertFolder(folder, [dtype]);
  hubOptions.onProgress?.({ status: 'convert', file: model.description, loaded: 1, total: 1 });
  const files = outputFiles(outputs.get(dtype));
  const place = storage ? await storage.writeConverted(key, dtype, files) : { files };
  return described(await folderFrom(place, name), onnxPath, { cached: false, location: place.dir });
}

async function described(source, onnxPath, conversion) {
  let externalDataPath;
  for (const candidate of externalDataCandidates(onnxPath)) if (!externalDataPath && await source.has(candidate)) externalDataPath = candidate;
  return { source, onnxPath, externalDataPath, conversion };
}
