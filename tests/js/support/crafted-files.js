// Builders for hand-made model files, valid or lying on purpose, shared by the hostile-file and
// fuzz tests: zip archives laid out field by field (so a test can make any declared count, size or
// offset lie), pickles assembled from opcodes, and safetensors files from a header object.
import zlib from 'node:zlib';

const enc = new TextEncoder();

export function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Little-endian fields: le(2, 0x0403), le(8, 2 ** 40). */
function le(width, value) {
  const out = new Uint8Array(width);
  let v = BigInt(value);
  for (let i = 0; i < width; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/**
 * A zip archive written field by field, the way torch.save lays it out (stored entries, zip64 end
 * records). Each entry: {name, data, method = 0, size = data.length}: `data` is what the archive
 * holds (already deflated when method is 8), `size` the uncompressed size it declares.
 * @returns {{bytes: Uint8Array, at: {central: number[], centralStart: number, zip64Record: number, eocd: number}}}
 *   `at` gives the offsets of the records, so a test can overwrite any field
 */
export function craftZip(entries, { zip64 = true } = {}) {
  const parts = [];
  let offset = 0;
  const add = (bytes) => {
    parts.push(bytes);
    offset += bytes.length;
  };
  const locals = [];
  for (const { name, data, method = 0, size = data.length } of entries) {
    const nameBytes = enc.encode(name);
    locals.push(offset);
    add(concat([le(4, 0x04034b50), le(2, 45), le(2, 0), le(2, method), le(4, 0), le(4, 0),
      le(4, data.length), le(4, size), le(2, nameBytes.length), le(2, 0), nameBytes, data]));
  }
  const centralStart = offset;
  const central = [];
  entries.forEach(({ name, data, method = 0, size = data.length }, i) => {
    const nameBytes = enc.encode(name);
    central.push(offset);
    add(concat([le(4, 0x02014b50), le(2, 45), le(2, 45), le(2, 0), le(2, method), le(4, 0), le(4, 0),
      le(4, data.length), le(4, size), le(2, nameBytes.length), le(2, 0), le(2, 0), le(2, 0), le(2, 0), le(4, 0),
      le(4, locals[i]), nameBytes]));
  });
  const centralSize = offset - centralStart;
  const zip64Record = offset;
  if (zip64) {
    add(concat([le(4, 0x06064b50), le(8, 44), le(2, 45), le(2, 45), le(4, 0), le(4, 0),
      le(8, entries.length), le(8, entries.length), le(8, centralSize), le(8, centralStart)]));
    add(concat([le(4, 0x07064b50), le(4, 0), le(8, zip64Record), le(4, 1)]));
  }
  const eocd = offset;
  add(concat([le(4, 0x06054b50), le(2, 0), le(2, 0), le(2, entries.length), le(2, entries.length),
    le(4, centralSize), le(4, centralStart), le(2, 0)]));
  return { bytes: concat(parts), at: { central, centralStart, zip64Record, eocd } };
}

/** Overwrites a little-endian field of `bytes` (a copy is not made). */
export function poke(bytes, at, width, value) {
  bytes.set(le(width, value), at);
  return bytes;
}

/**
 * Raw deflate data that inflates to `megabytes` MB of zeros, built by repeating one byte-aligned
 * 1 MB block run (sync flush) and closing with an empty final block: about 1 KB per MB.
 */
export function deflateBomb(megabytes) {
  const chunk = zlib.deflateRawSync(new Uint8Array(2 ** 20), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const end = zlib.deflateRawSync(new Uint8Array(0));
  return concat([...new Array(megabytes).fill(chunk), end]);
}

// ---------------------------------------------------------------- pickles

const u32 = (n) => [...le(4, n)];
export const op = {
  proto: [0x80, 2],
  mark: 0x28,
  stop: 0x2e,
  tuple: 0x74,
  tuple1: 0x85,
  emptyTuple: 0x29,
  emptyList: 0x5d,
  emptyDict: 0x7d,
  append: 0x61,
  appends: 0x65,
  setitem: 0x73,
  setitems: 0x75,
  reduce: 0x52,
  build: 0x62,
  persid: 0x51,
  none: 0x4e,
  newTrue: 0x88,
  newFalse: 0x89,
  stackGlobal: 0x93,
  dup: 0x32,
  global: (module, name) => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  str: (s) => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  int: (n) => [0x4a, ...le(4, n >>> 0)],
};
export const tup = (...items) => [op.mark, ...items, op.tuple];
/** Opcode lists (nested arrays of bytes) -> one Uint8Array. */
export const pickle = (...parts) => Uint8Array.from(parts.flat(Infinity));
export const orderedDict = () => [op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce];

/** torch._utils._rebuild_tensor_v2(storage, 0, dims, contiguous strides, False, OrderedDict()) */
export function torchTensor({ key, numel, dims, storage = 'FloatStorage' }) {
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const pid = tup(op.str('storage'), op.global('torch', storage), op.str(key), op.str('cpu'), op.int(numel));
  return [
    op.global('torch._utils', '_rebuild_tensor_v2'),
    tup(pid, op.persid, op.int(0), tup(...dims.map(op.int)), tup(...strides.map(op.int)), op.newFalse, orderedDict()),
    op.reduce,
  ];
}

/** data.pkl of an OrderedDict state dict: entries = [[name, opcodes of the value]]. */
export function stateDictPickle(entries) {
  return pickle(op.proto, orderedDict(), op.mark, entries.map(([name, value]) => [op.str(name), value]),
    op.setitems, op.stop);
}

/** A small valid torch.save zip: one F32 tensor "w" of `values`, stored as data/0. */
export function smallTorchZip(values = [1, 2, 3, 4]) {
  const data = new Uint8Array(new Float32Array(values).buffer);
  const pkl = stateDictPickle([['w', torchTensor({ key: '0', numel: values.length, dims: [values.length] })]]);
  return craftZip([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: enc.encode('little') },
    { name: 'archive/data/0', data },
  ]);
}

// ---------------------------------------------------------------- safetensors

/** A safetensors file from a header object (or raw header text) and a data block. */
export function rawSafetensors(header, data = new Uint8Array(0), headerText = JSON.stringify(header)) {
  const json = enc.encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A valid safetensors file: tensors = [{name, dtype, shape, bytes}], back to back. */
export function safetensorsFile(tensors) {
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const { name, dtype, shape, bytes } of tensors) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  return rawSafetensors(header, concat(tensors.map((t) => t.bytes)));
}
