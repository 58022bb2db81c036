// Weight readers for the no-Python converter: safetensors, torch.save zips, and the restricted
// pickle reader behind the latter. Crafted inputs are built in memory so every edge case is explicit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { fixturesDir, tinyDebertaDir } from './fixtures.js';
import { readSafetensors } from '../../js/src/convert/safetensors.js';
import { readPytorchBin } from '../../js/src/convert/pytorch-pickle.js';
import { readWeights } from '../../js/src/convert/weights.js';
import { unpickle } from '../../js/src/convert/pickle-vm.js';
import { InvalidArgumentError, ModelFormatError, UnsafeModelFileError } from '../../js/src/errors.js';
import { concat, op, orderedDict, pickle, rawSafetensors, safetensorsFile, tup } from './support/crafted-files.js';

const enc = new TextEncoder();
const readFixture = (...parts) => new Uint8Array(fs.readFileSync(path.join(fixturesDir, ...parts)));

/** Float32Array -> its bit patterns, so comparisons are exact (-0, NaN payloads included). */
const bitsOf = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);

function assertSameMaps(a, b) {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name);
    assert.deepEqual(u.dims, t.dims, name);
    assert.equal(u.dtype, t.dtype, name);
    assert.ok(t.data instanceof Float32Array && u.data instanceof Float32Array, name);
    assert.deepEqual(bitsOf(u.data), bitsOf(t.data), name);
  }
}

const isError = (Cls, code, re) => (err) => {
  assert.ok(err instanceof Cls, `expected ${Cls.name}, got ${err?.name}: ${err?.message}`);
  assert.equal(err.code, code);
  assert.match(err.message, re);
  return true;
};
const formatError = (re) => isError(ModelFormatError, 'E_MODEL_FORMAT', re);
const unsafeError = (re) => isError(UnsafeModelFileError, 'E_UNSAFE_MODEL_FILE', re);

// ---------------------------------------------------------------- builders

/** Numbers -> bytes with a DataView setter, e.g. packed('setUint16', 2, [1, 2]). */
function packed(setter, width, values, littleEndian = true) {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view[setter](i * width, v, littleEndian));
  return out;
}
const f32 = (values, le) => packed('setFloat32', 4, values, le);
const u16 = (values, le) => packed('setUint16', 2, values, le);

// Pickle assembler: opcodes from the pickle spec, written as byte arrays.
/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) */
function torchTensor({ storage, key, numel, offset = 0, dims, strides }) {
  const pid = tup(op.str('storage'), op.global('torch', storage), op.str(key), op.str('cpu'), op.int(numel));
  return [
    op.global('torch._utils', '_rebuild_tensor_v2'),
    tup(pid, op.persid, op.int(offset), tup(...dims.map(op.int)), tup(...strides.map(op.int)),
      op.newFalse, orderedDict()),
    op.reduce,
  ];
}

/** data.pkl for an OrderedDict state dict; `after` runs before STOP (e.g. a BUILD). */
function stateDictPickle(entries, after = []) {
  return pickle(op.proto, orderedDict(), op.mark, entries.map(([name, value]) => [op.str(name), value]),
    op.setitems, after, op.stop);
}

/** A torch.save-style zip (stored, like torch writes it). */
function torchZip(dataPkl, storages = {}, { byteorder = 'little', prefix = 'archive' } = {}) {
  const files = { [`${prefix}/data.pkl`]: dataPkl, [`${prefix}/version`]: enc.encode('3\n') };
  if (byteorder !== null) files[`${prefix}/byteorder`] = enc.encode(byteorder);
  for (const [key, bytes] of Object.entries(storages)) files[`${prefix}/data/${key}`] = bytes;
  return zipSync(files, { level: 0 });
}

// ---------------------------------------------------------------- fixtures

function expectedDebertaDims() {
  const dims = new Map([
    ['embeddings.word_embeddings.weight', [12000, 64]],
    ['embeddings.LayerNorm.weight', [64]], ['embeddings.LayerNorm.bias', [64]],
    ['encoder.rel_embeddings.weight', [512, 64]],
    ['encoder.LayerNorm.weight', [64]], ['encoder.LayerNorm.bias', [64]],
  ]);
  for (const n of [0, 1]) {
    const p = `encoder.layer.${n}`;
    for (const proj of ['query_proj', 'key_proj', 'value_proj']) {
      dims.set(`${p}.attention.self.${proj}.weight`, [64, 64]).set(`${p}.attention.self.${proj}.bias`, [64]);
    }
    dims.set(`${p}.attention.output.dense.weight`, [64, 64]).set(`${p}.attention.output.dense.bias`, [64]);
    dims.set(`${p}.attention.output.LayerNorm.weight`, [64]).set(`${p}.attention.output.LayerNorm.bias`, [64]);
    dims.set(`${p}.intermediate.dense.weight`, [128, 64]).set(`${p}.intermediate.dense.bias`, [128]);
    dims.set(`${p}.output.dense.weight`, [64, 128]).set(`${p}.output.dense.bias`, [64]);
    dims.set(`${p}.output.LayerNorm.weight`, [64]).set(`${p}.output.LayerNorm.bias`, [64]);
  }
  return dims;
}

/** Sum of every value, in float64. */
const total = (map) => [...map.values()].reduce((s, t) => t.data.reduce((a, x) => a + x, s), 0);

describe('fixture weight files', () => {
  const safetensorsBytes = readFixture('tiny-deberta-v2', 'model.safetensors');
  const binBytes = new Uint8Array(fs.readFileSync(path.join(tinyDebertaDir, 'pytorch_model.bin')));

  test('tiny-deberta-v2: model.safetensors and pytorch_model.bin give identical maps', () => {
    const fromSafetensors = readSafetensors(safetensorsBytes);
    const fromBin = readPytorchBin(binBytes);
    assert.equal(fromSafetensors.size, 38);
    assertSameMaps(fromSafetensors, fromBin);
    const expected = expectedDebertaDims();
    assert.equal(expected.size, 38);
    for (const map of [fromSafetensors, fromBin]) {
      for (const [name, dims] of expected) {
        assert.deepEqual(map.get(name)?.dims, dims, name);
        assert.equal(map.get(name).dtype, 'F32');
        assert.equal(map.get(name).data.length, dims.reduce((a, b) => a * b, 1));
      }
    }
  });

  test('tiny-deberta-v2 values: padding row is zero, LayerNorm weights near 1, sum matches numpy', () => {
    const map = readSafetensors(safetensorsBytes);
    assert.ok(map.get('embeddings.word_embeddings.weight').data.subarray(0, 64).every((x) => x === 0));
    const ln = map.get('embeddings.LayerNorm.weight').data;
    assert.deepEqual([...ln.subarray(0, 4)],
      [1.1557554006576538, 0.9698480367660522, 1.1172783374786377, 1.0472966432571411]);
    // Reference totals computed once with numpy (np.frombuffer(..., '<f4').astype(float64).sum()).
    assert.ok(Math.abs(total(map) - 391.01702625825294) < 1e-6);
  });

  test('tiny-bert (F16) and tiny-xlm-roberta (F32) model.safetensors parse', () => {
    const bert = readSafetensors(readFixture('tiny-bert', 'model.safetensors'));
    assert.equal(bert.size, 39);
    assert.ok([...bert.values()].every((t) => t.dtype === 'F16'));
    assert.deepEqual(bert.get('embeddings.word_embeddings.weight').dims, [12000, 64]);
    assert.deepEqual(bert.get('embeddings.position_embeddings.weight').dims, [512, 64]);
    assert.deepEqual(bert.get('embeddings.token_type_embeddings.weight').dims, [2, 64]);
    assert.deepEqual(bert.get('pooler.dense.weight').dims, [64, 64]);
    assert.deepEqual([...bert.get('embeddings.LayerNorm.weight').data.subarray(0, 4)],
      [0.89453125, 0.8759765625, 1.01171875, 1.060546875]); // numpy float16 -> float32
    assert.ok(Math.abs(total(bert) - 355.79786425828934) < 1e-6);

    const xlmr = readSafetensors(readFixture('tiny-xlm-roberta', 'model.safetensors'));
    assert.equal(xlmr.size, 39);
    assert.deepEqual(xlmr.get('embeddings.word_embeddings.weight').dims, [8002, 64]);
    assert.deepEqual(xlmr.get('embeddings.position_embeddings.weight').dims, [514, 64]);
    assert.deepEqual(xlmr.get('embeddings.token_type_embeddings.weight').dims, [1, 64]);
    assert.ok(Math.abs(total(xlmr) - 254.82335340032841) < 1e-6);
  });

  test('readWeights dispatches by magic and name; unaligned views and Node Buffers work', () => {
    const reference = readSafetensors(safetensorsBytes);
    // Odd byteOffset inside a larger buffer: nothing may assume alignment or a private buffer.
    const shifted = (bytes) => {
      const host = new Uint8Array(bytes.length + 3);
      host.set(bytes, 3);
      return host.subarray(3);
    };
    assertSameMaps(readWeights('model.safetensors', shifted(safetensorsBytes)), reference);
    assertSameMaps(readWeights('pytorch_model.bin', shifted(binBytes)), reference);
    assertSameMaps(readWeights('weights', binBytes), reference); // no telling name: zip magic decides
    assertSameMaps(readWeights('model.safetensors', fs.readFileSync(path.join(tinyDebertaDir, 'model.safetensors'))),
      reference);
    assert.throws(() => readWeights('pytorch_model.bin', safetensorsBytes), formatError(/pytorch_model\.bin.*not a torch\.save zip/));
    assert.throws(() => readWeights('model.safetensors', 'nope'), InvalidArgumentError);
  });
});

// ---------------------------------------------------------------- safetensors dtypes

describe('safetensors dtypes', () => {
  test('F16 special values convert exactly: zeros, subnormals, normals, max, inf, NaN', () => {
    const cases = [
      [0x0000, 0], [0x8000, -0], [0x0001, 2 ** -24], [0x8001, -(2 ** -24)], [0x03ff, 1023 * 2 ** -24],
      [0x0400, 2 ** -14], [0x3c00, 1], [0xc000, -2], [0x3555, 0.333251953125], [0x7bff, 65504],
      [0x7c00, Infinity], [0xfc00, -Infinity], [0x7e00, NaN], [0x7c01, NaN],
    ];
    const file = safetensorsFile([{ name: 'h', dtype: 'F16', shape: [cases.length], bytes: u16(cases.map((c) => c[0])) }]);
    const { data, dtype, dims } = readSafetensors(file).get('h');
    assert.equal(dtype, 'F16');
    assert.deepEqual(dims, [cases.length]);
    cases.forEach(([h, want], i) => assert.ok(Object.is(data[i], want), `0x${h.toString(16)} -> ${data[i]}, want ${want}`));
    assert.equal(bitsOf(data)[cases.length - 1], 0x7f802000); // NaN payload kept, not canonicalised
  });

  test('every one of the 65536 F16 patterns matches an arithmetic reference', () => {
    const all = Array.from({ length: 65536 }, (_, h) => h);
    const { data } = readSafetensors(safetensorsFile([{ name: 'all', dtype: 'F16', shape: [256, 256], bytes: u16(all) }])).get('all');
    for (const h of all) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const mant = h & 0x3ff;
      const want = exp === 0x1f ? (mant ? NaN : sign * Infinity)
        : exp === 0 ? sign * mant * 2 ** -24 : sign * 2 ** (exp - 15) * (1 + mant / 1024);
      if (!Object.is(data[h], want)) assert.fail(`F16 0x${h.toString(16)} -> ${data[h]}, want ${want}`);
    }
  });

  test('BF16 converts exactly, including float32 subnormals, inf and NaN', () => {
    const cases = [
      [0x3f80, 1], [0xc040, -3], [0x4049, 3.140625], [0x0001, 2 ** -133], [0x807f, -127 * 2 ** -133],
      [0x0080, 2 ** -126], [0x7f7f, (2 - 2 ** -7) * 2 ** 127], [0x7f80, Infinity], [0xff80, -Infinity],
      [0x8000, -0], [0x7fc1, NaN],
    ];
    const file = safetensorsFile([{ name: 'b', dtype: 'BF16', shape: [cases.length], bytes: u16(cases.map((c) => c[0])) }]);
    const { data, dtype } = readSafetensors(file).get('b');
    assert.equal(dtype, 'BF16');
    cases.forEach(([h, want], i) => assert.ok(Object.is(data[i], want), `0x${h.toString(16)} -> ${data[i]}, want ${want}`));
    assert.equal(bitsOf(data)[cases.length - 1], 0x7fc10000);
  });

  test('non-float tensors are skipped and reported; empty tensors are fine; F64 is refused', () => {
    const skipped = [];
    const file = safetensorsFile([
      { name: 'w', dtype: 'F32', shape: [2, 2], bytes: f32([1, -2.5, 3e-40, 7]) },
      { name: 'position_ids', dtype: 'I64', shape: [1, 3], bytes: new Uint8Array(24) },
      { name: 'empty', dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) },
    ]);
    const map = readSafetensors(file, { onSkip: (t) => skipped.push(t) });
    assert.deepEqual([...map.keys()], ['w', 'empty']);
    assert.deepEqual([...map.get('w').data], [1, -2.5, Math.fround(3e-40), 7]);
    assert.equal(map.get('empty').data.length, 0);
    assert.deepEqual(skipped, [{ name: 'position_ids', dtype: 'I64', dims: [1, 3] }]);

    const f64 = safetensorsFile([{ name: 'd', dtype: 'F64', shape: [1], bytes: new Uint8Array(8) }]);
    assert.throws(() => readSafetensors(f64), formatError(/"d" is F64.*float32/));
  });
});

// ---------------------------------------------------------------- malformed safetensors

describe('malformed safetensors', () => {
  const good = safetensorsFile([
    { name: 'a', dtype: 'F32', shape: [2], bytes: f32([1, 2]) },
    { name: 'b', dtype: 'F32', shape: [2], bytes: f32([3, 4]) },
  ]);
  const withHeader = (header, dataLength = 16) => rawSafetensors(header, new Uint8Array(dataLength));
  const entry = (dtype, shape, offsets) => ({ dtype, shape, data_offsets: offsets });

  test('the good file reads', () => {
    assert.deepEqual([...readSafetensors(good).get('b').data], [3, 4]);
  });

  test('truncated files', () => {
    assert.throws(() => readSafetensors(good.subarray(0, 5)), formatError(/only 5 bytes/));
    const headerLength = new DataView(good.buffer).getUint32(0, true);
    assert.throws(() => readSafetensors(good.subarray(0, 8 + headerLength - 1)),
      formatError(/header length \d+ runs past the end of the file/));
    assert.throws(() => readSafetensors(good.subarray(0, good.length - 4)),
      formatError(/"b" has data_offsets \[8, 16\] outside the 12-byte data block; the file looks truncated/));
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 1, true); // header length 2^32
    assert.throws(() => readSafetensors(huge), formatError(/runs past the end/));
  });

  test('header that is not JSON, not an object, or has bad fields', () => {
    assert.throws(() => readSafetensors(rawSafetensors(null, new Uint8Array(0), '{"a": ')), formatError(/not valid JSON/));
    assert.throws(() => readSafetensors(rawSafetensors([1, 2])), formatError(/not an object/));
    assert.throws(() => readSafetensors(withHeader({ a: 5 }, 0)), formatError(/"a" in the header is not an object/));
    assert.throws(() => readSafetensors(withHeader({ __metadata__: 'x' }, 0)), formatError(/__metadata__/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F17', [4], [0, 16]) })), formatError(/unknown dtype "F17"/));
    assert.throws(() => readSafetensors(withHeader({ a: { shape: [4], data_offsets: [0, 16] } })), formatError(/unknown dtype/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [-4], [0, 16]) })), formatError(/shape \[-4\]/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [2.5], [0, 16]) })), formatError(/shape/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [4], [0]) })), formatError(/data_offsets \[0\]/));
  });

  test('offsets out of range, reversed, overlapping, leaving holes, or disagreeing with the shape', () => {
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [8], [0, 32]) })),
      formatError(/\[0, 32\] outside the 16-byte data block/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [0], [16, 8]) })), formatError(/\[16, 8\] outside/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [3], [0, 12]), b: entry('F32', [2], [8, 16]) })),
      formatError(/"a" and "b" overlap/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [12, 16]) })),
      formatError(/bytes 8\.\.12 of the data block belong to no tensor/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [2], [0, 8]) })),
      formatError(/8 bytes after the last tensor/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F32', [2, 3], [0, 16]) })),
      formatError(/shape \[2, 3\]\) needs 24 bytes but its data_offsets span 16/));
    assert.throws(() => readSafetensors(withHeader({ a: entry('F16', [4], [0, 16]) })), formatError(/needs 8 bytes/));
  });

  test('not a Uint8Array', () => {
    assert.throws(() => readSafetensors(new ArrayBuffer(8)), InvalidArgumentError);
  });
});

// ---------------------------------------------------------------- torch.save zips

describe('torch.save zip reader', () => {
  // One float32 storage 0..11 viewed several ways, plus half / bfloat16 / int64 storages.
  const storage0 = Array.from({ length: 12 }, (_, i) => i);
  const f32Tensor = (fields) => torchTensor({ storage: 'FloatStorage', key: '0', numel: 12, ...fields });
  const entries = [
    ['matrix', f32Tensor({ dims: [3, 4], strides: [4, 1] })],
    ['transposed', f32Tensor({ dims: [4, 3], strides: [1, 4] })],
    ['slice', f32Tensor({ offset: 2, dims: [2], strides: [1] })],
    ['expanded', f32Tensor({ offset: 4, dims: [2, 3], strides: [0, 1] })],
    ['scalar', f32Tensor({ offset: 7, dims: [], strides: [] })],
    ['param', [op.global('torch._utils', '_rebuild_parameter'),
      tup(f32Tensor({ offset: 8, dims: [1, 4], strides: [99, 1] }), op.newTrue, orderedDict()), op.reduce]],
    ['half', torchTensor({ storage: 'HalfStorage', key: '1', numel: 3, dims: [3], strides: [1] })],
    ['bf16', torchTensor({ storage: 'BFloat16Storage', key: '2', numel: 2, offset: 1, dims: [1], strides: [1] })],
    ['position_ids', torchTensor({ storage: 'LongStorage', key: '3', numel: 2, dims: [1, 2], strides: [2, 1] })],
  ];
  // state_dict()._metadata, as torch.save writes it: BUILD with {'_metadata': OrderedDict(...)}.
  const metadata = [op.emptyDict, op.str('_metadata'), orderedDict(),
    op.mark, op.str(''), op.emptyDict, op.str('version'), op.int(1), op.setitem, op.setitems, op.setitem, op.build];
  const dataPkl = stateDictPickle(entries, metadata);
  const storages = (le) => ({
    0: f32(storage0, le), 1: u16([0x3c00, 0x0001, 0xfc00], le), 2: u16([0x3f80, 0x4049], le),
    3: packed('setBigInt64', 8, [0n, 1n], le),
  });
  const expected = {
    matrix: [[3, 4], storage0],
    transposed: [[4, 3], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]],
    slice: [[2], [2, 3]],
    expanded: [[2, 3], [4, 5, 6, 4, 5, 6]],
    scalar: [[], [7]],
    param: [[1, 4], [8, 9, 10, 11]],
    half: [[3], [1, 2 ** -24, -Infinity]],
    bf16: [[1], [3.140625]],
  };

  function check(map) {
    assert.deepEqual([...map.keys()], Object.keys(expected));
    for (const [name, [dims, values]] of Object.entries(expected)) {
      assert.deepEqual(map.get(name).dims, dims, name);
      assert.deepEqual([...map.get(name).data], values, name);
    }
    assert.equal(map.get('half').dtype, 'F16');
    assert.equal(map.get('bf16').dtype, 'BF16');
    assert.equal(map.get('matrix').dtype, 'F32');
  }

  test('strides, offsets, shared storages, parameters, _metadata, F16/BF16 and skipped int buffers', () => {
    const skipped = [];
    check(readPytorchBin(torchZip(dataPkl, storages(true)), { onSkip: (t) => skipped.push(t) }));
    assert.deepEqual(skipped, [{ name: 'position_ids', dtype: 'I64', dims: [1, 2] }]);
  });

  test('byteorder "big" storages and a missing byteorder record (little-endian) both read', () => {
    check(readPytorchBin(torchZip(dataPkl, storages(false), { byteorder: 'big' })));
    check(readPytorchBin(torchZip(dataPkl, storages(true), { byteorder: null, prefix: 'pytorch_model' })));
  });

  test('storage and view problems are format errors', () => {
    const one = (fields) => stateDictPickle([['w', f32Tensor(fields)]]);
    const zip = (pkl, s = { 0: f32(storage0) }) => torchZip(pkl, s);
    assert.throws(() => readPytorchBin(zip(one({ dims: [4], strides: [1] }), {})),
      formatError(/storage "0" is referenced by data\.pkl but archive\/data\/0 is missing/));
    assert.throws(() => readPytorchBin(zip(one({ dims: [4], strides: [1] }), { 0: f32([1, 2]) })),
      formatError(/should hold 12 F32 values but has 8 bytes/));
    assert.throws(() => readPytorchBin(zip(one({ offset: 10, dims: [4], strides: [1] }))),
      formatError(/reaches past its 12-element storage/));
    assert.throws(() => readPytorchBin(zip(one({ dims: [4, 4], strides: [1, 4] }))), formatError(/reaches past/));
    assert.throws(() => readPytorchBin(zip(one({ dims: [2], strides: [-1] }))), formatError(/invalid offset, size or stride/));
    assert.throws(() => readPytorchBin(zip(one({ dims: [100000, 100000], strides: [0, 0] }))),
      formatError(/broadcasts a 12-element storage/));
    const odWithArgs = pickle(op.proto, op.global('collections', 'OrderedDict'), tup(tup()), op.reduce, op.stop);
    assert.throws(() => readPytorchBin(zip(odWithArgs)), formatError(/OrderedDict is rebuilt with arguments/));
    assert.throws(() => readPytorchBin(torchZip(dataPkl, storages(true), { byteorder: 'middle' })), formatError(/byteorder/));
  });

  test('files that are not state-dict zips are format errors', () => {
    assert.throws(() => readPytorchBin(enc.encode('hello')), formatError(/not a torch\.save zip archive/));
    assert.throws(() => readPytorchBin(pickle(op.proto, 0x8a, 10, new Array(10).fill(1), op.stop)), formatError(/legacy/));
    assert.throws(() => readPytorchBin(zipSync({ 'a/other.txt': enc.encode('x') })), formatError(/no <archive>\/data\.pkl/));
    const truncatedZip = torchZip(dataPkl, storages(true)).subarray(0, 200);
    assert.throws(() => readPytorchBin(truncatedZip), formatError(/zip archive is damaged/));
    assert.throws(() => readPytorchBin(torchZip(pickle(op.proto, tup(), op.stop))), formatError(/does not hold a state dict/));
    const checkpoint = pickle(op.proto, orderedDict(), op.str('epoch'), op.int(3), op.setitem, op.stop);
    assert.throws(() => readPytorchBin(torchZip(checkpoint)), formatError(/"epoch" is not a tensor/));
    assert.throws(() => readPytorchBin(torchZip(pickle(op.proto, orderedDict()))), formatError(/without a STOP/));
    assert.throws(() => readPytorchBin(torchZip(pickle(op.proto, 0xff, op.stop))), formatError(/unsupported pickle opcode 0xff/));
    assert.throws(() => readPytorchBin(torchZip(pickle(op.proto, op.reduce, op.stop))), formatError(/stack underflow/));
    // Storage classes are dtype tags, not callables.
    const callTag = pickle(op.proto, op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce, op.stop);
    assert.throws(() => readPytorchBin(torchZip(callTag)), formatError(/REDUCE applied to "torch\.FloatStorage", which cannot be called/));
  });
});

// ---------------------------------------------------------------- pickle safety

describe('pickle allow-list', () => {
  const marker = path.join(os.tmpdir(), `gmatrix-embed-pickle-${process.pid}-${Date.now()}`);
  const command = `touch ${marker}`;
  // The classic payloads: os.system("touch ...") via GLOBAL, builtins.eval("...") via STACK_GLOBAL.
  const viaGlobal = pickle(op.proto, op.global('os', 'system'), tup(op.str(command)), op.reduce, op.stop);
  const viaStackGlobal = pickle(0x80, 4, op.str('builtins'), op.str('eval'), op.stackGlobal,
    tup(op.str(`__import__('os').system('${command}')`)), op.reduce, op.stop);
  const hooks = { globals: new Map([['collections.OrderedDict', () => new Map()]]) };

  test('GLOBAL os.system and STACK_GLOBAL builtins.eval are refused and nothing runs', () => {
    assert.throws(() => unpickle(viaGlobal, hooks), unsafeError(/refused pickle global "os\.system".*pickle offset 2/));
    assert.throws(() => unpickle(viaStackGlobal, hooks), unsafeError(/refused pickle global "builtins\.eval"/));
    for (const pkl of [viaGlobal, viaStackGlobal]) {
      assert.throws(() => readPytorchBin(torchZip(pkl)), unsafeError(/pytorch_model\.bin \(data\.pkl\): refused/));
      assert.throws(() => readWeights('model.bin', torchZip(pkl)), unsafeError(/model\.bin \(data\.pkl\)/));
    }
    assert.equal(fs.existsSync(marker), false);
  });

  test('refusal happens when the name is read, before any later opcode', () => {
    // Nothing after the GLOBAL at all: a format check would complain about truncation instead.
    assert.throws(() => unpickle(pickle(op.proto, op.global('os', 'system')), hooks), unsafeError(/os\.system/));
    // Inside a real state dict, after a good tensor has been read.
    const late = stateDictPickle([['w', torchTensor({ storage: 'FloatStorage', key: '0', numel: 1, dims: [1], strides: [1] })],
      ['x', [op.global('subprocess', 'Popen'), tup(op.str(command)), op.reduce]]]);
    assert.throws(() => readPytorchBin(torchZip(late, { 0: f32([1]) })), unsafeError(/"subprocess\.Popen"/));
  });

  test('torch globals outside the allow-list, and names that would hit Object.prototype, are refused', () => {
    for (const [module, name] of [['torch.storage', '_load_from_bytes'], ['torch._utils', '_rebuild_qtensor'],
      ['torch', 'load'], ['__builtin__', 'eval'], ['builtins', 'getattr'], ['collections', '__proto__'],
      ['collections', 'constructor'], ['collections.OrderedDict', 'toString'], ['', '']]) {
      const pkl = pickle(op.proto, op.global(module, name), op.emptyTuple, op.reduce, op.stop);
      assert.throws(() => readPytorchBin(torchZip(pkl)), unsafeError(new RegExp(`"${module}\\.${name}"`)), `${module}.${name}`);
    }
  });

  test('INST, OBJ, NEWOBJ, NEWOBJ_EX and EXT opcodes are refused', () => {
    const od = op.global('collections', 'OrderedDict');
    assert.throws(() => unpickle(pickle(op.mark, 0x69, ...enc.encode('os\nsystem\n'), op.stop), hooks),
      unsafeError(/INST of "os\.system"/));
    assert.throws(() => unpickle(pickle(op.proto, op.mark, od, 0x6f, op.stop), hooks),
      unsafeError(/OBJ of "collections\.OrderedDict"/));
    assert.throws(() => unpickle(pickle(op.proto, od, op.emptyTuple, 0x81, op.stop), hooks),
      unsafeError(/NEWOBJ of "collections\.OrderedDict"/));
    assert.throws(() => unpickle(pickle(op.proto, od, op.emptyTuple, op.emptyDict, 0x92, op.stop), hooks),
      unsafeError(/NEWOBJ_EX/));
    for (const ext of [[0x82, 1], [0x83, 1, 0], [0x84, 1, 0, 0, 0]]) {
      assert.throws(() => unpickle(pickle(op.proto, ext, op.stop), hooks), unsafeError(/extension-registry code 1/));
    }
  });

  test('plain values decode like Python would', () => {
    const value = unpickle(pickle(op.proto, 0x5d, op.mark, op.none, op.newTrue, 0x4b, 255, 0x4d, 0x34, 0x12,
      op.int(-2), 0x8a, 0, 0x8a, 2, 0x00, 0x80, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1,
      0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x8c, 2, 0x68, 0x69, 0x43, 2, 1, 2, op.emptyTuple, 0x65, op.stop), hooks);
    assert.deepEqual(value, [null, true, 255, 0x1234, -2, 0, -32768, 2n ** 64n, 1.5, 'hi', new Uint8Array([1, 2]), []]);
  });
});
