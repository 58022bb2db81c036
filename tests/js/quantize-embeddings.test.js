// quantizeEmbeddings against values worked out by hand from sentence-transformers' definitions
// (steps chosen as powers of two so every intermediate is exact in float32), and the .npy header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationRanges, quantizeEmbeddings } from '../../js/src/search/quantize.js';
import { encodeNpyHeader, parseNpyHeader } from '../../js/src/search/npy.js';
import { InvalidArgumentError } from '../../js/src/errors.js';

const embeddings = (rows) => ({ data: Float32Array.from(rows.flat()), dims: [rows.length, rows[0].length] });

test('int8 and uint8: trunc((x - min) / step [- 128]), step = (max - min) / 255, clipped outside the ranges', () => {
  // min 0, max 255/128: step 1/128.
  const ranges = { min: [0, 0], max: [255 / 128, 255 / 128] };
  const e = embeddings([[0.5, 0.50390625], [-0.1, 3], [0, 255 / 128]]);
  assert.deepEqual(Array.from(quantizeEmbeddings(e, 'int8', { ranges }).data), [-64, -63, -128, 127, -128, 127]);
  assert.deepEqual(Array.from(quantizeEmbeddings(e, 'uint8', { ranges }).data), [64, 64, 0, 255, 0, 255]);
});

test('calibrationRanges: per-dimension min and max', () => {
  const { min, max } = calibrationRanges(embeddings([[1, -2], [-3, 4], [0, 0]]));
  assert.deepEqual([Array.from(min), Array.from(max)], [[-3, -2], [1, 4]]);
});

test('binary and ubinary: numpy packbits(x > 0), most significant bit first; binary is ubinary - 128', () => {
  const e = embeddings([[0.1, -0.2, 0, 0.3, 1, 1, 1, 1, 0.5]]);
  const u = quantizeEmbeddings(e, 'ubinary');
  assert.deepEqual([Array.from(u.data), u.dims], [[0b10011111, 0b10000000], [1, 2]]);
  assert.deepEqual(Array.from(quantizeEmbeddings(e, 'binary').data), [0b10011111 - 128, 0]);
});

test('bad precision or ranges: a clear InvalidArgumentError', () => {
  const e = embeddings([[1, 2]]);
  assert.throws(() => quantizeEmbeddings(e, 'int4'), (err) => err instanceof InvalidArgumentError && /float32, int8, uint8, binary, ubinary/.test(err.message));
  assert.throws(() => quantizeEmbeddings(e, 'int8'), /needs ranges \{min, max\} with 2 values/);
  assert.throws(() => quantizeEmbeddings({ data: [1, 2], dims: [1, 2] }, 'binary'), /Float32Array/);
});

test('.npy header: 128 bytes, numpy version 1.0 layout, parsed back', () => {
  const header = encodeNpyHeader('<f4', [1000, 768]);
  assert.equal(header.length, 128);
  const text = Buffer.from(header.subarray(10)).toString('latin1');
  assert.match(text, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1000, 768\), \} +\n$/);
  assert.deepEqual(parseNpyHeader(header), { descr: '<f4', shape: [1000, 768], headerLength: 128, itemBytes: 4 });
  assert.throws(() => parseNpyHeader(new Uint8Array(20)), /no \\x93NUMPY magic/);
  const fortran = Buffer.from(header);
  fortran.write("'fortran_order': True, ", 10 + text.indexOf("'fortran_order'"), 'latin1');
  assert.throws(() => parseNpyHeader(fortran), /Fortran order|fortran_order/);
});
