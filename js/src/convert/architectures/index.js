// The architectures the converter builds, by config.json model_type. Adding a family is one file
// exporting the same four things, listed here:
//   name         for messages, e.g. 'BERT'
//   modelTypes   the config.json model_type values it reads
//   checkConfig(config)                   -> the checked architecture, or a one-line ModelFormatError
//   build(config, weights, options)       -> {model (ModelProto), onnx?, externalData, externalDataLocation}
//     weights: Map of HF state_dict name -> {dims, data: Float32Array}; options: finish-model.js BuildOptions
// Every graph takes input_ids and attention_mask (int64 [batch, sequence]) and gives
// last_hidden_state (float32 [batch, sequence, hidden]).
import { ModelFormatError, quoteUntrusted } from '../../errors.js';
import * as bert from './bert.js';
import * as debertaV2 from './deberta-v2.js';
import * as roberta from './roberta.js';

export const ARCHITECTURES = Object.freeze([debertaV2, bert, roberta]);

const BY_MODEL_TYPE = new Map(ARCHITECTURES.flatMap((arch) => arch.modelTypes.map((type) => [type, arch])));

/** Every model_type the converter reads. */
export const SUPPORTED_MODEL_TYPES = Object.freeze([...BY_MODEL_TYPE.keys()]);

/**
 * The architecture module for a config.json, or a ModelFormatError naming what is supported.
 * @param {object} config  parsed config.json
 */
export function architectureFor(config) {
  const type = config?.model_type;
  const arch = typeof type === 'string' ? BY_MODEL_TYPE.get(type) : undefined;
  if (!arch) {
    throw new ModelFormatError(`Conversion supports encoders of model_type ${SUPPORTED_MODEL_TYPES.map((t) => `'${t}'`).join(', ')}; ` +
      `this model is ${quoteUntrusted(type, 60)}. Export it to ONNX with its own tools and load the folder instead.`);
  }
  return arch;
}
