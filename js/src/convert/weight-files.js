// Where a model folder keeps its weights, and reading them into one map. Either one file
// (WEIGHT_FILES, in order of preference) or, failing that, a sharded checkpoint: an index JSON
// whose `weight_map` names, for each tensor, the shard file holding it (layout.js has the names).
// Every shard the index names is checked before anything is read: a plain shard file name (no
// folders, so no path tricks), present in the folder; after reading, each shard must hold the
// tensors the index puts there, and no tensor may come from two shards.
import { FileNotFoundError, ModelFormatError, describeUntrusted, quoteUntrusted } from '../errors.js';
import { WEIGHTS_WANTED, findWeights, isShardOf } from '../layout.js';
import { readWeights } from './weights.js';

// An index lists about 100 bytes per tensor: a few hundred KB for the largest models.
const MAX_INDEX_CHARS = 64 * 2 ** 20;

/**
 * @typedef {{has(f: string): Promise<boolean>, readText(f: string): Promise<string>,
 *   readBytes(f: string): Promise<Uint8Array>, description: string}} Folder
 */

/**
 * The files a folder's conversion reads: `['model.safetensors']` (or `['pytorch_model.bin']`), or
 * for a sharded checkpoint the index followed by its shards, e.g. `['model.safetensors.index.json',
 * 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']`. Reads the index only.
 * @param {Folder} folder
 * @returns {Promise<string[]>}
 */
export async function weightFilesOf(folder) {
  return (await locateWeights(folder)).files;
}

/**
 * Every float tensor of the folder's weights, by state_dict name (decoded lazily, as readWeights does).
 * @param {Folder} folder
 * @returns {Promise<Map<string, {dims: number[], dtype: string, data: Float32Array}>>}
 */
export async function readFolderWeights(folder) {
  const { files, index } = await locateWeights(folder);
  if (!index) return readWeights(files[0], await folder.readBytes(files[0]));
  const weights = new Map();
  const source = new Map(); // tensor -> shard it was read from
  for (const shard of index.shards) {
    const present = new Set();
    const tensors = readWeights(shard, await folder.readBytes(shard), { onSkip: (t) => present.add(t.name) });
    for (const [name, tensor] of tensors) {
      if (source.has(name)) {
        throw new ModelFormatError(`Tensor ${quoteUntrusted(name, 100)} is in both ${source.get(name)} and ${shard}; ` +
          `the shards of ${index.file} overlap. Download the checkpoint again.`);
      }
      source.set(name, shard);
      present.add(name);
      weights.set(name, tensor);
    }
    for (const name of index.tensorsOf.get(shard)) {
      if (!present.has(name)) {
        throw new ModelFormatError(`${index.file} puts tensor ${quoteUntrusted(name, 100)} in ${shard}, which does not ` +
          'hold it. Download the index and its shards again, from the same revision.');
      }
    }
  }
  return weights;
}

/** @returns {Promise<{files: string[], index: null | ReturnType<typeof parseWeightIndex>}>} */
async function locateWeights(folder) {
  const found = await findWeights((file) => folder.has(file));
  if (!found) throw new FileNotFoundError(`${folder.description} has no weights to convert (${WEIGHTS_WANTED}).`);
  if (!found.index) return { files: [found.file], index: null };
  const index = parseWeightIndex(await folder.readText(found.index), found.index, found.file);
  const missing = [];
  for (const shard of index.shards) if (!(await folder.has(shard))) missing.push(shard);
  if (missing.length > 0) {
    throw new FileNotFoundError(`${folder.description} lacks ${missing.length} of the ${index.shards.length} shards ` +
      `${found.index} names (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}); download them too.`);
  }
  return { files: [found.index, ...index.shards], index };
}

/**
 * Checks a sharded checkpoint's index (`{"metadata": {...}, "weight_map": {tensor: shard}}`).
 * @param {string} text  the index file's contents
 * @param {string} file  its name, e.g. 'model.safetensors.index.json'
 * @param {string} weightsFile  the single file it stands for ('model.safetensors' or 'pytorch_model.bin')
 * @returns {{file: string, shards: string[], tensorsOf: Map<string, string[]>}}  shards in name order
 */
export function parseWeightIndex(text, file, weightsFile) {
  const fail = (problem) => new ModelFormatError(`${file}: ${problem}. Download it again from the model repository.`);
  if (text.length > MAX_INDEX_CHARS) throw fail(`is ${text.length} characters, far more than an index of tensor names`);
  let index;
  try {
    index = JSON.parse(text);
  } catch (err) {
    throw fail(`is not valid JSON (${err.message})`);
  }
  const map = index?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw fail(`has no "weight_map" object (found ${describeUntrusted(map)})`);
  }
  const tensorsOf = new Map();
  let total = null;
  for (const [tensor, shard] of Object.entries(map)) {
    // A plain file name (no folder: no path tricks) of the same format as the single file.
    if (typeof shard !== 'string' || !isShardOf(weightsFile, shard)) {
      throw fail(`puts tensor ${quoteUntrusted(tensor, 100)} in ${quoteUntrusted(shard, 100)}, which is not a shard ` +
        `file name (like ${weightsFile.replace(/\./, '-00001-of-00002.')}, in the same folder)`);
    }
    const [, k, n] = /-(\d{5})-of-(\d{5})\./.exec(shard).map(Number);
    if (k < 1 || k > n || (total !== null && n !== total)) {
      throw fail(`names shard ${quoteUntrusted(shard)}, which does not fit ${total === null ? 'its own count' : `the ${total} shards of the others`}`);
    }
    total = n;
    if (!tensorsOf.has(shard)) tensorsOf.set(shard, []);
    tensorsOf.get(shard).push(tensor);
  }
  if (tensorsOf.size === 0) throw fail('has an empty "weight_map"');
  return { file, shards: [...tensorsOf.keys()].sort(), tensorsOf };
}
