// NumPy .npy format, version 1.0: magic, header length, a Python dict literal padded with spaces
// to a multiple of 64 bytes, then the C-order data. Only what embeddings need: 2-D little-endian
// float32, int8 and uint8 arrays.
import { InvalidArgumentError } from '../errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
// The .npy dtype of each precision (binary precisions are bytes of packed bits).
export const NPY_DESCR = { float32: '<f4', int8: '|i1', uint8: '|u1', binary: '|i1', ubinary: '|u1' };
const ITEM_BYTES = { '<f4': 4, '|i1': 1, '|u1': 1 };
// Headers are written this long whatever the shape, so a file's header can be rewritten in place
// with its final row count once a streaming write ends.
const HEADER_BYTES = 128;

/** The 128-byte header of a C-order array of `descr` ('<f4', '|i1', '|u1') and `shape`. */
export function encodeNpyHeader(descr, shape) {
  if (!ITEM_BYTES[descr]) throw new InvalidArgumentError(`Unsupported .npy dtype '${descr}'.`);
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const padded = dict.padEnd(HEADER_BYTES - 10 - 1, ' ') + '\n';
  if (padded.length !== HEADER_BYTES - 10) throw new InvalidArgumentError(`.npy shape (${shape}) is too long for the header.`);
  const out = new Uint8Array(HEADER_BYTES);
  out.set(MAGIC);
  out[6] = 1; // version 1.0
  out[7] = 0;
  out[8] = padded.length & 0xff;
  out[9] = padded.length >> 8;
  for (let i = 0; i < padded.length; i++) out[10 + i] = padded.charCodeAt(i);
  return out;
}

/**
 * Parses the header at the start of `bytes` (at least the first 10 bytes plus the header itself).
 * @returns {{descr: string, shape: number[], headerLength: number, itemBytes: number}}
 */
export function parseNpyHeader(bytes, name = '.npy file') {
  const bad = (why) => new InvalidArgumentError(`${name} is not a NumPy .npy array this package reads: ${why}.`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('no \\x93NUMPY magic');
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) throw bad(`format version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  const length = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  if (prefix + length > bytes.length) throw bad('the header is cut short');
  const header = new TextDecoder().decode(bytes.subarray(prefix, prefix + length));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad('its header has no descr, fortran_order or shape');
  if (!ITEM_BYTES[descr]) throw bad(`dtype '${descr}' (float32 '<f4', int8 '|i1' or uint8 '|u1' expected)`);
  if (fortran === 'True') throw bad('it is in Fortran order');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw bad(`shape (${shapeText})`);
  return { descr, shape, headerLength: prefix + length, itemBytes: ITEM_BYTES[descr] };
}
