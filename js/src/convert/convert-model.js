// Weights -> ONNX (and quantized variants), entirely in JavaScript: the conversion behind
// `gmatrix-embed convert` and behind loading a Hub repository that ships no ONNX file.
// Browser-safe: bytes in, bytes out; writing files is the caller's business.
import { InvalidArgumentError, ModelFormatError } from '../errors.js';
import { DTYPES } from '../options.js';
import { architectureFor } from './architectures/index.js';
import { encodeModel } from './onnx-proto.js';
import { quantizeModel } from './quantize.js';
import { readWeights } from './weights.js';
import { readFolderWeights, weightFilesOf } from './weight-files.js';
import { elementCount } from './tensor-bytes.js';
import { ONNX_OUTPUT_PATHS, WEIGHT_FILES } from '../layout.js';

export { ONNX_OUTPUT_PATHS, WEIGHT_FILES, weightFilesOf };

// Above this size the fp32 weights are written as external data (the tiny test model stays inline).
const EXTERNAL_DATA_THRESHOLD_BYTES = 64 * 2 ** 20;

/**
 * The files of one converted dtype, by repository path: the .onnx file and any side files,
 * which sit in its folder under the names the graph refers to.
 * @returns {Map<string, Uint8Array>}
 */
export function outputFiles(output) {
  const folder = output.path.includes('/') ? output.path.slice(0, output.path.lastIndexOf('/') + 1) : '';
  return new Map([...output.externalData.map((side) => [`${folder}${side.path}`, side.data]), [output.path, output.onnx]]);
}

/** Parses '--dtype fp32,q8' style lists and arrays into a checked list. */
export function parseDtypes(value) {
  const list = Array.isArray(value) ? value : String(value ?? 'fp32').split(',').map((s) => s.trim()).filter(Boolean);
  for (const dtype of list) {
    if (!DTYPES.includes(dtype)) {
      throw new InvalidArgumentError(`Unknown dtype '${dtype}'; use any of ${DTYPES.join(', ')} (comma-separated).`);
    }
  }
  if (list.length === 0) throw new InvalidArgumentError(`No dtype given; use any of ${DTYPES.join(', ')}.`);
  return [...new Set(list)];
}

/**
 * One weights file -> ONNX per dtype. config.model_type picks the architecture (see
 * architectures/index.js: DeBERTa-v2, BERT, RoBERTa / XLM-RoBERTa); F32, F16 and BF16 weights.
 * @param {object} options
 * @param {object} options.config  parsed config.json
 * @param {string} options.weightsFile  'model.safetensors' or 'pytorch_model.bin'
 * @param {Uint8Array} options.weightsBytes
 * @param {Array<'fp32'|'q8'|'q4'>} options.dtypes
 * @returns {Map<string, {path: string, onnx: Uint8Array, externalData: Array<{path: string, data: Uint8Array}>}>}
 *   per dtype: the repository-relative path and the file(s) to write beside it
 */
export function convertWeights({ config, weightsFile, weightsBytes, dtypes }) {
  const architecture = architectureFor(config); // refuses an unknown model_type before reading weights
  return convertWeightMap(architecture, config, readWeights(weightsFile, weightsBytes), dtypes);
}

/** convertWeights once the weights are read (from one file or from shards). */
function convertWeightMap(architecture, config, weights, dtypes) {
  // From the shapes: the readers decode a tensor's data only when the graph builder takes it,
  // after checking its shape against the config.
  let weightBytes = 0;
  for (const tensor of weights.values()) weightBytes += 4 * elementCount(tensor.dims);
  const fileName = (path) => path.split('/').pop();
  // Built once as a ModelProto; fp32 is its encoding, the quantized variants read its weights.
  // Large fp32 weights go to a side file even under protobuf's 2 GB limit: ONNX Runtime then
  // maps them without a second copy (base size: 1.8 GB peak memory instead of 2.8 GB).
  const built = architecture.build(config, weights, {
    encode: false,
    externalData: weightBytes > EXTERNAL_DATA_THRESHOLD_BYTES ? true : 'auto',
    externalDataLocation: `${fileName(ONNX_OUTPUT_PATHS.fp32)}_data`,
  });
  const sideFiles = built.externalData ? [{ path: built.externalDataLocation, data: built.externalData }] : [];
  const outputs = new Map();
  for (const dtype of dtypes) {
    const path = ONNX_OUTPUT_PATHS[dtype];
    if (dtype === 'fp32') {
      outputs.set(dtype, { path, onnx: encodeModel(built.model), externalData: sideFiles });
    } else {
      const q = quantizeModel(built.model, {
        dtype, externalData: sideFiles, externalDataPath: `${fileName(path)}_data`,
      });
      outputs.set(dtype, { path, onnx: q.model, externalData: q.externalData });
    }
  }
  return outputs;
}

/**
 * Converts the weights of a model folder (any source: disk, Hub download, memory): one weights
 * file, or a sharded checkpoint (index + shards); weightFilesOf(folder) lists what is read.
 * @param {import('./weight-files.js').Folder} folder
 * @param {Array<'fp32'|'q8'|'q4'>} dtypes
 */
export async function convertFolder(folder, dtypes) {
  await weightFilesOf(folder); // no weights at all: say so before looking at the config
  const config = await readConfig(folder);
  const architecture = architectureFor(config);
  return convertWeightMap(architecture, config, await readFolderWeights(folder), dtypes);
}

async function readConfig(folder) {
  const text = await folder.readText('config.json');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelFormatError(`config.json in ${folder.description} is not valid JSON (${err.message}); ` +
      'replace it with the file from the model repository.', { cause: err });
  }
}
