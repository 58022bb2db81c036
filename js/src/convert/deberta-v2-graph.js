// The DeBERTa-v2 graph builder under its original names; it lives in architectures/deberta-v2.js,
// one of the converter's architectures (architectures/index.js).
export {
  build as buildDebertaV2Onnx, readArchitecture, relativePositionIndexTable, logBucketPosition,
} from './architectures/deberta-v2.js';
