// Where a model's files come from: one policy for Embedder.load, every CLI command and
// convertModel, whatever the source.
//   1. sources/resolve.js turns the argument into a folder (source object, URL, local folder)
//      or a Hub repository id;
//   2. the folder's ONNX file for the dtype is used as it is (choose-model-file.js);
//   3. otherwise its weights (single file or sharded) are converted to that dtype in JavaScript
//      and the result cached (convert-cached.js): per commit for a Hub repository, per
//      fingerprint of the files for a local folder (Node). A URL or a source object has no
//      stable identity to key a cache with, so it converts on each load.
// A Hub repository is decided from its listing: only the files the choice needs are downloaded.
import { FileNotFoundError } from '../errors.js';
import { WEIGHTS_WANTED, findWeights, isConfigFile, isShardOf } from '../layout.js';
import { resolveSource } from '../sources/resolve.js';
import { chooseModelFile } from './choose-model-file.js';
import { convertCached } from './convert-cached.js';
import { weightFilesOf } from '../convert/weight-files.js';
import { folderFrom } from './folder-from.js';

const HUB_OPTION_NAMES = ['revision', 'endpoint', 'token', 'cacheDir', 'cache', 'offline', 'onProgress', 'signal', 'fetch'];

function hubOptionsFrom(options) {
  return Object.fromEntries(HUB_OPTION_NAMES.filter((k) => options?.[k] !== undefined).map((k) => [k, options[k]]));
}

/**
 * @typedef {object} LocatedModel
 * @property {object} folder  the configuration files (tokenizer, pooling, config.json)
 * @property {object} onnxSource  where the ONNX file is (the folder, or the conversion's folder)
 * @property {string} onnxPath
 * @property {string} [externalDataPath]
 * @property {string} dtype
 * @property {string} dtypeReason  'requested', 'default', or why another precision was taken
 * @property {{from: string, cached: boolean, location?: string}} [conversion]  set when converted from weights
 */

/**
 * @param {unknown} source  what Embedder.load takes
 * @param {object} options  load options, already checked (dtype, hub options)
 * @returns {Promise<LocatedModel>}
 */
export async function locateModel(source, options = {}) {
  const where = await resolveSource(source, options);
  const hubOptions = hubOptionsFrom(options);
  if (where.repo) return locateInRepo(where.repo, options.dtype, hubOptions);

  const { folder } = where;
  const choice = await chooseModelFile((p) => folder.has(p), options.dtype, folder.description);
  if (choice.onnxPath) return located(folder, { ...choice, source: folder });
  const key = folder.dir && typeof process === 'object'
    ? await (await import('./local-fingerprint.js')).localConversionKey(folder.dir, await weightFilesOf(folder)) : undefined;
  const model = { description: folder.description, from: weightsName(choice.weights), open: async () => folder };
  return located(folder, { ...choice, ...(await convertCached(model, choice.dtype, key, hubOptions)) });
}

/**
 * The configuration and weights of a model, for conversion (`gmatrix-embed convert`): a folder
 * as it is, or a Hub repository's configuration and weights, downloaded.
 */
export async function locateWeights(source, options = {}) {
  const where = await resolveSource(source, options);
  if (!where.repo) return where.folder;
  const hubOptions = hubOptionsFrom(options);
  const { listRepoFiles } = await import('../hub/download.js');
  const { sha, files } = await listRepoFiles(where.repo, hubOptions);
  const paths = new Set(files.map((f) => f.path));
  const weights = await findWeights(async (p) => paths.has(p));
  if (!weights) throw new FileNotFoundError(`${where.repo} has no weights to convert (${WEIGHTS_WANTED}).`);
  return downloadWeightsFolder(where.repo, sha, weights, hubOptions);
}

async function locateInRepo(repo, dtype, hubOptions) {
  const { listRepoFiles } = await import('../hub/download.js');
  const { sha, files } = await listRepoFiles(repo, hubOptions);
  const paths = new Set(files.map((f) => f.path));
  const description = describeRepo(repo, sha);
  const choice = await chooseModelFile(async (p) => paths.has(p), dtype, description);
  if (choice.onnxPath) {
    const wanted = (p) => isConfigFile(p) || p === choice.onnxPath || p === choice.externalDataPath;
    const folder = await downloadFolder(repo, sha, wanted, hubOptions);
    return located(folder, { ...choice, source: folder });
  }
  // Conversions of a commit are cached: a warm load downloads (or finds) only the configuration.
  const { repoFolderName } = await import('../hub/repo-id.js');
  const folder = await downloadFolder(repo, sha, isConfigFile, hubOptions);
  const model = { description, from: weightsName(choice.weights), open: () => downloadWeightsFolder(repo, sha, choice.weights, hubOptions) };
  return located(folder, { ...choice, ...(await convertCached(model, choice.dtype, `${repoFolderName(repo)}/${sha}`, hubOptions)) });
}

function located(folder, { source, onnxPath, externalDataPath, dtype, reason, conversion }) {
  return { folder, onnxSource: source, onnxPath, externalDataPath, dtype, dtypeReason: reason, conversion };
}

const describeRepo = (repo, sha) => `Hub repository ${repo}@${sha.slice(0, 12)}`;
const weightsName = (weights) => weights.index ?? weights.file;
const isWeightsOf = (weights, path) => path === weightsName(weights) || (weights.index !== undefined && isShardOf(weights.file, path));

/** The configuration and the weights (single file, or index and shards) of a repository. */
function downloadWeightsFolder(repo, sha, weights, hubOptions) {
  return downloadFolder(repo, sha, (p) => isConfigFile(p) || isWeightsOf(weights, p), hubOptions);
}

async function downloadFolder(repo, sha, include, hubOptions) {
  const { snapshotDownload } = await import('../hub/download.js');
  const snapshot = await snapshotDownload(repo, { ...hubOptions, include });
  return folderFrom(snapshot, describeRepo(repo, sha));
}
