// Model files made to hurt the reader: zips whose central directory lies, decompression bombs,
// pickles that flood the stack or nest without end, safetensors headers that point past the file,
// and config.json sizes that do not fit the weights. Each must be refused with the expected error
// class and a single-line message, within a time bound, without a memory blow-up; afterwards the
// real fixture must still convert to the same model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tinyDebertaDir } from './fixtures.js';
import {
  concat, craftZip, deflateBomb, op, orderedDict, pickle, poke, rawSafetensors, safetensorsFile, smallTorchZip,
  stateDictPickle, torchTensor, tup,
} from './support/crafted-files.js';
import { readWeights } from '../../js/src/convert/weights.js';
import { convertFolder, convertWeights } from '../../js/src/convert/convert-model.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { readModelFolder } from '../../js/src/model-folder.js';
import { GmatrixEmbedError, ModelFormatError, UnsafeModelFileError } from '../../js/src/errors.js';

const enc = new TextEncoder();
const TIME_LIMIT_MS = 2000;
// Growth of the process's peak and current memory allowed per case. The blow-ups this guards
// against are gigabytes; the tiny fixture's conversion itself needs a few tens of MB.
const MEMORY_LIMIT_BYTES = 200 * 2 ** 20;

const fixture = (file) => new Uint8Array(fs.readFileSync(path.join(tinyDebertaDir, file)));
const config = JSON.parse(fs.readFileSync(path.join(tinyDebertaDir, 'config.json'), 'utf8'));
const safetensorsBytes = fixture('model.safetensors');
const torchBytes = fixture('pytorch_model.bin');

/** Reads a weights file the way the converter does, decoding every tensor. */
function readAll(fileName, bytes) {
  const weights = readWeights(fileName, bytes);
  for (const tensor of weights.values()) assert.ok(tensor.data instanceof Float32Array);
  return weights;
}

const convertFixture = (weightsFile = 'model.safetensors', bytes = safetensorsBytes) =>
  convertWeights({ config, weightsFile, weightsBytes: bytes, dtypes: ['fp32'] }).get('fp32').onnx;

/**
 * Runs `attempt`, which must throw `Class` with a message matching `pattern`, on one line, within
 * the time limit and without growing memory past the limit.
 */
async function refused(attempt, Class, pattern) {
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  let error;
  try {
    await attempt();
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - started;
  assert.ok(error, 'expected a refusal, but the call succeeded');
  assert.ok(error instanceof Class, `expected ${Class.name}, got ${error?.name}: ${String(error?.message).slice(0, 300)}`);
  assert.ok(error instanceof GmatrixEmbedError);
  assert.match(error.message, pattern);
  assertOneLine(error.message);
  assert.ok(ms < TIME_LIMIT_MS, `took ${ms.toFixed(0)} ms`);
  assertMemoryBounded(peakBefore, rssBefore);
  return error;
}

function assertOneLine(message) {
  assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f]/, 'control characters in the message');
  assert.ok(message.length < 5000, `message of ${message.length} characters`);
}

function assertMemoryBounded(peakBefore, rssBefore) {
  const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  assert.ok(peakGrowth < MEMORY_LIMIT_BYTES, `peak memory grew by ${(peakGrowth / 2 ** 20).toFixed(0)} MB`);
  assert.ok(rssGrowth < MEMORY_LIMIT_BYTES, `memory grew by ${(rssGrowth / 2 ** 20).toFixed(0)} MB`);
}

let reference;
before(() => {
  reference = convertFixture();
});

/** After each group of cases: the real files still convert, to the same bytes. */
function stillConverts() {
  test('afterwards the real fixture still converts to the same model (safetensors and torch zip)', () => {
    assert.ok(Buffer.from(convertFixture()).equals(reference));
    assert.ok(Buffer.from(convertFixture('pytorch_model.bin', torchBytes)).equals(reference));
  });
}

// ---------------------------------------------------------------- torch zips

describe('torch zip with a lying central directory', () => {
  const zip = () => smallTorchZip();
  const fmt = (re) => [ModelFormatError, re];

  test('the crafted archive itself reads', () => {
    assert.deepEqual([...readAll('pytorch_model.bin', zip().bytes).get('w').data], [1, 2, 3, 4]);
  });

  test('zip64 entry count of 2^40 (a billion-step loop for a trusting reader)', async () => {
    const { bytes, at } = zip();
    poke(bytes, at.zip64Record + 24, 8, 2 ** 40);
    poke(bytes, at.zip64Record + 32, 8, 2 ** 40);
    poke(bytes, at.eocd + 8, 2, 0xffff);
    poke(bytes, at.eocd + 10, 2, 0xffff);
    await refused(() => readAll('pytorch_model.bin', bytes), ...fmt(/claims 1099511627776 entries/));
  });

  test('the real pytorch_model.bin with its zip64 count and sizes made impossible', async () => {
    const bytes = torchBytes.slice();
    const record = bytes.length - 22 - 20 - 56;
    assert.equal(new DataView(bytes.buffer).getUint32(record, true), 0x06064b50, 'zip64 record where torch puts it');
    poke(bytes, record + 24, 8, 2 ** 52);
    poke(bytes, record + 32, 8, 2 ** 52);
    poke(bytes, bytes.length - 22 + 8, 2, 0xffff);
    poke(bytes, bytes.length - 22 + 10, 2, 0xffff);
    await refused(() => readAll('pytorch_model.bin', bytes), ...fmt(/claims \d+ entries/));
    poke(bytes, record + 40, 8, 2 ** 50); // and a directory larger than the file
    poke(bytes, bytes.length - 22 + 12, 4, 0xffffffff);
    await refused(() => readAll('pytorch_model.bin', bytes), ...fmt(/runs past/));
  });

  test('a zip64 value beyond 2^53, and end records that disagree', async () => {
    const a = zip();
    poke(a.bytes, a.at.zip64Record + 48, 8, 2n ** 63n);
    await refused(() => readAll('pytorch_model.bin', a.bytes), ...fmt(/beyond any possible file|disagree/));
    const b = zip();
    poke(b.bytes, b.at.eocd + 10, 2, 2);
    await refused(() => readAll('pytorch_model.bin', b.bytes), ...fmt(/disagree/));
  });

  test('entry offsets past the end of the file', async () => {
    const a = zip();
    poke(a.bytes, a.at.central[2] + 42, 4, a.bytes.length + 100);
    await refused(() => readAll('pytorch_model.bin', a.bytes), ...fmt(/local header at offset/));
    const b = zip(); // an offset in a zip64 extra field that is not there
    poke(b.bytes, b.at.central[2] + 42, 4, 0xffffffff);
    await refused(() => readAll('pytorch_model.bin', b.bytes), ...fmt(/lacks the zip64 offset/));
    const c = zip(); // the central directory itself placed past the end
    poke(c.bytes, c.at.zip64Record + 48, 8, c.bytes.length * 4);
    poke(c.bytes, c.at.eocd + 16, 4, 0xffffffff);
    await refused(() => readAll('pytorch_model.bin', c.bytes), ...fmt(/runs past/));
  });

  test('huge declared sizes: stored, and deflated beyond what deflate can expand to', async () => {
    const a = zip();
    poke(a.bytes, a.at.central[2] + 24, 4, 0xfffffff0);
    await refused(() => readAll('pytorch_model.bin', a.bytes), ...fmt(/stored but declares 4294967280 bytes/));
    const b = zip();
    poke(b.bytes, b.at.central[2] + 10, 2, 8); // deflated, 16 compressed bytes claiming 4 GB
    poke(b.bytes, b.at.central[2] + 24, 4, 0xfffffff0);
    await refused(() => readAll('pytorch_model.bin', b.bytes), ...fmt(/more than deflate can expand to/));
  });

  test('overlapping entries and duplicate names', async () => {
    const pkl = stateDictPickle([['w', torchTensor({ key: '0', numel: 1, dims: [1] })]]);
    const entries = [{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/data/0', data: new Uint8Array(4) }];
    const a = craftZip(entries);
    poke(a.bytes, a.at.central[1] + 42, 4, 0); // data/0 claims data.pkl's bytes
    await refused(() => readAll('pytorch_model.bin', a.bytes), ...fmt(/overlap|declares/));
    const b = craftZip([...entries, { name: 'archive/data/0', data: new Uint8Array(4) }]);
    await refused(() => readAll('pytorch_model.bin', b.bytes), ...fmt(/appears twice/));
  });

  test('a decompression bomb in an entry the pickle never references is never inflated', async () => {
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const pkl = stateDictPickle([['w', torchTensor({ key: '0', numel: 4, dims: [4] })]]);
    const { bytes } = craftZip([
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/data/0', data: new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) },
      { name: 'archive/data/1', data: deflateBomb(1600), method: 8, size: 1600 * 2 ** 20 }, // 1.6 MB -> 1.6 GB
    ]);
    assert.deepEqual([...readAll('pytorch_model.bin', bytes).get('w').data], [1, 2, 3, 4]);
    assert.ok(performance.now() - started < TIME_LIMIT_MS);
    assertMemoryBounded(peakBefore, rssBefore);
  });

  test('a decompression bomb in a referenced entry is refused, declared honestly or not', async () => {
    const pkl = stateDictPickle([['w', torchTensor({ key: '0', numel: 4, dims: [4] })]]);
    const bomb = deflateBomb(1600);
    const honest = craftZip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data: bomb, method: 8, size: 1600 * 2 ** 20 }]);
    await refused(() => readAll('pytorch_model.bin', honest.bytes), ...fmt(/should hold 4 F32 values but has 1677721600 bytes/));
    // Declares the 16 bytes the tensor needs, then inflates on: stopped just past 16 bytes.
    const lying = craftZip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data: bomb, method: 8, size: 16 }]);
    await refused(() => readAll('pytorch_model.bin', lying.bytes), ...fmt(/inflates past the 16 bytes it declares/));
    // A pickle asking for the bomb's full size as a tensor: reading is cheap (data decoded only
    // when used), so the converter's shape checks come before any inflation.
    const big = stateDictPickle([['w', torchTensor({ key: '0', numel: 400 * 2 ** 20, dims: [400 * 2 ** 20] })]]);
    const claimed = craftZip([{ name: 'a/data.pkl', data: big }, { name: 'a/data/0', data: bomb, method: 8, size: 1600 * 2 ** 20 }]);
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const rssBefore = process.memoryUsage().rss;
    assert.deepEqual(readWeights('pytorch_model.bin', claimed.bytes).get('w').dims, [400 * 2 ** 20]);
    assertMemoryBounded(peakBefore, rssBefore);
  });

  test('a damaged deflate stream and a truncated archive', async () => {
    const { bytes } = craftZip([
      { name: 'a/data.pkl', data: stateDictPickle([['w', torchTensor({ key: '0', numel: 4, dims: [4] })]]) },
      { name: 'a/data/0', data: Uint8Array.from([0xff, 0xff, 0xff, 0xff]), method: 8, size: 16 },
    ]);
    await refused(() => readAll('pytorch_model.bin', bytes), ...fmt(/zip archive is damaged/));
    await refused(() => readAll('pytorch_model.bin', torchBytes.subarray(0, torchBytes.length - 30)), ...fmt(/zip archive is damaged/));
  });

  stillConverts();
});

// ---------------------------------------------------------------- pickles

describe('pickles that flood, nest or name what is not allowed', () => {
  /** A torch zip around `pkl` (no storages). */
  const inZip = (pkl) => craftZip([{ name: 'archive/data.pkl', data: pkl }]).bytes;
  const nones = (n) => new Array(n).fill(op.none);

  test('200,000 APPENDS items (spread into one call, this overflowed the stack)', async () => {
    const pkl = pickle(op.proto, orderedDict(), op.str('x'), op.emptyList, op.mark, nones(200_000), op.appends, op.setitem, op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(pkl)), ModelFormatError, /"x" is not a tensor \(it is a list of 200000 items\)/);
  });

  test('more values on the stack than the limit', async () => {
    const pkl = pickle(op.proto, op.emptyList, op.mark, nones(1_000_001), op.appends, op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(pkl)), ModelFormatError, /more than 1000000 values on the pickle stack/);
  });

  test('300,000 REDUCE arguments', async () => {
    const pkl = pickle(op.proto, op.global('torch._utils', '_rebuild_parameter'), op.mark, nones(300_000), op.tuple, op.reduce, op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(pkl)), ModelFormatError, /REDUCE passes 300000 arguments/);
  });

  test('a deeply nested tuple used as a dict key', async () => {
    const deep = pickle(op.proto, orderedDict(), op.none, new Array(100_000).fill(op.tuple1), op.none, op.setitem, op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(deep)), ModelFormatError, /nested more than 100 deep/);
    // Within the limit, the key is described by type and size, not stringified.
    const shallow = pickle(op.proto, orderedDict(), op.none, new Array(90).fill(op.tuple1), op.none, op.setitem, op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(shallow)), ModelFormatError, /a state dict key is a list of 1 items/);
  });

  test('a list of more items than the limit, built one APPEND at a time', async () => {
    const pkl = pickle(op.proto, op.emptyList, new Array(1_000_001).fill([op.none, op.append]), op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(pkl)), ModelFormatError, /a list of 1000001 items/);
  });

  test('a memo flooded with a million entries', async () => {
    const puts = [];
    for (let i = 0; i <= 1_000_000; i++) puts.push(0x72, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 0);
    const pkl = pickle(op.proto, op.none, puts, op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(pkl)), ModelFormatError, /more than 1000000 memo entries/);
  });

  test('a 1 MB integer (decoding it is quadratic)', async () => {
    const size = 2 ** 20;
    const pkl = pickle(op.proto, 0x8b, [size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, 0], new Array(size).fill(0x7f), op.stop);
    await refused(() => readAll('pytorch_model.bin', inZip(pkl)), ModelFormatError, /an integer of 1048576 bytes/);
  });

  test('unknown globals are refused; their names are escaped and cut in the message', async () => {
    await refused(() => readAll('pytorch_model.bin', inZip(pickle(op.proto, op.global('os', 'system'), op.stop))),
      UnsafeModelFileError, /refused pickle global "os\.system"/);
    const ansi = await refused(() => readAll('pytorch_model.bin', inZip(pickle(op.proto, op.global('os\x1b[2J\r', 'x'), op.stop))),
      UnsafeModelFileError, /refused pickle global "os\\x1b\[2J\\r\.x"/);
    assert.ok(!ansi.message.includes('\x1b'));
    const long = await refused(() => readAll('pytorch_model.bin', inZip(pickle(op.proto, op.global('m'.repeat(2 ** 20), 'x'), op.stop))),
      UnsafeModelFileError, /\(1048578 characters\)/);
    assert.ok(long.message.length < 1000);
    await refused(() => readAll('pytorch_model.bin', inZip(pickle(op.proto, 0x69, ...enc.encode('os\nsystem\n'), op.stop))),
      UnsafeModelFileError, /INST of "os\.system"/);
  });

  test('a tensor of 100 dimensions and one whose strides overflow', async () => {
    const tensor = (dims, strides) => stateDictPickle([['w', [
      op.global('torch._utils', '_rebuild_tensor_v2'),
      tup(tup(op.str('storage'), op.global('torch', 'FloatStorage'), op.str('0'), op.str('cpu'), op.int(4)), op.persid,
        op.int(0), tup(...dims.map(op.int)), tup(...strides.map(op.int)), op.newFalse, orderedDict()),
      op.reduce]]]);
    const zipWith = (pkl) => craftZip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data: new Uint8Array(16) }]).bytes;
    await refused(() => readAll('pytorch_model.bin', zipWith(tensor(new Array(100).fill(1), new Array(100).fill(1)))),
      ModelFormatError, /100 dimensions/);
    await refused(() => readAll('pytorch_model.bin', zipWith(tensor([2, 2, 2], [2 ** 30, 2 ** 30, 2 ** 30]))),
      ModelFormatError, /reaches past its 4-element storage/);
  });

  stillConverts();
});

// ---------------------------------------------------------------- safetensors

describe('safetensors headers that point past the file', () => {
  const f32 = (n) => new Uint8Array(4 * n);
  const good = () => safetensorsFile([{ name: 'a', dtype: 'F32', shape: [2], bytes: f32(2) }]);

  test('header lengths past the end of the file, up to 2^64 - 1', async () => {
    for (const length of [2 ** 40, 2n ** 64n - 1n, good().length]) {
      const bytes = good();
      poke(bytes, 0, 8, length);
      await refused(() => readAll('model.safetensors', bytes), ModelFormatError, /runs past the end of the file/);
    }
  });

  test('offsets past the end, reversed or overlapping', async () => {
    const file = (offsets, data = f32(4)) => rawSafetensors({
      a: { dtype: 'F32', shape: [2], data_offsets: offsets[0] },
      b: { dtype: 'F32', shape: [2], data_offsets: offsets[1] },
    }, data);
    await refused(() => readAll('model.safetensors', file([[0, 8], [8, 2 ** 52]])), ModelFormatError, /outside the 16-byte data block/);
    await refused(() => readAll('model.safetensors', file([[0, 8], [16, 8]])), ModelFormatError, /outside/);
    await refused(() => readAll('model.safetensors', file([[0, 8], [4, 12]])), ModelFormatError, /overlap/);
  });

  test('shapes whose element count overflows', async () => {
    const file = (shape) => rawSafetensors({ a: { dtype: 'F32', shape, data_offsets: [0, 8] } }, f32(2));
    await refused(() => readAll('model.safetensors', file([2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31])), ModelFormatError,
      /needs more bytes than any file holds/);
    await refused(() => readAll('model.safetensors', file([2 ** 53 - 1, 2 ** 53 - 1])), ModelFormatError, /needs more bytes/);
    await refused(() => readAll('model.safetensors', file(new Array(100_000).fill(1))), ModelFormatError, /100000 dimensions/);
  });

  test('nested or hostile header values are described, not stringified', async () => {
    let nested = '"F32"';
    for (let i = 0; i < 50_000; i++) nested = `[${nested}]`;
    const deep = rawSafetensors(null, f32(2), `{"a":{"dtype":${nested},"shape":[2],"data_offsets":[0,8]}}`);
    await refused(() => readAll('model.safetensors', deep), ModelFormatError, /unknown dtype a list of 1 items/);
    const named = rawSafetensors({ 'evil\x1b]0;pwned\x07\n': { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2));
    const err = await refused(() => readAll('model.safetensors', named), ModelFormatError, /tensor "evil\\x1b\]0;pwned\\x07\\n"/);
    assert.ok(!/[\x1b\x07\n]/.test(err.message));
  });

  stillConverts();
});

// ---------------------------------------------------------------- config.json sizes

describe('config.json sizes that the weights do not have', () => {
  const folder = (patch, weights = 'model.safetensors') => new MemoryFolderSource(new Map([
    ['config.json', enc.encode(typeof patch === 'string' ? patch : JSON.stringify({ ...config, ...patch }))],
    [weights, weights === 'model.safetensors' ? safetensorsBytes : torchBytes],
  ]), 'a crafted folder');

  const cases = [
    [{ hidden_size: 1e9 }, /hidden_size is 1000000000/],
    [{ vocab_size: 1e9 }, /vocab_size is 1000000000/],
    [{ max_position_embeddings: 1e9 }, /max_position_embeddings is 1000000000/],
    [{ max_relative_positions: 1e7 }, /max_relative_positions is 10000000/],
    [{ position_buckets: 1e9 }, /position_buckets is 1000000000/],
    [{ position_buckets: 1024 }, /position_buckets is 1024.*rel_embeddings/],
    [{ num_hidden_layers: 1e6 }, /num_hidden_layers is 1000000/],
    [{ intermediate_size: 2 ** 40 }, /intermediate_size is 1099511627776/],
    [{ num_attention_heads: 1e9, attention_head_size: 1e9 }, /num_attention_heads \* attention_head_size/],
    [{ embedding_size: 2 ** 30 }, /embedding_size/],
    [{ hidden_size: -64 }, /hidden_size must be at least 1/],
    [{ vocab_size: 2 ** 60 }, /vocab_size must be an integer/],
  ];
  for (const [patch, pattern] of cases) {
    test(`${JSON.stringify(patch)} is refused naming the field (safetensors and torch zip)`, async () => {
      await refused(() => convertFolder(folder(patch), ['fp32']), ModelFormatError, pattern);
      await refused(() => convertFolder(folder(patch, 'pytorch_model.bin'), ['fp32']), ModelFormatError, pattern);
    });
  }

  test('a config.json that is not JSON, or has a hostile model_type', async () => {
    await refused(() => convertFolder(folder('{"hidden_size": '), ['fp32']), ModelFormatError, /config\.json .* is not valid JSON/);
    await refused(() => convertFolder(folder({ model_type: `\x1b[31m${'x'.repeat(5000)}` }), ['fp32']), ModelFormatError,
      /this model is "\\x1b\[31mx+\.\.\." \(5005 characters\)/);
  });

  stillConverts();
});

// ---------------------------------------------------------------- tokenizer.json (found by fuzz-readers)

describe('tokenizer.json vocabularies whose ids cannot be lines of vocab.txt', () => {
  const folder = (vocab) => new MemoryFolderSource(new Map([
    ['config.json', fixture('config.json')],
    ['tokenizer.json', enc.encode(JSON.stringify({ model: { type: 'WordPiece', unk_token: '[UNK]', vocab } }))],
  ]), 'a crafted folder');
  const good = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, hello: 4 };

  test('the crafted vocabulary itself reads', async () => {
    assert.equal((await readModelFolder(folder(good))).vocabText, '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n');
  });

  // An id of 10^9 made a 10^9-line string (RangeError: Invalid string length after seconds).
  for (const [name, vocab, pattern] of [
    ['an id of 10^9', { ...good, hello: 1e9 }, /gives token "hello" the id "1000000000"/],
    ['a repeated id', { ...good, hello: 3 }, /needs the ids 0 to 4, each once/],
    ['a fractional or negative id', { ...good, hello: -0.5 }, /the id "-0\.5"/],
    ['a token with a line break', { ...good, 'a\nb': 5 }, /a token with a line break \("a\\nb"\)/],
  ]) {
    test(`${name} is refused`, async () => {
      await refused(() => readModelFolder(folder(vocab)), ModelFormatError, pattern);
    });
  }
});

after(() => {
  assert.ok(reference.length > 0); // every group ran against the same reference conversion
});
