// Reading config.json fields the way every architecture needs them: integers and sizes checked
// (a config is untrusted input), HF's defaults applied, and each refusal one line that names the
// family and the field.
import { ModelFormatError, describeUntrusted, quoteUntrusted } from '../../errors.js';

/** hidden_act values the graph builders compute (layers.js), by HF's ACT2FN names. */
export const SUPPORTED_ACTIVATIONS = new Set(['gelu', 'gelu_python', 'relu', 'gelu_new', 'gelu_pytorch_tanh', 'silu', 'swish', 'tanh']);

/**
 * @param {string} family  e.g. 'BERT', used in every message
 * @param {object} config  parsed config.json
 */
export function configFields(family, config) {
  const fail = (msg) => {
    throw new ModelFormatError(`Cannot convert this ${family} model: ${msg}`);
  };
  if (!config || typeof config !== 'object') fail('config.json is missing or not an object.');
  const int = (key, fallback) => {
    const v = config[key] ?? fallback;
    if (!Number.isSafeInteger(v)) fail(`config.json field ${key} must be an integer (got ${describeUntrusted(v)}).`);
    return v;
  };
  // A size: at least `min`. Upper bounds come from the weights (weight-lookup.js checkSize).
  const size = (key, fallback, min = 1) => {
    const v = int(key, fallback);
    if (v < min) fail(`config.json field ${key} must be at least ${min} (got ${v}).`);
    return v;
  };
  const activation = (key = 'hidden_act', fallback = 'gelu') => {
    const v = config[key] ?? fallback;
    if (!SUPPORTED_ACTIVATIONS.has(v)) {
      fail(`${key} ${quoteUntrusted(v, 60)} is not supported (supported: ${[...SUPPORTED_ACTIVATIONS].join(', ')}).`);
    }
    return v;
  };
  const epsilon = (fallback) => {
    const v = config.layer_norm_eps ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) fail(`layer_norm_eps must be a positive number (got ${v}).`);
    return v;
  };
  // HF tests flags for truth: null (None), 0 and 1 count as false, false and true. An absent key
  // takes HF's default. Anything else is a mistake worth naming.
  const flag = (key, fallback) => {
    const v = config[key] === undefined ? fallback : config[key] ?? false;
    if (v !== true && v !== false && v !== 0 && v !== 1) {
      fail(`config.json field ${key} must be true or false (got ${describeUntrusted(v)}).`);
    }
    return Boolean(v);
  };
  return { fail, int, size, activation, epsilon, flag };
}
