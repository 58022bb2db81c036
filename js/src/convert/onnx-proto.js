// ONNX protobuf messages, plus a few helpers to build models.
//
// The messages are encoded and decoded by static code that pbjs (protobufjs-cli) generated from
// js/proto/onnx.proto (onnx-proto.generated.js; `npm run gen:onnx-proto` regenerates it). Why not
// protobufjs reflection: it compiles its encoders/decoders with new Function(), so every page
// using the package would need 'unsafe-eval' in its Content-Security-Policy; the generated code
// needs only protobufjs/minimal (reader/writer, no eval).
// Field names are protobufjs-style camelCase (irVersion, rawData, opsetImport, ...).
// int64 fields decode to Long objects (protobufjs ships `long`; a browser bundle without it gives
// numbers); use int64ToNumber to read them. Encoding accepts plain numbers for int64 fields.
import { onnx } from './onnx-proto.generated.js';

/** The generated message classes by name: onnx.ModelProto.decode(bytes), onnx.TensorProto.encode(t), ... */
export { onnx };

/** TensorProto.DataType values by name, e.g. DataType.FLOAT === 1. */
export const DataType = Object.freeze({ ...onnx.TensorProto.DataType });
/** AttributeProto.AttributeType values by name, e.g. AttributeType.INTS === 7. */
export const AttributeType = Object.freeze({ ...onnx.AttributeProto.AttributeType });
/** TensorProto.DataLocation: DEFAULT (inline) or EXTERNAL (bytes in a side file). */
export const DataLocation = Object.freeze({ ...onnx.TensorProto.DataLocation });

/** Parse a serialized .onnx file. */
export function decodeModel(bytes) {
  return onnx.ModelProto.decode(bytes);
}

/** Serialize a ModelProto (a decoded message or a plain object with the same camelCase fields). */
export function encodeModel(model) {
  return onnx.ModelProto.encode(model).finish();
}

/** int64 fields decode as Long (or number); this gives a JS number (exact below 2^53). */
export function int64ToNumber(value) {
  return typeof value === 'number' ? value : Number(value.toString());
}

// Typed array class for each data type stored as little-endian raw_data.
const typedArrayOf = {
  [DataType.FLOAT]: Float32Array,
  [DataType.DOUBLE]: Float64Array,
  [DataType.INT8]: Int8Array,
  [DataType.UINT8]: Uint8Array,
  [DataType.INT16]: Int16Array,
  [DataType.UINT16]: Uint16Array,
  [DataType.INT32]: Int32Array,
  [DataType.UINT32]: Uint32Array,
  [DataType.INT64]: BigInt64Array,
  [DataType.UINT64]: BigUint64Array,
  [DataType.BOOL]: Uint8Array,
  [DataType.FLOAT16]: Uint16Array,
};

function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A TensorProto whose values are stored in raw_data (the compact form exporters use).
 * `data` is a typed array matching dataType (BigInt64Array for INT64) or a plain number array.
 */
export function makeTensor(name, dataType, dims, data) {
  const Ctor = typedArrayOf[dataType];
  if (!Ctor) throw new TypeError(`makeTensor: unsupported data type ${dataType}`);
  let typed = data;
  if (!(data instanceof Ctor)) {
    typed = Ctor === BigInt64Array || Ctor === BigUint64Array
      ? Ctor.from(data, (v) => BigInt(v))
      : Ctor.from(data);
  }
  // protobuf raw_data is little-endian; typed arrays use the platform order, which is
  // little-endian on every platform onnxruntime supports.
  return { name, dataType, dims: [...dims], rawData: bytesOf(typed) };
}

/** Values of a TensorProto with inline data as a typed array (raw_data or the typed *_data fields). */
export function tensorToArray(tensor) {
  const Ctor = typedArrayOf[tensor.dataType];
  if (!Ctor) throw new TypeError(`tensorToArray: unsupported data type ${tensor.dataType}`);
  if (tensor.dataLocation === DataLocation.EXTERNAL) {
    throw new TypeError(`tensorToArray: tensor ${tensor.name} keeps its data in an external file`);
  }
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    // Copy so the result is aligned and independent of the decoded buffer (in Node, raw is a
    // Buffer view whose slice() would not copy).
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
  }
  switch (tensor.dataType) {
    case DataType.FLOAT: return Float32Array.from(tensor.floatData ?? []);
    case DataType.DOUBLE: return Float64Array.from(tensor.doubleData ?? []);
    case DataType.INT64: return BigInt64Array.from(tensor.int64Data ?? [], (v) => BigInt(v.toString()));
    case DataType.UINT64: return BigUint64Array.from(tensor.uint64Data ?? [], (v) => BigInt(v.toString()));
    // The spec stores every small integer type (and FLOAT16 bits) in int32_data.
    default: return Ctor.from(tensor.int32Data ?? []);
  }
}

/** An AttributeProto; the type is inferred from the JS value unless `type` is given. */
export function makeAttribute(name, value, type) {
  const t = type ?? inferAttributeType(value);
  const attr = { name, type: t };
  switch (t) {
    case AttributeType.FLOAT: attr.f = value; break;
    case AttributeType.INT: attr.i = value; break;
    case AttributeType.STRING: attr.s = new TextEncoder().encode(value); break;
    case AttributeType.TENSOR: attr.t = value; break;
    case AttributeType.GRAPH: attr.g = value; break;
    case AttributeType.FLOATS: attr.floats = [...value]; break;
    case AttributeType.INTS: attr.ints = [...value]; break;
    case AttributeType.STRINGS: attr.strings = value.map((s) => new TextEncoder().encode(s)); break;
    default: throw new TypeError(`makeAttribute: unsupported attribute type ${t} for ${name}`);
  }
  return attr;
}

function inferAttributeType(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? AttributeType.INT : AttributeType.FLOAT;
  if (typeof value === 'string') return AttributeType.STRING;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return AttributeType.STRINGS;
    return value.every(Number.isInteger) ? AttributeType.INTS : AttributeType.FLOATS;
  }
  if (value && value.dataType !== undefined) return AttributeType.TENSOR;
  throw new TypeError('makeAttribute: cannot infer the attribute type; pass it explicitly');
}

/**
 * A NodeProto. `attributes` is an object {name: value}; a value may also be a ready AttributeProto
 * (use that to force FLOAT for an integral number, e.g. makeAttribute('alpha', 1, AttributeType.FLOAT)).
 */
export function makeNode(opType, inputs, outputs, attributes = {}, name = '', domain = '') {
  const attribute = Object.entries(attributes).map(([key, v]) =>
    v && typeof v === 'object' && v.type !== undefined && v.name === key ? v : makeAttribute(key, v));
  return { opType, input: [...inputs], output: [...outputs], name, domain, attribute };
}

/** A ValueInfoProto for a tensor; each dim is a number (fixed) or a string (symbolic, e.g. 'batch'). */
export function makeTensorValueInfo(name, elemType, shape) {
  const dim = shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}
