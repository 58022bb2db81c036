// Reader for the safetensors format (https://huggingface.co/docs/safetensors):
//   [8 bytes: header length N, u64 little-endian][N bytes: JSON header][data block]
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
// to the data block) plus an optional "__metadata__" object of strings.
// Validation mirrors the reference library: anything it would refuse is refused here too,
// so a file we accept is one the Python tooling accepts. Every declared length, offset and shape
// is checked against the bytes present before anything is decoded or allocated, shape products
// are computed without float overflow, and messages quote header values by type and size
// (a header is up to 100 MB of JSON that anyone can write).
import { InvalidArgumentError, ModelFormatError, describeUntrusted, quoteUntrusted } from '../errors.js';
import {
  DTYPE_BYTES, FLOAT_DTYPES, MAX_TENSOR_RANK, REFUSED_FLOAT_DTYPES, decodeFloats, elementCount, formatDims, lazyTensor,
} from './tensor-bytes.js';

/** The reference implementation caps the header at 100 MB; a larger one is corruption, not a model. */
const MAX_HEADER_BYTES = 100_000_000;

const RESAVE_HINT = 'The file is damaged or not a safetensors file: download it again, '
  + 'or re-save it with safetensors.torch.save_file().';

/**
 * @typedef {{dims: number[], dtype: string, data: Float32Array}} FloatTensor
 *   `dtype` is the dtype stored in the file ('F32', 'F16' or 'BF16'); `data` is always float32.
 * @typedef {{name?: string, onSkip?: (t: {name: string, dtype: string, dims: number[]}) => void}} ReadOptions
 *   `name` labels error messages; `onSkip` hears about each non-float tensor (e.g. an I64
 *   `position_ids` buffer), which is left out of the result.
 */

/**
 * Read every float tensor of a safetensors file.
 * @param {Uint8Array} bytes  the whole file
 * @param {ReadOptions} [options]
 * @returns {Map<string, FloatTensor>}  in header order
 */
export function readSafetensors(bytes, options = {}) {
  const label = options.name ?? 'safetensors file';
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`readSafetensors: expected the file as a Uint8Array, got ${describe(bytes)}.`);
  }
  const fail = (problem, fix = RESAVE_HINT) => new ModelFormatError(`${label}: ${problem}. ${fix}`);

  if (bytes.length < 8) {
    throw fail(`is only ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // u64 read as two u32 halves; exact for every value that can possibly fit in memory.
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > bytes.length - 8) {
    throw fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes); `
      + 'the file is truncated or is not safetensors');
  }
  if (headerLength > MAX_HEADER_BYTES) throw fail(`header length ${headerLength} exceeds the 100 MB limit`);

  const header = parseHeader(bytes.subarray(8, 8 + headerLength), fail);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const entries = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(info)) throw fail('"__metadata__" in the header is not an object');
      continue;
    }
    entries.push(checkEntry(name, info, dataLength, fail));
  }
  checkLayout(entries, dataLength, fail);

  const tensors = new Map();
  for (const { name, dtype, dims, begin, end } of entries) {
    if (!FLOAT_DTYPES.has(dtype)) {
      options.onSkip?.({ name, dtype, dims });
      continue;
    }
    tensors.set(name, lazyTensor(dims, dtype, () => decodeFloats(bytes.subarray(dataStart + begin, dataStart + end), dtype, true)));
  }
  return tensors;
}

function parseHeader(headerBytes, fail) {
  let text;
  let header;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw fail('header is not valid UTF-8');
  }
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw fail(`header is not valid JSON (${cause.message})`);
  }
  if (!isPlainObject(header)) throw fail('header JSON is not an object of tensors');
  return header;
}

/** Validate one header entry on its own: dtype, shape, offsets, and size agreeing with shape. */
function checkEntry(name, info, dataLength, fail) {
  const where = `tensor ${quoteUntrusted(name)}`;
  if (!isPlainObject(info)) throw fail(`${where} in the header is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !DTYPE_BYTES.has(dtype)) {
    throw fail(`${where} has unknown dtype ${quoteUntrusted(dtype, 40)} (known: ${[...DTYPE_BYTES.keys()].join(', ')})`);
  }
  if (REFUSED_FLOAT_DTYPES.has(dtype)) {
    throw fail(`${where} is ${dtype}; only F32, F16 and BF16 weights can be converted`,
      'Re-save the model in float32, float16 or bfloat16 (e.g. model.float()) and convert that.');
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`${where} has shape ${showJson(shape)}; expected an array of non-negative integers`);
  }
  if (shape.length > MAX_TENSOR_RANK) throw fail(`${where} has ${shape.length} dimensions (at most ${MAX_TENSOR_RANK})`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`${where} has data_offsets ${showJson(offsets)}; expected [begin, end] byte offsets`);
  }
  const [begin, end] = offsets;
  if (begin > end || end > dataLength) {
    throw fail(`${where} has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data block`
      + (end > dataLength ? '; the file looks truncated' : ''));
  }
  // Infinity when the shape alone passes 2^53 elements: it can never match a real span.
  const expected = elementCount(shape) * DTYPE_BYTES.get(dtype);
  if (end - begin !== expected) {
    const needs = Number.isSafeInteger(expected) ? `${expected} bytes` : 'more bytes than any file holds';
    throw fail(`${where} (${dtype}, shape ${formatDims(shape)}) needs ${needs} `
      + `but its data_offsets span ${end - begin}`);
  }
  return { name, dtype, dims: shape.slice(), begin, end };
}

/** Tensors must tile the data block exactly: no overlaps, no holes, no trailing bytes. */
function checkLayout(entries, dataLength, fail) {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous = null;
  for (const entry of sorted) {
    if (entry.begin < covered) {
      throw fail(`tensors ${quoteUntrusted(previous.name)} and ${quoteUntrusted(entry.name)} overlap in the data block`);
    }
    if (entry.begin > covered) {
      throw fail(`bytes ${covered}..${entry.begin} of the data block belong to no tensor`);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    throw fail(`the data block has ${dataLength - covered} bytes after the last tensor`);
  }
}

/** A header value for a message: short arrays item by item, anything bigger by type and size. */
function showJson(value) {
  const one = (v) => (typeof v === 'string' ? quoteUntrusted(v, 40)
    : v === null || typeof v !== 'object' ? String(v) : describeUntrusted(v));
  return Array.isArray(value) && value.length <= 8 ? `[${value.map(one).join(', ')}]` : one(value);
}

function isCount(v) {
  return Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v) {
  return v === null ? 'null' : typeof v === 'object' ? v.constructor?.name ?? 'object' : typeof v;
}
