// Raw tensor bytes -> Float32Array, bit-exact. Both weight readers (safetensors and torch.save)
// decode through here, so the two formats give identical numbers for identical weights.
// Byte order is always explicit: a big-endian host, or a file written big-endian, still decodes right.

/** Byte width of every dtype we can at least measure, by safetensors name. */
export const DTYPE_BYTES = new Map([
  ['F64', 8], ['F32', 4], ['F16', 2], ['BF16', 2], ['F8_E4M3', 1], ['F8_E5M2', 1],
  ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1], ['U64', 8], ['U32', 4], ['U16', 2], ['U8', 1],
  ['BOOL', 1],
]);

/** Dtypes converted to float32 exactly (every F16 and BF16 value is representable in float32). */
export const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);

/**
 * Floating dtypes we refuse rather than skip: silently dropping them would lose real weights,
 * and they do not fit float32 exactly (F64) or are not supported here (FP8).
 */
export const REFUSED_FLOAT_DTYPES = new Set(['F64', 'F8_E4M3', 'F8_E5M2']);

/**
 * Most dimensions a weight tensor may have. torch itself stops at 64; weights use 1 to 4. The
 * cap keeps shape loops and messages small whatever a header declares.
 */
export const MAX_TENSOR_RANK = 64;

/**
 * Number of elements of a shape, exactly, or Infinity once it passes Number.MAX_SAFE_INTEGER
 * (no file holds that many, and a float product past 2^53 would round). 0 if any dimension is 0.
 * @param {number[]} dims  non-negative safe integers
 * @returns {number}
 */
export function elementCount(dims) {
  if (dims.includes(0)) return 0;
  let count = 1;
  for (const d of dims) {
    if (count > Number.MAX_SAFE_INTEGER / d) return Infinity;
    count *= d;
  }
  return count;
}

/** A shape for an error message: `[12000, 64]`, or the first dimensions and the rank when long. */
export function formatDims(dims) {
  return dims.length <= 8 ? `[${dims.join(', ')}]` : `[${dims.slice(0, 8).join(', ')}, ...] (${dims.length} dimensions)`;
}

/**
 * A reader's tensor: `dims` and `dtype` now, the float32 `data` decoded on first access (and kept).
 * Readers check every size and offset up front; decoding waits until someone needs the values,
 * so a converter can compare shapes with config.json first, and tensors it never uses (a pooler,
 * a language-model head) are never decoded or inflated.
 * @param {number[]} dims
 * @param {string} dtype
 * @param {() => Float32Array} decode
 * @returns {{dims: number[], dtype: string, data: Float32Array}}
 */
export function lazyTensor(dims, dtype, decode) {
  let data = null;
  return Object.defineProperty({ dims, dtype }, 'data', {
    enumerable: true,
    get() {
      data ??= decode();
      return data;
    },
  });
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * @param {Uint8Array} bytes  exactly n * width bytes
 * @param {'F32'|'F16'|'BF16'} dtype
 * @param {boolean} [littleEndian=true]  byte order of `bytes`
 * @returns {Float32Array}
 */
export function decodeFloats(bytes, dtype, littleEndian = true) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    // Fast path: copy into a fresh (hence 4-byte aligned) buffer and view it in place. Not
    // bytes.slice(): on a Node Buffer that is a view into the whole file, not a copy.
    if (littleEndian === HOST_LITTLE_ENDIAN) return new Float32Array(new Uint8Array(bytes).buffer);
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, littleEndian);
    return out;
  }
  // F16 and BF16: build float32 bit patterns, then reinterpret. Never goes through JS numbers,
  // so NaN payloads, -0 and subnormals survive exactly.
  const bits = new Uint32Array(bytes.length / 2);
  if (dtype === 'BF16') {
    for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(2 * i, littleEndian) << 16;
  } else if (dtype === 'F16') {
    const table = halfTable();
    for (let i = 0; i < bits.length; i++) bits[i] = table[view.getUint16(2 * i, littleEndian)];
  } else {
    throw new TypeError(`decodeFloats: unsupported dtype ${dtype}`);
  }
  return new Float32Array(bits.buffer);
}

let HALF_TABLE = null;
/** float32 bit pattern for each of the 65536 half-precision patterns (256 KiB, built once). */
function halfTable() {
  if (!HALF_TABLE) {
    HALF_TABLE = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloatBits(h);
  }
  return HALF_TABLE;
}

/** IEEE 754 binary16 -> binary32 bit pattern. */
export function halfToFloatBits(h) {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf / NaN, payload kept
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 -> 127
  if (mant === 0) return sign >>> 0; // +0 / -0
  // Subnormal half (mant * 2^-24) is a normal float32: shift the leading 1 into the implicit bit.
  let e = 113;
  let m = mant;
  while (!(m & 0x400)) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}
