// Reader for torch.save files in the zip format (the default since torch 1.6), as older Hub
// repositories ship them in pytorch_model.bin:
//   <archive>/data.pkl    the pickled state dict; each tensor names its storage by persistent id
//                         ('storage', torch.FloatStorage, key, location, numel)
//   <archive>/data/<key>  the raw bytes of that storage
//   <archive>/byteorder   "little" or "big" (newer torch only; absent means little-endian)
// The pickle goes through the restricted reader in pickle-vm.js with the allow-list below, so a
// malicious file can at worst be refused; nothing in it is ever executed.
// The zip is read by zip-reader.js, which checks the central directory against the bytes present;
// storages are read lazily, only those a float tensor of the pickle uses, each bounded by the size
// the pickle gives it, so an unreferenced or oversized entry is never inflated.
import { InvalidArgumentError, ModelFormatError, describeUntrusted, quoteUntrusted } from '../errors.js';
import { unpickle } from './pickle-vm.js';
import { readZipDirectory, readZipEntry } from './zip-reader.js';
import {
  DTYPE_BYTES, FLOAT_DTYPES, MAX_TENSOR_RANK, REFUSED_FLOAT_DTYPES, decodeFloats, elementCount, formatDims, lazyTensor,
} from './tensor-bytes.js';

/**
 * torch storage classes -> dtype (safetensors names, so both readers report the same dtype).
 * They are tags only: the persistent id carries one to say how to read a storage's bytes, and
 * they cannot be called. Integer and bool storages are here so that buffers such as
 * `embeddings.position_ids` (LongStorage) do not make a whole state dict unreadable.
 */
const STORAGE_DTYPES = new Map([
  ['FloatStorage', 'F32'], ['HalfStorage', 'F16'], ['BFloat16Storage', 'BF16'], ['DoubleStorage', 'F64'],
  ['LongStorage', 'I64'], ['IntStorage', 'I32'], ['ShortStorage', 'I16'], ['CharStorage', 'I8'],
  ['ByteStorage', 'U8'], ['BoolStorage', 'BOOL'],
]);

const RESAVE_HINT = 'Re-save it with torch.save(model.state_dict(), path) in an environment you trust, '
  + 'or use the model\'s model.safetensors.';

// data.pkl of a state dict is about 100 bytes per tensor (a few hundred KB for the largest
// models); a larger one is not a state dict, and is refused before it is inflated.
const MAX_PICKLE_BYTES = 64 * 2 ** 20;
// The byteorder record holds "little" or "big".
const MAX_BYTEORDER_BYTES = 16;

/** A storage's dtype tag (the stand-in for torch.FloatStorage etc.). Deliberately not callable. */
class StorageType {
  constructor(dtype) {
    this.dtype = dtype;
    Object.freeze(this);
  }
}

/**
 * One storage file. Its bytes are read on first use and then shared by every tensor viewing it
 * (tied weights); storages only non-float tensors use are never read.
 */
class Storage {
  constructor(dtype, numel, read) {
    Object.assign(this, { dtype, numel, read, cached: null });
  }

  get bytes() {
    this.cached ??= this.read();
    return this.cached;
  }
}

/**
 * A tensor rebuilt from the pickle, checked against its storage; `decode` (null for the non-float
 * ones we skip) reads the storage and copies the values out when the data is first wanted.
 */
class Tensor {
  constructor(dtype, dims, decode) {
    Object.assign(this, { dtype, dims, decode });
  }
}

/**
 * Read every float tensor of a torch.save zip holding a state dict.
 * @param {Uint8Array} bytes  the whole file
 * @param {import('./safetensors.js').ReadOptions} [options]
 * @returns {Map<string, import('./safetensors.js').FloatTensor>}  in state-dict order
 */
export function readPytorchBin(bytes, options = {}) {
  const label = options.name ?? 'pytorch_model.bin';
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError('readPytorchBin: expected the file as a Uint8Array.');
  }
  const fail = (problem, cause) =>
    new ModelFormatError(`${label}: ${problem}. ${RESAVE_HINT}`, cause === undefined ? undefined : { cause });

  // Zip-level problems all read "zip archive is damaged (...)": the fix is the same for each.
  const zipFail = (problem) => fail(`zip archive is damaged (${problem})`);
  const entries = zipDirectory(bytes, fail, zipFail);
  const prefix = archivePrefix(entries, fail);
  const entry = (name) => entries.get(prefix + name);
  const read = (name, want) => readZipEntry(bytes, entry(name), want, zipFail);
  const littleEndian = byteOrder(entry('byteorder') && read('byteorder', { atMost: MAX_BYTEORDER_BYTES }), fail);

  const storages = new Map(); // key -> Storage
  function persistentLoad(pid) {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage' || !(pid[1] instanceof StorageType)
      || typeof pid[2] !== 'string' || !isCount(pid[4])) {
      throw fail('a persistent id in data.pkl is not a torch storage reference');
    }
    const [, { dtype }, key, , numel] = pid;
    const name = quoteUntrusted(key, 100);
    if (!storages.has(key)) {
      const found = entry(`data/${key}`);
      if (!found) throw fail(`storage ${name} is referenced by data.pkl but ${prefix}data/${key.slice(0, 100)} is missing`);
      // Checked against the zip's declared size now (no bytes read); the read later inflates no more.
      const size = numel * DTYPE_BYTES.get(dtype);
      if (!Number.isSafeInteger(size) || found.size !== size) {
        throw fail(`storage ${name} should hold ${numel} ${dtype} values but has ${found.size} bytes`);
      }
      storages.set(key, new Storage(dtype, numel, () => read(`data/${key}`, { exactly: size })));
    }
    const storage = storages.get(key);
    if (storage.dtype !== dtype) throw fail(`storage ${name} is read as both ${storage.dtype} and ${dtype}`);
    return storage;
  }

  function rebuildTensor(storage, offset, size, stride /* , requiresGrad, backwardHooks, metadata */) {
    if (!(storage instanceof Storage)) throw fail('a tensor is not backed by a storage');
    if (!isCount(offset) || !isCountList(size) || !isCountList(stride) || size.length !== stride.length) {
      throw fail('a tensor has an invalid offset, size or stride');
    }
    if (size.length > MAX_TENSOR_RANK) throw fail(`a tensor has ${size.length} dimensions (at most ${MAX_TENSOR_RANK})`);
    // Copy the shape: pickles share tuples through the memo, callers may mutate dims.
    return materialize(storage, offset, size.slice(), stride, littleEndian, fail);
  }

  const globals = new Map([
    // torch.save writes OrderedDict() and then SETITEMS; items passed as arguments would be a
    // different writer, and silently dropping them would lose weights.
    ['collections.OrderedDict', (...args) => {
      if (args.length) throw fail('OrderedDict is rebuilt with arguments, which torch.save never writes');
      return new Map();
    }],
    ['torch._utils._rebuild_tensor_v2', rebuildTensor],
    ['torch._utils._rebuild_parameter', (data) => {
      if (!(data instanceof Tensor)) throw fail('_rebuild_parameter is not given a tensor');
      return data;
    }],
    ...[...STORAGE_DTYPES].map(([name, dtype]) => [`torch.${name}`, new StorageType(dtype)]),
  ]);
  // BUILD only ever sets the state dict's `_metadata` attribute (module versions, no weights).
  const build = (obj, state) => {
    if (!(obj instanceof Map) || !(state instanceof Map || state === null)) {
      throw fail('data.pkl sets state on something other than a state dict');
    }
  };

  const pickle = read('data.pkl', { atMost: MAX_PICKLE_BYTES });
  const root = unpickle(pickle, { globals, persistentLoad, build, label: `${label} (data.pkl)` });
  return collect(root, options.onSkip, fail);
}

function zipDirectory(bytes, fail, zipFail) {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isZip) {
    if (bytes[0] === 0x80) {
      throw fail('is a legacy torch.save file (torch < 1.6, or _use_new_zipfile_serialization=False), '
        + 'which is not supported; only the zip format is');
    }
    throw fail('is not a torch.save zip archive (no zip signature at the start)');
  }
  return readZipDirectory(bytes, zipFail);
}

/** The archive's folder name ("archive/" or the file's stem): the one holding data.pkl. */
function archivePrefix(entries, fail) {
  const prefixes = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n)).map((n) => n.slice(0, -'data.pkl'.length));
  if (prefixes.length !== 1) {
    throw fail(prefixes.length ? `holds ${prefixes.length} data.pkl files` : 'has no <archive>/data.pkl entry');
  }
  return prefixes[0];
}

function byteOrder(record, fail) {
  if (!record) return true;
  const text = new TextDecoder().decode(record).trim();
  if (text !== 'little' && text !== 'big') throw fail(`byteorder record says ${quoteUntrusted(text)}, expected little or big`);
  return text === 'little';
}

/** Check a (possibly strided) tensor view against its storage; decoding it to float32 comes later. */
function materialize(storage, offset, dims, strides, littleEndian, fail) {
  const { dtype } = storage;
  const count = elementCount(dims); // Infinity past 2^53: refused below, as no storage is that big
  // Last element reachable through the view; it must lie inside the storage. Summed with an
  // early exit, so huge strides cannot overflow into a small-looking number.
  let last = offset;
  for (let i = 0; i < dims.length && count > 0 && last < storage.numel; i++) last += (dims[i] - 1) * strides[i];
  if (count > 0 && last >= storage.numel) {
    throw fail(`a tensor of shape ${formatDims(dims)} at offset ${offset} reaches past its `
      + `${storage.numel}-element storage`);
  }
  if (REFUSED_FLOAT_DTYPES.has(dtype)) {
    throw fail(`a tensor is ${dtype}; only float32, float16 and bfloat16 weights can be converted`);
  }
  if (!FLOAT_DTYPES.has(dtype)) return new Tensor(dtype, dims, null);
  const width = DTYPE_BYTES.get(dtype);
  if (count === 0) return new Tensor(dtype, dims, () => new Float32Array(0));
  if (isContiguous(dims, strides)) {
    return new Tensor(dtype, dims,
      () => decodeFloats(storage.bytes.subarray(offset * width, (offset + count) * width), dtype, littleEndian));
  }
  // Non-contiguous (transposed, sliced, expanded...): decode the span it touches, then walk the
  // strides in row-major order so the result is an ordinary contiguous tensor. A zero stride can
  // make a view far larger than its storage; cap it there so a tiny file cannot demand gigabytes.
  if (count > storage.numel) {
    throw fail(`a tensor of shape ${formatDims(dims)} broadcasts a ${storage.numel}-element storage `
      + 'to more values than it holds; save tensor.contiguous() instead');
  }
  return new Tensor(dtype, dims, () => {
    const span = decodeFloats(storage.bytes.subarray(offset * width, (last + 1) * width), dtype, littleEndian);
    const out = new Float32Array(count);
    const index = new Array(dims.length).fill(0);
    let at = 0;
    for (let i = 0; i < count; i++) {
      out[i] = span[at];
      for (let d = dims.length - 1; d >= 0; d--) { // odometer step
        at += strides[d];
        if (++index[d] < dims[d]) break;
        at -= strides[d] * dims[d];
        index[d] = 0;
      }
    }
    return out;
  });
}

/** torch's rule: strides match row-major order, ignoring dimensions of size 1. */
function isContiguous(dims, strides) {
  let expected = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    if (dims[d] !== 1 && strides[d] !== expected) return false;
    expected *= dims[d];
  }
  return true;
}

function collect(root, onSkip, fail) {
  if (!(root instanceof Map)) throw fail('data.pkl does not hold a state dict (a dict of tensors)');
  const tensors = new Map();
  for (const [name, value] of root) {
    // Keys and values are described, never stringified: a key can be a deeply nested tuple.
    if (typeof name !== 'string') {
      throw fail(`a state dict key is ${describeUntrusted(name)}, not a tensor name; this looks like a `
        + 'training checkpoint rather than a state dict');
    }
    if (!(value instanceof Tensor)) {
      throw fail(`state dict entry ${quoteUntrusted(name)} is not a tensor (it is ${describeUntrusted(value)}); `
        + 'this looks like a training checkpoint rather than a state dict');
    }
    if (value.decode === null) onSkip?.({ name, dtype: value.dtype, dims: value.dims });
    else tensors.set(name, lazyTensor(value.dims, value.dtype, value.decode));
  }
  return tensors;
}

function isCount(v) {
  return Number.isSafeInteger(v) && v >= 0;
}

function isCountList(v) {
  return Array.isArray(v) && v.every(isCount);
}
