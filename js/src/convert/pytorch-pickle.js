// Reader for torch.save files in the zip format (the default since torch 1.6), as older Hub
// repositories ship them in pytorch_model.bin:
//   <archive>/data.pkl    the pickled state dict; each tensor names its storage by persistent id
//                         ('storage', torch.FloatStorage, key, location, numel)
//   <archive>/data/<key>  the raw bytes of that storage
//   <archive>/byteorder   "little" or "big" (newer torch only; absent means little-endian)
// The pickle goes through the restricted reader in pickle-vm.js with the allow-list below, so a
// malicious file can at worst be refused; nothing in it is ever executed.
import { unzipSync } from 'fflate';
import { InvalidArgumentError, ModelFormatError } from '../errors.js';
import { unpickle } from './pickle-vm.js';
import { DTYPE_BYTES, FLOAT_DTYPES, REFUSED_FLOAT_DTYPES, decodeFloats } from './tensor-bytes.js';

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

/** A storage's dtype tag (the stand-in for torch.FloatStorage etc.). Deliberately not callable. */
class StorageType {
  constructor(dtype) {
    this.dtype = dtype;
    Object.freeze(this);
  }
}

/** One storage file, read once even when several tensors view it (tied weights). */
class Storage {
  constructor(dtype, numel, bytes) {
    Object.assign(this, { dtype, numel, bytes });
  }
}

/** A tensor rebuilt from the pickle; `data` is null for the non-float ones we skip. */
class Tensor {
  constructor(dtype, dims, data) {
    Object.assign(this, { dtype, dims, data });
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

  const files = unzipTorchArchive(bytes, fail);
  const prefix = archivePrefix(files, fail);
  const entry = (name) => (Object.hasOwn(files, prefix + name) ? files[prefix + name] : undefined);
  const littleEndian = byteOrder(entry('byteorder'), fail);

  const storages = new Map(); // key -> Storage
  function persistentLoad(pid) {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage' || !(pid[1] instanceof StorageType)
      || typeof pid[2] !== 'string' || !isCount(pid[4])) {
      throw fail('a persistent id in data.pkl is not a torch storage reference');
    }
    const [, { dtype }, key, , numel] = pid;
    if (!storages.has(key)) {
      const data = entry(`data/${key}`);
      if (!data) throw fail(`storage "${key}" is referenced by data.pkl but ${prefix}data/${key} is missing`);
      if (data.length !== numel * DTYPE_BYTES.get(dtype)) {
        throw fail(`storage "${key}" should hold ${numel} ${dtype} values but has ${data.length} bytes`);
      }
      storages.set(key, new Storage(dtype, numel, data));
    }
    const storage = storages.get(key);
    if (storage.dtype !== dtype) throw fail(`storage "${key}" is read as both ${storage.dtype} and ${dtype}`);
    return storage;
  }

  function rebuildTensor(storage, offset, size, stride /* , requiresGrad, backwardHooks, metadata */) {
    if (!(storage instanceof Storage)) throw fail('a tensor is not backed by a storage');
    if (!isCount(offset) || !isCountList(size) || !isCountList(stride) || size.length !== stride.length) {
      throw fail('a tensor has an invalid offset, size or stride');
    }
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

  const root = unpickle(entry('data.pkl'), { globals, persistentLoad, build, label: `${label} (data.pkl)` });
  return collect(root, options.onSkip, fail);
}

function unzipTorchArchive(bytes, fail) {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isZip) {
    if (bytes[0] === 0x80) {
      throw fail('is a legacy torch.save file (torch < 1.6, or _use_new_zipfile_serialization=False), '
        + 'which is not supported; only the zip format is');
    }
    throw fail('is not a torch.save zip archive (no zip signature at the start)');
  }
  try {
    // Extract only what we read: the pickle, the byte order record and the storages.
    return unzipSync(bytes, { filter: (f) => /^[^/]+\/(?:data\.pkl|byteorder|data\/[^/]+)$/.test(f.name) });
  } catch (cause) {
    throw fail(`zip archive is damaged (${cause.message})`, cause);
  }
}

function archivePrefix(files, fail) {
  const prefixes = Object.keys(files).filter((n) => n.endsWith('/data.pkl')).map((n) => n.slice(0, -'data.pkl'.length));
  if (prefixes.length !== 1) {
    throw fail(prefixes.length ? `holds ${prefixes.length} data.pkl files` : 'has no <archive>/data.pkl entry');
  }
  return prefixes[0];
}

function byteOrder(record, fail) {
  if (!record) return true;
  const text = new TextDecoder().decode(record).trim();
  if (text !== 'little' && text !== 'big') throw fail(`byteorder record says "${text}", expected little or big`);
  return text === 'little';
}

/** Copy a (possibly strided) tensor view out of its storage as float32. */
function materialize(storage, offset, dims, strides, littleEndian, fail) {
  const { dtype } = storage;
  const count = dims.reduce((a, b) => a * b, 1);
  // Last element reachable through the view; it must lie inside the storage.
  const last = offset + dims.reduce((sum, d, i) => sum + (d - 1) * strides[i], 0);
  if (count > 0 && last >= storage.numel) {
    throw fail(`a tensor of shape [${dims.join(', ')}] at offset ${offset} reaches past its `
      + `${storage.numel}-element storage`);
  }
  if (REFUSED_FLOAT_DTYPES.has(dtype)) {
    throw fail(`a tensor is ${dtype}; only float32, float16 and bfloat16 weights can be converted`);
  }
  if (!FLOAT_DTYPES.has(dtype)) return new Tensor(dtype, dims, null);
  const width = DTYPE_BYTES.get(dtype);
  if (count === 0) return new Tensor(dtype, dims, new Float32Array(0));
  if (isContiguous(dims, strides)) {
    const data = decodeFloats(storage.bytes.subarray(offset * width, (offset + count) * width), dtype, littleEndian);
    return new Tensor(dtype, dims, data);
  }
  // Non-contiguous (transposed, sliced, expanded...): decode the span it touches, then walk the
  // strides in row-major order so the result is an ordinary contiguous tensor. A zero stride can
  // make a view far larger than its storage; cap it there so a tiny file cannot demand gigabytes.
  if (count > storage.numel) {
    throw fail(`a tensor of shape [${dims.join(', ')}] broadcasts a ${storage.numel}-element storage `
      + 'to more values than it holds; save tensor.contiguous() instead');
  }
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
  return new Tensor(dtype, dims, out);
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
    if (typeof name !== 'string' || !(value instanceof Tensor)) {
      throw fail(`state dict entry ${JSON.stringify(String(name))} is not a tensor; this looks like a `
        + 'training checkpoint rather than a state dict');
    }
    if (value.data === null) onSkip?.({ name, dtype: value.dtype, dims: value.dims });
    else tensors.set(name, { dims: value.dims, dtype: value.dtype, data: value.data });
  }
  return tensors;
}

function isCount(v) {
  return Number.isSafeInteger(v) && v >= 0;
}

function isCountList(v) {
  return Array.isArray(v) && v.every(isCount);
}
