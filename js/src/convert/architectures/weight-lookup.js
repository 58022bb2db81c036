// Weights by their HF state_dict names, for the graph builders: a task model's prefix
// (`bert.`, `roberta.`, `deberta.`) and old gamma/beta LayerNorm names are accepted, shapes are
// checked before any data is decoded, and config sizes are compared with the weights before
// anything sized by the config is built.
import { ModelFormatError } from '../../errors.js';
import { formatDims } from '../tensor-bytes.js';

/**
 * @param {Map<string, {dims: number[], data: Float32Array}>} weights
 * @param {{prefix: string, family: string}} names  `prefix`: the base model's attribute name in
 *   HF task models (base_model_prefix); `family`: for messages
 */
export function weightLookup(weights, { prefix, family }) {
  if (!(weights instanceof Map)) throw new ModelFormatError('weights must be a Map of name -> {dims, data}.');
  const byName = new Map();
  const strip = new RegExp(`^${prefix}\\.`);
  for (const [name, tensor] of weights) {
    const key = name.replace(strip, '').replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
    byName.set(key, tensor);
  }
  /** The shape of a weight, or null when absent; reads no data. */
  const dims = (name) => byName.get(name)?.dims ?? null;
  const get = (name, dims) => {
    const t = byName.get(name);
    if (!t) throw new ModelFormatError(`The weights have no tensor "${name}" (nor "${prefix}.${name}"); is this a ${family} checkpoint?`);
    if (dims && (t.dims.length !== dims.length || t.dims.some((d, k) => d !== dims[k]))) {
      throw new ModelFormatError(`Weight "${name}" has shape [${t.dims}] but the config implies [${dims}].`);
    }
    if (!(t.data instanceof Float32Array)) throw new ModelFormatError(`Weight "${name}" must be float32 data.`);
    return t;
  };

  const refuse = (field, value, name, d, says) => {
    throw new ModelFormatError(`Cannot convert this ${family} model: config.json field ${field} is ${value}, but the `
      + `weights say ${says} (${name} has shape ${formatDims(d)}). Use the config.json that belongs to these weights.`);
  };
  /**
   * A config size against axis `axis` of weight `name`, by shape only: a config that says
   * vocab_size 10^9 next to small weights is refused in one line naming the field instead of
   * allocating by the config. An absent weight is left to `get`, whose message names it.
   */
  const checkSize = (field, value, name, axis, what) => {
    const d = dims(name);
    if (d && d[axis] !== value) refuse(field, value, name, d, `${d[axis] ?? 'no'} ${what}`);
  };
  /** The distinct encoder.layer.<n> indices present must be 0 .. count-1. */
  const checkLayerCount = (count) => {
    const layers = new Set();
    for (const name of byName.keys()) {
      const m = /^encoder\.layer\.(\d{1,9})\./.exec(name);
      if (m) layers.add(Number(m[1]));
    }
    if (layers.size > 0 && (layers.size !== count || !layers.has(count - 1))) {
      throw new ModelFormatError(`Cannot convert this ${family} model: config.json field num_hidden_layers is ${count}, `
        + `but the weights hold ${layers.size} encoder layers. Use the config.json that belongs to these weights.`);
    }
  };
  return { get, dims, refuse, checkSize, checkLayerCount };
}
