// Quantization of a float32 ONNX model to 8 or 4 bits for onnxruntime-web: weight-only by default,
// or with run-time activation quantization (scheme 'dynamic', below).
//
// Scheme (every operator below was run and checked against a reference dequantization in
// onnxruntime-web 1.30's WASM backend):
//  - MatMul weights -> com.microsoft MatMulNBits (bits 4 or 8, block-wise scales + zero points).
//    It unpacks blocks inside the kernel, so no float copy of the weight exists at run time.
//  - Gather tables (word embeddings) -> com.microsoft GatherBlockQuantized, which dequantizes only
//    the rows that are looked up: a 130,000 x 768 table is never expanded to float per run.
// The default-domain opset is left alone (DequantizeLinear with block_size would need opset 21,
// i.e. converting the whole graph), and every other node and initializer is kept as it was.
//
// options.scheme 'dynamic' (q8 only, and q8's default) instead stores each MatMul weight as uint8 per output column
// and uses com.microsoft DynamicQuantizeMatMul, which quantizes the activations to uint8 at run time
// (as ORT's quantize_dynamic does) and runs an integer GEMM. Why: in the WASM backend MatMulNBits
// dequantizes to float and runs at 0.7-1.0x fp32 MatMul speed, while the integer GEMM is ~2x fp32
// (base size, 1 thread, 32 short sentences: 1.1 s vs fp32 2.1 s vs MatMulNBits 2.6 s), in the same
// memory as MatMulNBits and at 26% of the fp32 file. The cost is rounding the activations: on random
// base weights the min pooled cosine to fp32 goes from 0.99992 to 0.99968; trained models with
// activation outliers may lose more, so check them. Measured again with both backends (base size,
// 2 threads, 512 KorSTS sentences, sentences/s): native fp32 145, q8 dynamic 191, q8 MatMulNBits
// 96, q4 119; WASM fp32 24, q8 dynamic 43, q8 MatMulNBits 20, q4 21. Hence 'dynamic' is q8's default. Weights are uint8, not int8: 8-bit x86 kernels
// without VNNI can saturate u8 x s8 products (ORT's reduce_range option exists for that); u8 x u8
// cannot, and in WASM both run at the same speed.
// Measured and not taken: DynamicQuantizeLinear + MatMulInteger (~10% faster, 35% more memory);
// DequantizeLinear + MatMul (dequantizes on every run: fp32 speed at best); Cast/Mul/Add that ORT
// constant-folds (fp32 speed, but 1.6x fp32's memory and 2.6x its load time); MatMulNBits with
// accuracy_level 4 (no faster in WASM).
import { decodeModel, encodeModel, makeNode, tensorToArray, int64ToNumber, DataType } from './onnx-proto.js';
import { InvalidArgumentError, ModelFormatError } from '../errors.js';
import { quantizeBlockwise } from './quantize-blocks.js';
import { findQuantizableWeights } from './quantize-graph.js';
import {
  externalDataResolver, readExternalBytes, isExternal, float32Values, inlineTensor, tensorByteSize,
  moveToExternalData,
} from './quantize-external.js';

const BITS = { q8: 8, q4: 4 };
const SCHEMES = ['matmulnbits', 'dynamic'];
// Per-dtype defaults, chosen on measurements (see `npm run bench`, section 1 and 2): 4-bit needs small
// blocks to stay accurate; at 8 bits 64-value blocks are as accurate as needed and keep the
// scale/zero-point overhead at 0.6 bit per weight.
const DEFAULT_BLOCK_SIZE = { q8: 64, q4: 32 };
const MS_DOMAIN = 'com.microsoft';
// protobuf messages cannot exceed 2 GiB; leave room for the graph itself.
const DEFAULT_MAX_INLINE_BYTES = 2 ** 31 - 2 ** 24;
// Lookup tables with fewer rows (BERT's token-type embeddings: 1 or 2 rows) stay float: they are a
// few KB, and one row is added to every token, so its rounding error shifts the whole sentence
// embedding instead of averaging out (measured on the tiny BERT fixture: q4 min cosine 0.978 -> 0.980).
const MIN_GATHER_ROWS = 256;

/**
 * Quantizes the MatMul weights and Gather tables of a float32 ONNX model.
 *
 * @param {Uint8Array|object} model  .onnx bytes, or a decoded ModelProto (not modified)
 * @param {object} options
 * @param {'q8'|'q4'} options.dtype
 * @param {'matmulnbits'|'dynamic'} [options.scheme]  how MatMul weights run: 'dynamic' (the q8
 *   default) uint8 weights per column with activations quantized at run time, faster than fp32 on
 *   both backends; 'matmulnbits' weight-only blocks (q8 or q4; the q4 default), smaller but slower
 * @param {number} [options.blockSize]  values per scale: a power of two from 16 to 256
 *   (default 64 for q8, 32 for q4); with scheme 'dynamic' it applies to the Gather tables only
 * @param {Uint8Array|Array<{path: string, data: Uint8Array}>|
 *   ((location: string, offset: number, length?: number) => Uint8Array)} [options.externalData]
 *   bytes of the input's external data file(s), if it has any; a function may return the whole
 *   file or just the `length` bytes at `offset` (to read one tensor at a time from disk)
 * @param {string} [options.externalDataPath='model.onnx_data']  file name the output refers to if
 *   its weights must go to an external file
 * @param {number} [options.maxInlineBytes]  above this many bytes of weights the output keeps them
 *   in external data (default: just under protobuf's 2 GiB limit)
 * @returns {{model: Uint8Array, externalData: Array<{path: string, data: Uint8Array}>,
 *   quantized: Array<{name: string, kind: 'matmul'|'gather', dims: number[], bits: number,
 *   blockSize: number, bytesBefore: number, bytesAfter: number}>}}
 *   `externalData` is empty when the output is self-contained; otherwise write each entry next
 *   to the model (or pass the array as onnxruntime-web's sessionOptions.externalData).
 */
export function quantizeModel(model, options = {}) {
  const { bits, blockSize, scheme } = parseOptions(options);
  const proto = decodeInput(model);
  const graph = proto.graph;
  const resolve = externalDataResolver(options.externalData);

  const targets = findQuantizableWeights(graph).filter((t) => t.kind === 'matmul' || isWorthQuantizing(t.tensor, bits));
  if (targets.length === 0) {
    throw new ModelFormatError(
      'Nothing to quantize: no 2-D float32 initializer feeds a MatMul or an axis-0 Gather ' +
      '(the model may already be quantized). Use the model as it is.');
  }

  const taken = new Set([
    ...graph.initializer.map((t) => t.name), ...graph.input.map((i) => i.name),
    ...graph.node.flatMap((n) => n.output),
  ]);
  const newInitializers = new Map(); // old initializer -> its quantized replacements
  const newNodes = new Map(); // old node -> replacement nodes
  const constants = constantValues(graph);
  const dropped = new Set(); // Identity nodes made dead by the rewrite
  const quantized = [];

  for (const { tensor, kind, nodes, identities } of targets) {
    const dims = tensor.dims.map(int64ToNumber);
    const values = isExternal(tensor) ? float32Values(readExternalBytes(tensor, resolve)) : tensorToArray(tensor);
    if (values.length !== dims[0] * dims[1]) {
      throw new ModelFormatError(`Initializer ${tensor.name} holds ${values.length} values, expected ${dims[0] * dims[1]}.`);
    }
    const names = {
      codes: uniqueName(`${tensor.name}_q${bits}`, taken),
      scales: uniqueName(`${tensor.name}_scales`, taken),
      zeroPoints: uniqueName(`${tensor.name}_zero_points`, taken),
    };
    const rewrite = kind === 'gather' ? quantizeGatherTable
      : scheme === 'dynamic' ? quantizeDynamicMatMulWeight : quantizeMatMulWeight;
    const { initializers, makeReplacement, makeConstantReplacement } = rewrite(values, dims, names, bits, blockSize);
    newInitializers.set(tensor, initializers);
    for (const node of nodes) {
      // A MatMul of constants (DeBERTa's relative-position projections) is computed once, when
      // ONNX Runtime folds constants; it cannot fold the quantized operators, which would then
      // run on every call (512 rows each: most of a short sentence's time). So such a use gets
      // the weight dequantized with plain ops, which fold like the rest.
      const replacement = constants.has(node.input[0]) && makeConstantReplacement
        ? makeConstantReplacement(node, (suffix) => uniqueName(`${names.codes}_${suffix}`, taken))
        : [makeReplacement(node)];
      newNodes.set(node, replacement);
    }
    for (const node of identities) dropped.add(node);
    quantized.push({
      name: tensor.name, kind, dims, bits,
      // A 'dynamic' MatMul weight has one scale per column: a block of all K values.
      blockSize: kind === 'matmul' && scheme === 'dynamic' ? dims[0] : blockSize,
      bytesBefore: values.length * 4,
      bytesAfter: initializers.reduce((sum, t) => sum + t.rawData.length, 0),
    });
  }

  const removedNames = new Set([
    ...[...newInitializers.keys()].map((t) => t.name), ...[...dropped].flatMap((n) => n.output),
  ]);
  let initializer = graph.initializer.flatMap((t) =>
    newInitializers.get(t) ?? [isExternal(t) ? inlineTensor(t, resolve) : t]);
  const externalData = [];
  const maxInlineBytes = options.maxInlineBytes ?? DEFAULT_MAX_INLINE_BYTES;
  if (initializer.reduce((sum, t) => sum + tensorByteSize(t), 0) > maxInlineBytes) {
    const path = options.externalDataPath ?? 'model.onnx_data';
    const moved = moveToExternalData(initializer, path);
    initializer = moved.initializers;
    externalData.push({ path, data: moved.data });
  }

  const out = {
    ...proto,
    opsetImport: withMicrosoftDomain(proto.opsetImport ?? []),
    graph: {
      ...graph,
      node: graph.node.filter((n) => !dropped.has(n)).flatMap((n) => newNodes.get(n) ?? [n]),
      initializer,
      // Old exporters also list initializers as graph inputs; the float weights are gone now.
      input: graph.input.filter((i) => !removedNames.has(i.name)),
      valueInfo: (graph.valueInfo ?? []).filter((v) => !removedNames.has(v.name)),
    },
  };
  return { model: encodeModel(out), externalData, quantized };
}

// MatMul computes A[.., K] x W[K, N]; MatMulNBits stores W transposed, one row per output.
function quantizeMatMulWeight(values, [K, N], names, bits, blockSize) {
  const q = quantizeBlockwise(values, { rows: N, cols: K, rowStride: 1, colStride: N }, bits, blockSize, true);
  return {
    initializers: [
      raw(names.codes, DataType.UINT8, [N, q.blocksPerRow, (blockSize * bits) / 8], q.codes),
      raw(names.scales, DataType.FLOAT, [N, q.blocksPerRow], q.scales),
      raw(names.zeroPoints, DataType.UINT8, [N * q.zeroPointRowBytes], q.zeroPoints),
    ],
    makeReplacement: (node) => makeNode('MatMulNBits',
      [node.input[0], names.codes, names.scales, names.zeroPoints], node.output,
      { K, N, bits, block_size: blockSize }, node.name, MS_DOMAIN),
  };
}

// DynamicQuantizeMatMul takes W[K, N] as it is, with one scale and zero point per column N.
function quantizeDynamicMatMulWeight(values, [K, N], names) {
  // Quantize each column as one K-value block, then lay the [N, K] codes back out as [K, N].
  const q = quantizeBlockwise(values, { rows: N, cols: K, rowStride: 1, colStride: N }, 8, K, false);
  const codes = new Uint8Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) codes[k * N + n] = q.codes[n * K + k];
  return {
    initializers: [
      raw(names.codes, DataType.UINT8, [K, N], codes),
      raw(names.scales, DataType.FLOAT, [N], q.scales),
      raw(names.zeroPoints, DataType.UINT8, [N], q.zeroPoints),
    ],
    makeReplacement: (node) => makeNode('DynamicQuantizeMatMul',
      [node.input[0], names.codes, names.scales, names.zeroPoints], node.output, {}, node.name, MS_DOMAIN),
    // W = (float(codes) - float(zero point)) * scale, per column, then the float MatMul.
    makeConstantReplacement: (node, name) => {
      const [codes, zeroPoints, centered, weight] = ['float', 'zp_float', 'centered', 'dequantized'].map(name);
      return [
        makeNode('Cast', [names.codes], [codes], { to: DataType.FLOAT }, `${node.name}/cast_codes`),
        makeNode('Cast', [names.zeroPoints], [zeroPoints], { to: DataType.FLOAT }, `${node.name}/cast_zero_points`),
        makeNode('Sub', [codes, zeroPoints], [centered], {}, `${node.name}/center`),
        makeNode('Mul', [centered, names.scales], [weight], {}, `${node.name}/scale`),
        makeNode('MatMul', [node.input[0], weight], node.output, {}, node.name),
      ];
    },
  };
}

/** Names of the values computable from initializers alone (what ONNX Runtime constant-folds). */
function constantValues(graph) {
  const constants = new Set(graph.initializer.map((t) => t.name));
  for (const input of graph.input) constants.delete(input.name); // an overridable initializer
  for (const node of graph.node) {
    const inputs = node.input.filter(Boolean);
    if (node.opType === 'Constant' || (inputs.length > 0 && inputs.every((name) => constants.has(name)))) {
      for (const output of node.output) constants.add(output);
    }
  }
  return constants;
}

// A [rows, cols] lookup table, quantized along its rows; the data keeps the table's shape.
function quantizeGatherTable(values, [rows, cols], names, bits, blockSize) {
  const q = quantizeBlockwise(values, { rows, cols, rowStride: cols, colStride: 1 }, bits, blockSize, false);
  return {
    initializers: [
      raw(names.codes, DataType.UINT8, [rows, q.rowBytes], q.codes),
      raw(names.scales, DataType.FLOAT, [rows, q.blocksPerRow], q.scales),
      raw(names.zeroPoints, DataType.UINT8, [rows, q.zeroPointRowBytes], q.zeroPoints),
    ],
    makeReplacement: (node) => makeNode('GatherBlockQuantized',
      [names.codes, node.input[1], names.scales, names.zeroPoints], node.output,
      { gather_axis: 0, quantize_axis: 1, block_size: blockSize, bits }, node.name, MS_DOMAIN),
  };
}

function isWorthQuantizing(table, bits) {
  const [rows, cols] = table.dims.map(int64ToNumber);
  // 4-bit GatherBlockQuantized rows must fill whole bytes, so a table of odd width stays float.
  return rows >= MIN_GATHER_ROWS && (bits === 8 || cols % 2 === 0);
}

function parseOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError("quantizeModel options must be an object such as { dtype: 'q8' }.");
  }
  const bits = BITS[options.dtype];
  if (!bits) {
    throw new InvalidArgumentError(`options.dtype must be 'q8' or 'q4', got ${JSON.stringify(options.dtype)}.`);
  }
  // q8 runs faster with its activations quantized too (integer GEMM) on both backends; q4 has
  // only the weight-only scheme.
  const scheme = options.scheme ?? (bits === 8 ? 'dynamic' : 'matmulnbits');
  if (!SCHEMES.includes(scheme)) {
    throw new InvalidArgumentError(
      `options.scheme must be 'matmulnbits' or 'dynamic', got ${JSON.stringify(options.scheme)}.`);
  }
  // The WASM backend's integer GEMM is 8-bit only.
  if (scheme === 'dynamic' && bits !== 8) {
    throw new InvalidArgumentError("options.scheme 'dynamic' needs dtype 'q8' (its integer matmul is 8-bit only).");
  }
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE[options.dtype];
  // MatMulNBits and GatherBlockQuantized require a power of two of at least 16; 256 is the
  // largest size this module was checked with.
  if (!Number.isInteger(blockSize) || blockSize < 16 || blockSize > 256 || (blockSize & (blockSize - 1)) !== 0) {
    throw new InvalidArgumentError(`options.blockSize must be 16, 32, 64, 128 or 256, got ${blockSize}.`);
  }
  return { bits, blockSize, scheme };
}

function decodeInput(model) {
  if (model instanceof Uint8Array) {
    let proto;
    try {
      proto = decodeModel(model);
    } catch (cause) {
      throw new ModelFormatError('The bytes given to quantizeModel are not an ONNX model.', { cause });
    }
    if (!proto.graph) throw new ModelFormatError('The bytes given to quantizeModel hold no ONNX graph.');
    return proto;
  }
  if (model && typeof model === 'object' && model.graph) return model;
  throw new InvalidArgumentError('quantizeModel expects .onnx bytes (Uint8Array) or a decoded ModelProto.');
}

function raw(name, dataType, dims, typed) {
  return { name, dataType, dims, rawData: new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength) };
}

function uniqueName(base, taken) {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function withMicrosoftDomain(opsetImport) {
  if (opsetImport.some((o) => o.domain === MS_DOMAIN)) return opsetImport;
  return [...opsetImport, { domain: MS_DOMAIN, version: 1 }];
}
