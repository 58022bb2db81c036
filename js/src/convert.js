// The converter on its own (browser-safe, bytes in and out): `import { convertWeights } from 'gmatrix-embed/convert'`.
// Kept off the main entry so pages that only embed need not load protobufjs and fflate.
export {
  convertWeights, convertFolder, weightFilesOf, parseDtypes, ONNX_OUTPUT_PATHS, WEIGHT_FILES,
} from './convert/convert-model.js';
export { SUPPORTED_MODEL_TYPES } from './convert/architectures/index.js';
export { quantizeModel } from './convert/quantize.js';
