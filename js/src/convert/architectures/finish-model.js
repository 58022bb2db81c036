// The end every graph builder shares: name the output, assemble the ModelProto with the common
// graph contract, move the weights to a side file when asked or when they would not fit in one
// protobuf message, and encode.
import { DataType, encodeModel } from '../onnx-proto.js';
import { moveToExternalData } from '../quantize-external.js';

const OPSET = 17; // LayerNormalization is a single op from here on
const IR_VERSION = 8;
// Protobuf refuses messages of 2 GiB or more; leave room for the graph itself.
const MAX_INLINE_WEIGHT_BYTES = 2 ** 31 - 2 ** 26;

/**
 * @typedef {object} BuildOptions
 * @property {boolean|'auto'} [externalData='auto']  store weights in a side file; 'auto' does so
 *   only when they would not fit in one protobuf message (over ~1.9 GB)
 * @property {string} [externalDataLocation='model.onnx_data']  file name the graph refers to,
 *   relative to the .onnx file
 * @property {boolean} [encode=true]  false: return only the ModelProto (e.g. to quantize it first)
 * @typedef {object} BuildResult
 * @property {object} model  the ModelProto (plain object; weights referenced, not copied)
 * @property {Uint8Array} [onnx]  the serialized .onnx file (unless encode is false)
 * @property {Uint8Array|null} externalData  bytes of the side file, or null when all is inline
 * @property {string|null} externalDataLocation  its file name, or null
 */

/**
 * Graph contract: inputs input_ids, attention_mask (int64 [batch, sequence]); output
 * last_hidden_state (float32 [batch, sequence, hidden]).
 * @param {import('../onnx-graph-builder.js').OnnxGraphBuilder} g
 * @param {string} hiddenState  the value that becomes last_hidden_state
 * @param {{hidden: number, graphName: string, docString: string}} spec
 * @param {BuildOptions} [options]
 * @returns {BuildResult}
 */
export function finishModel(g, hiddenState, spec, options = {}) {
  g.op('Identity', [hiddenState], {}, { outputs: ['last_hidden_state'] });
  let model = g.toModel({
    irVersion: IR_VERSION,
    opset: OPSET,
    graphName: spec.graphName,
    docString: spec.docString,
    inputs: [
      ['input_ids', DataType.INT64, ['batch', 'sequence']],
      ['attention_mask', DataType.INT64, ['batch', 'sequence']],
    ],
    outputs: [['last_hidden_state', DataType.FLOAT, ['batch', 'sequence', spec.hidden]]],
  });

  const location = options.externalDataLocation ?? 'model.onnx_data';
  const mode = options.externalData ?? 'auto';
  const weightBytes = model.graph.initializer.reduce((n, t) => n + t.rawData.length, 0);
  let externalData = null;
  if (mode === true || (mode === 'auto' && weightBytes > MAX_INLINE_WEIGHT_BYTES)) {
    const moved = moveToExternalData(model.graph.initializer, location);
    model = { ...model, graph: { ...model.graph, initializer: moved.initializers } };
    externalData = moved.data;
  }
  const result = { model, externalData, externalDataLocation: externalData ? location : null };
  if (options.encode !== false) result.onnx = encodeModel(model);
  return result;
}
