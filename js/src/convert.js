// The converter on its own (browser-safe, bytes in and out): `import { convertWeights } from 'gmatrix-embed/convert'`.
// Kept off the main entry so pages that only embed need not load protobufjs and fflate.
export { convertWeights, parseDtypes, ONNX_OUTPUT_PATHS, WEIGHT_FILES } from './convert/convert-model.js';
export { quantizeModel } from './convert/quantize.js';
