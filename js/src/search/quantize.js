// Embedding quantization exactly as sentence-transformers' `quantize_embeddings` defines it:
//   int8    trunc((x - min) / step - 128), uint8 trunc((x - min) / step), step = (max - min) / 255,
//           with per-dimension min/max taken from calibration embeddings;
//   binary  numpy packbits(x > 0) - 128 (int8), ubinary packbits(x > 0) (uint8); bit order as
//           packbits: dimension 0 is the most significant bit of byte 0.
// One deliberate difference: numpy's astype wraps values outside the calibration range around
// (a dimension just above max becomes -128); here they are clipped to the type's range.
import { InvalidArgumentError } from '../errors.js';

export const PRECISIONS = ['float32', 'int8', 'uint8', 'binary', 'ubinary'];

function checkEmbeddings(embeddings, name = 'embeddings') {
  const { data, dims } = embeddings ?? {};
  if (!(data instanceof Float32Array) || !Array.isArray(dims) || dims.length !== 2 || data.length !== dims[0] * dims[1]) {
    throw new InvalidArgumentError(`${name} must be float32 embeddings as embed() returns them: {data: Float32Array, dims: [rows, width]}.`);
  }
  return { data, rows: dims[0], width: dims[1] };
}

/** Per-dimension minimum and maximum of calibration embeddings (sentence-transformers' `ranges`). */
export function calibrationRanges(embeddings) {
  const { data, rows, width } = checkEmbeddings(embeddings, 'calibration embeddings');
  if (rows === 0) throw new InvalidArgumentError('Calibration embeddings are empty; int8/uint8 need at least one row.');
  const min = data.slice(0, width);
  const max = data.slice(0, width);
  for (let r = 1; r < rows; r++) {
    const base = r * width;
    for (let d = 0; d < width; d++) {
      const x = data[base + d];
      if (x < min[d]) min[d] = x;
      if (x > max[d]) max[d] = x;
    }
  }
  return { min, max };
}

function checkRanges(ranges, width) {
  const ok = ranges && ranges.min?.length === width && ranges.max?.length === width;
  if (!ok) {
    throw new InvalidArgumentError(`int8/uint8 quantization needs ranges {min, max} with ${width} values each ` +
      '(calibrationRanges(embeddings) computes them).');
  }
  return { min: Float32Array.from(ranges.min), max: Float32Array.from(ranges.max) };
}

function quantizeScalar(data, rows, width, ranges, offset, Out) {
  const out = new Out(rows * width);
  const low = Out === Int8Array ? -128 : 0;
  const high = low + 255;
  // float32 arithmetic, as numpy does on float32 arrays: (x - starts) / steps - 128.
  const steps = new Float32Array(width);
  for (let d = 0; d < width; d++) steps[d] = Math.fround(Math.fround(ranges.max[d] - ranges.min[d]) / 255);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    for (let d = 0; d < width; d++) {
      let q = Math.fround(Math.fround(data[base + d] - ranges.min[d]) / steps[d]);
      if (offset) q = Math.fround(q - offset);
      q = Math.trunc(q);
      out[base + d] = Number.isNaN(q) ? 0 : Math.min(high, Math.max(low, q));
    }
  }
  return out;
}

function packBits(data, rows, width, signed) {
  const bytes = Math.ceil(width / 8);
  const out = signed ? new Int8Array(rows * bytes) : new Uint8Array(rows * bytes);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < bytes; b++) {
      let byte = 0;
      for (let bit = 0; bit < 8; bit++) {
        const d = b * 8 + bit;
        if (d < width && data[r * width + d] > 0) byte |= 0x80 >> bit;
      }
      out[r * bytes + b] = signed ? byte - 128 : byte;
    }
  }
  return { data: out, width: bytes };
}

/**
 * @param {{data: Float32Array, dims: [number, number]}} embeddings
 * @param {'float32'|'int8'|'uint8'|'binary'|'ubinary'} precision
 * @param {{ranges?: {min: ArrayLike<number>, max: ArrayLike<number>}}} [options] int8/uint8 calibration
 * @returns {{data: Float32Array|Int8Array|Uint8Array, dims: [number, number], precision: string,
 *   ranges?: {min: Float32Array, max: Float32Array}}} for binary, dims[1] is the packed width in bytes
 */
export function quantizeEmbeddings(embeddings, precision, { ranges } = {}) {
  const { data, rows, width } = checkEmbeddings(embeddings);
  switch (precision) {
    case 'float32':
      return { data, dims: [rows, width], precision };
    case 'int8':
    case 'uint8': {
      const checked = checkRanges(ranges, width);
      const Out = precision === 'int8' ? Int8Array : Uint8Array;
      const out = quantizeScalar(data, rows, width, checked, precision === 'int8' ? 128 : 0, Out);
      return { data: out, dims: [rows, width], precision, ranges: checked };
    }
    case 'binary':
    case 'ubinary': {
      const packed = packBits(data, rows, width, precision === 'binary');
      return { data: packed.data, dims: [rows, packed.width], precision };
    }
    default:
      throw new InvalidArgumentError(`Unknown precision '${precision}'; use one of ${PRECISIONS.join(', ')}.`);
  }
}
