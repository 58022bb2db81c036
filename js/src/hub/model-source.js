// Loads a model by Hugging Face repository id: downloads (or takes from the cache) the
// sentence-transformers files and the ONNX file for the asked dtype; when the repository has
// no ONNX file, downloads the weights and converts them, caching the result.
import { FileNotFoundError } from '../errors.js';
import { ONNX_CANDIDATES, externalDataCandidates, isConfigFile } from '../layout.js';
import { MemoryFolderSource } from '../sources/memory-folder.js';
import { resolveHubOptions } from './options.js';
import { openStorage } from './storage.js';
import { listRepoFiles, snapshotDownload } from './download.js';
import { convertFolder, ONNX_OUTPUT_PATHS, outputFiles, WEIGHT_FILES } from '../convert/convert-model.js';

const HUB_OPTION_NAMES = ['revision', 'endpoint', 'token', 'cacheDir', 'cache', 'offline', 'onProgress', 'signal', 'fetch'];

function hubOptionsFrom(options) {
  return Object.fromEntries(HUB_OPTION_NAMES.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
}

const describeRepo = (repo, sha) => `Hub repository ${repo}@${sha.slice(0, 12)}`;

/** Downloads the configuration files and one weights file. */
async function weightsFolder(repo, sha, weightsFile, hubOptions) {
  const snapshot = await snapshotDownload(repo, { ...hubOptions, include: (p) => isConfigFile(p) || p === weightsFile });
  return folderFrom(snapshot, describeRepo(repo, sha));
}

/** The configuration files and the weights of a repository, for conversion. */
export async function hubWeightsSource(repo, options) {
  const hubOptions = hubOptionsFrom(options);
  const { sha, files } = await listRepoFiles(repo, hubOptions);
  const weightsFile = WEIGHT_FILES.find((p) => files.some((f) => f.path === p));
  if (!weightsFile) {
    throw new FileNotFoundError(`${repo} has no weights to convert (${WEIGHT_FILES.join(' or ')}).`);
  }
  return { folder: await weightsFolder(repo, sha, weightsFile, hubOptions) };
}

/**
 * @param {string} repo  "owner/name"
 * @param {object} options  Embedder.load options, already checked (hub ones are used here;
 *   dtype picks the file)
 * @returns {Promise<{folder: object, onnx?: object}>}
 */
export async function hubModelSource(repo, options) {
  const hubOptions = hubOptionsFrom(options);
  const { sha, files } = await listRepoFiles(repo, hubOptions);
  const paths = new Set(files.map((f) => f.path));
  const dtype = options.dtype ?? defaultDtype(paths);
  const onnxPath = ONNX_CANDIDATES[dtype].find((p) => paths.has(p));
  const weightsFile = WEIGHT_FILES.find((p) => paths.has(p));
  if (!onnxPath && !weightsFile) {
    throw new FileNotFoundError(`${repo} has neither an ONNX file for dtype '${dtype}' ` +
      `(${ONNX_CANDIDATES[dtype].join(', ')}) nor weights to convert (${WEIGHT_FILES.join(', ')}).`);
  }
  // An ONNX file's external weights live beside it as <name>_data (or <name>.data).
  const wanted = (p) => isConfigFile(p) || p === onnxPath ||
    (onnxPath && externalDataCandidates(onnxPath).includes(p));
  const description = describeRepo(repo, sha);

  if (onnxPath) {
    const snapshot = await snapshotDownload(repo, { ...hubOptions, include: wanted });
    return { folder: await folderFrom(snapshot, description) };
  }
  // Conversions are cached per commit and dtype in the same storage as the downloads.
  const storage = await openStorage(resolveHubOptions(hubOptions));
  const convertedName = `conversion of ${repo}@${sha.slice(0, 12)} (${dtype})`;
  const cached = await storage.readConverted(repo, sha, dtype, ONNX_OUTPUT_PATHS[dtype]);
  if (cached) {
    const snapshot = await snapshotDownload(repo, { ...hubOptions, include: isConfigFile });
    return { folder: await folderFrom(snapshot, description), onnx: await folderFrom(cached, convertedName) };
  }
  const folder = await weightsFolder(repo, sha, weightsFile, hubOptions);
  options.onProgress?.({ status: 'convert', file: weightsFile, loaded: 0, total: 1 });
  const outputs = await convertFolder(folder, [dtype]);
  options.onProgress?.({ status: 'convert', file: weightsFile, loaded: 1, total: 1 });
  const stored = await storage.writeConverted(repo, sha, dtype, outputFiles(outputs.get(dtype)));
  return { folder, onnx: await folderFrom(stored, convertedName) };
}

// Without a requested dtype: fp32, converted from the weights when there is no fp32 ONNX file;
// a repository of only a quantized ONNX model (and no weights) gives that one.
function defaultDtype(paths) {
  if (ONNX_CANDIDATES.fp32.some((p) => paths.has(p)) || WEIGHT_FILES.some((p) => paths.has(p))) return 'fp32';
  return Object.keys(ONNX_CANDIDATES).find((dtype) => ONNX_CANDIDATES[dtype].some((p) => paths.has(p))) ?? 'fp32';
}

/** A readable folder over files on disk ({dir}, Node) or in memory ({files}, browsers). */
async function folderFrom(place, description) {
  if (place.dir) {
    const { LocalFolderSource } = await import('../sources/local-folder.js');
    const folder = new LocalFolderSource(place.dir);
    folder.description = description;
    return folder;
  }
  return new MemoryFolderSource(place.files, description);
}
