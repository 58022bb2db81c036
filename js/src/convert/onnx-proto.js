// The ONNX protobuf schema, loaded once with protobufjs, plus a few helpers to build models.
//
// Why a hand-written schema instead of a .proto file or generated code: the project must run in
// browsers (no fs to read a .proto), and one protobufjs copy is enough. The schema below is the
// subset of onnx/onnx.proto (IR version 8+, field numbers from the spec) that ONNX models use;
// fields we leave out would be dropped when a model is decoded and re-encoded, so every field
// a standard model can carry is listed (functions and training info included).
// Field names are protobufjs-style camelCase (irVersion, rawData, opsetImport, ...).
// int64 fields decode to Long objects (protobufjs ships `long`); use int64ToNumber to read them.
// Encoding accepts plain numbers for int64 fields.
import protobuf from 'protobufjs/light.js';

const f = (id, type, rule) => (rule ? { id, type, rule } : { id, type });
const rep = (id, type) => f(id, type, 'repeated');
// onnx.proto is proto2: repeated numbers are unpacked unless the spec says [packed = true].
const packed = (id, type) => ({ id, type, rule: 'repeated', options: { packed: true } });

const schema = {
  nested: {
    onnx: {
      nested: {
        Version: {
          values: {
            _START_VERSION: 0, IR_VERSION_2017_10_10: 1, IR_VERSION_2017_10_30: 2,
            IR_VERSION_2017_11_3: 3, IR_VERSION_2019_1_22: 4, IR_VERSION_2019_3_18: 5,
            IR_VERSION_2019_9_19: 6, IR_VERSION_2020_5_8: 7, IR_VERSION_2021_7_30: 8,
            IR_VERSION_2023_5_5: 9, IR_VERSION_2024_3_25: 10, IR_VERSION: 11,
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            refAttrName: f(21, 'string'),
            docString: f(13, 'string'),
            type: f(20, 'AttributeType'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            g: f(6, 'GraphProto'),
            sparseTensor: f(22, 'SparseTensorProto'),
            tp: f(14, 'TypeProto'),
            floats: rep(7, 'float'),
            ints: rep(8, 'int64'),
            strings: rep(9, 'bytes'),
            tensors: rep(10, 'TensorProto'),
            graphs: rep(11, 'GraphProto'),
            sparseTensors: rep(23, 'SparseTensorProto'),
            typeProtos: rep(15, 'TypeProto'),
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11,
                TYPE_PROTO: 13, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
                SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: f(1, 'string'),
            type: f(2, 'TypeProto'),
            docString: f(3, 'string'),
            metadataProps: rep(4, 'StringStringEntryProto'),
          },
        },
        NodeProto: {
          fields: {
            input: rep(1, 'string'),
            output: rep(2, 'string'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            domain: f(7, 'string'),
            overload: f(8, 'string'),
            attribute: rep(5, 'AttributeProto'),
            docString: f(6, 'string'),
            metadataProps: rep(9, 'StringStringEntryProto'),
          },
        },
        TrainingInfoProto: {
          fields: {
            initialization: f(1, 'GraphProto'),
            algorithm: f(2, 'GraphProto'),
            initializationBinding: rep(3, 'StringStringEntryProto'),
            updateBinding: rep(4, 'StringStringEntryProto'),
          },
        },
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            opsetImport: rep(8, 'OperatorSetIdProto'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            metadataProps: rep(14, 'StringStringEntryProto'),
            trainingInfo: rep(20, 'TrainingInfoProto'),
            functions: rep(25, 'FunctionProto'),
          },
        },
        StringStringEntryProto: {
          fields: { key: f(1, 'string'), value: f(2, 'string') },
        },
        TensorAnnotation: {
          fields: {
            tensorName: f(1, 'string'),
            quantParameterTensorNames: rep(2, 'StringStringEntryProto'),
          },
        },
        GraphProto: {
          fields: {
            node: rep(1, 'NodeProto'),
            name: f(2, 'string'),
            initializer: rep(5, 'TensorProto'),
            sparseInitializer: rep(15, 'SparseTensorProto'),
            docString: f(10, 'string'),
            input: rep(11, 'ValueInfoProto'),
            output: rep(12, 'ValueInfoProto'),
            valueInfo: rep(13, 'ValueInfoProto'),
            quantizationAnnotation: rep(14, 'TensorAnnotation'),
            metadataProps: rep(16, 'StringStringEntryProto'),
          },
        },
        TensorProto: {
          fields: {
            dims: rep(1, 'int64'),
            dataType: f(2, 'int32'),
            segment: f(3, 'Segment'),
            floatData: packed(4, 'float'),
            int32Data: packed(5, 'int32'),
            stringData: rep(6, 'bytes'),
            int64Data: packed(7, 'int64'),
            name: f(8, 'string'),
            docString: f(12, 'string'),
            rawData: f(9, 'bytes'),
            externalData: rep(13, 'StringStringEntryProto'),
            dataLocation: f(14, 'DataLocation'),
            doubleData: packed(10, 'double'),
            uint64Data: packed(11, 'uint64'),
            metadataProps: rep(16, 'StringStringEntryProto'),
          },
          nested: {
            DataType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7,
                STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14,
                COMPLEX128: 15, BFLOAT16: 16, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19,
                FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22, FLOAT4E2M1: 23,
              },
            },
            Segment: { fields: { begin: f(1, 'int64'), end: f(2, 'int64') } },
            DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } },
          },
        },
        SparseTensorProto: {
          fields: {
            values: f(1, 'TensorProto'),
            indices: f(2, 'TensorProto'),
            dims: rep(3, 'int64'),
          },
        },
        TensorShapeProto: {
          fields: { dim: rep(1, 'Dimension') },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string'), denotation: f(3, 'string') },
            },
          },
        },
        TypeProto: {
          oneofs: {
            value: {
              oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType'],
            },
          },
          fields: {
            tensorType: f(1, 'Tensor'),
            sequenceType: f(4, 'Sequence'),
            mapType: f(5, 'Map'),
            optionalType: f(9, 'Optional'),
            sparseTensorType: f(8, 'SparseTensor'),
            denotation: f(6, 'string'),
          },
          nested: {
            Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
            Sequence: { fields: { elemType: f(1, 'TypeProto') } },
            Map: { fields: { keyType: f(1, 'int32'), valueType: f(2, 'TypeProto') } },
            Optional: { fields: { elemType: f(1, 'TypeProto') } },
            SparseTensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: f(1, 'string'), version: f(2, 'int64') },
        },
        FunctionProto: {
          fields: {
            name: f(1, 'string'),
            input: rep(4, 'string'),
            output: rep(5, 'string'),
            attribute: rep(6, 'string'),
            attributeProto: rep(11, 'AttributeProto'),
            node: rep(7, 'NodeProto'),
            docString: f(8, 'string'),
            opsetImport: rep(9, 'OperatorSetIdProto'),
            domain: f(10, 'string'),
            overload: f(13, 'string'),
            valueInfo: rep(12, 'ValueInfoProto'),
            metadataProps: rep(14, 'StringStringEntryProto'),
          },
        },
      },
    },
  },
};

// protobufjs treats message types from JSON as proto3 (no field presence) unless told otherwise;
// as proto3 it would drop zero values such as an attribute `axis = 0`, so mark every message proto2.
(function markProto2(ns) {
  for (const item of Object.values(ns.nested ?? {})) {
    if (item.fields) item.edition = 'proto2';
    markProto2(item);
  }
})(schema);

const root = protobuf.Root.fromJSON(schema);

/** The `onnx` namespace: onnx.ModelProto, onnx.TensorProto, ... (protobufjs Types). */
export const onnx = {
  ModelProto: root.lookupType('onnx.ModelProto'),
  GraphProto: root.lookupType('onnx.GraphProto'),
  NodeProto: root.lookupType('onnx.NodeProto'),
  AttributeProto: root.lookupType('onnx.AttributeProto'),
  TensorProto: root.lookupType('onnx.TensorProto'),
  ValueInfoProto: root.lookupType('onnx.ValueInfoProto'),
  TypeProto: root.lookupType('onnx.TypeProto'),
  TensorShapeProto: root.lookupType('onnx.TensorShapeProto'),
  OperatorSetIdProto: root.lookupType('onnx.OperatorSetIdProto'),
  StringStringEntryProto: root.lookupType('onnx.StringStringEntryProto'),
};

/** TensorProto.DataType values by name, e.g. DataType.FLOAT === 1. */
export const DataType = Object.freeze({ ...root.lookupEnum('onnx.TensorProto.DataType').values });
/** AttributeProto.AttributeType values by name, e.g. AttributeType.INTS === 7. */
export const AttributeType = Object.freeze({ ...root.lookupEnum('onnx.AttributeProto.AttributeType').values });
/** TensorProto.DataLocation: DEFAULT (inline) or EXTERNAL (bytes in a side file). */
export const DataLocation = Object.freeze({ ...root.lookupEnum('onnx.TensorProto.DataLocation').values });

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
