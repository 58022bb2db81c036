// A small helper for writing ONNX graphs by hand: it names intermediate values, collects nodes
// and initializers, and assembles the ModelProto. Model-specific builders (deberta-v2-graph.js)
// use it so their code reads like the forward pass instead of protobuf plumbing.
import { DataType, makeNode, makeTensor, makeTensorValueInfo } from './onnx-proto.js';

export class OnnxGraphBuilder {
  constructor() {
    this.nodes = [];
    this.initializers = [];
    this.count = 0;
    this.constants = new Map(); // small constants are shared by value
  }

  /** Add an initializer (a weight or constant) and return its name. */
  initializer(name, dataType, dims, data) {
    this.initializers.push(makeTensor(name, dataType, dims, data));
    return name;
  }

  /** A float32 initializer; data is a Float32Array (kept by reference, not copied). */
  floats(name, dims, data) {
    return this.initializer(name, DataType.FLOAT, dims, data);
  }

  /** A shared small constant, e.g. int64([0, 0, -1]) or float32(0.5, []). dims default to [n]. */
  int64(values, dims) {
    return this.constant(DataType.INT64, values, dims);
  }

  float32(values, dims) {
    return this.constant(DataType.FLOAT, values, dims);
  }

  bool(values, dims) {
    return this.constant(DataType.BOOL, values, dims);
  }

  constant(dataType, values, dims) {
    const list = Array.isArray(values) ? values : [values];
    const shape = dims ?? (Array.isArray(values) ? [list.length] : []);
    const key = `${dataType}|${shape.join(',')}|${list.join(',')}`;
    if (!this.constants.has(key)) {
      const name = `const_${this.constants.size}`;
      this.initializer(name, dataType, shape, list);
      this.constants.set(key, name);
    }
    return this.constants.get(key);
  }

  /**
   * Append a node and return its output name (or names, when `outputs` is a number > 1 or an array).
   * @param {string} opType
   * @param {string[]} inputs  value names ('' for an omitted optional input)
   * @param {object} [attributes]  {name: value}, see makeNode
   * @param {{name?: string, outputs?: number|string[]}} [options]  `outputs` names the results
   */
  op(opType, inputs, attributes = {}, options = {}) {
    const id = this.count++;
    const nodeName = options.name ? `${options.name}/${opType}_${id}` : `${opType}_${id}`;
    const wanted = options.outputs ?? 1;
    const outputs = Array.isArray(wanted)
      ? wanted
      : Array.from({ length: wanted }, (_, k) => `${nodeName}_out${k}`);
    this.nodes.push(makeNode(opType, inputs, outputs, attributes, nodeName));
    return outputs.length === 1 ? outputs[0] : outputs;
  }

  /**
   * The finished ModelProto (a plain object encodeModel accepts).
   * @param {{inputs: Array<[string, number, Array<number|string>]>,
   *          outputs: Array<[string, number, Array<number|string>]>,
   *          opset: number, irVersion: number, graphName?: string, producerName?: string,
   *          producerVersion?: string, docString?: string}} spec
   *   each input/output is [name, element DataType, shape with symbolic dims as strings]
   */
  toModel(spec) {
    return {
      irVersion: spec.irVersion,
      opsetImport: [{ domain: '', version: spec.opset }],
      producerName: spec.producerName ?? 'gmatrix-embed',
      producerVersion: spec.producerVersion ?? '',
      docString: spec.docString ?? '',
      graph: {
        name: spec.graphName ?? 'main',
        node: this.nodes,
        initializer: this.initializers,
        input: spec.inputs.map(([name, type, shape]) => makeTensorValueInfo(name, type, shape)),
        output: spec.outputs.map(([name, type, shape]) => makeTensorValueInfo(name, type, shape)),
      },
    };
  }
}
