// Weights in every layout the converter reads must give the same model: sharded checkpoints
// (safetensors and torch.save shards with their index) convert byte for byte like the single
// file, and half-precision weights (F16, BF16; safetensors and torch.save) like float32 files
// holding the same values. Broken indexes are refused in one line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, tinyDebertaDir } from './fixtures.js';
import { rawTensors, shardFiles, torchFile } from './support/checkpoints.js';
import { safetensorsFile } from './support/crafted-files.js';
import { convertFolder, weightFilesOf } from '../../js/src/convert/convert-model.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { FileNotFoundError, ModelFormatError } from '../../js/src/errors.js';

const enc = new TextEncoder();
const fixture = (dir, file) => new Uint8Array(fs.readFileSync(path.join(dir, file)));
const tinyBertDir = path.join(fixturesDir, 'tiny-bert');
const tinyXlmrDir = path.join(fixturesDir, 'tiny-xlm-roberta');

const folderOf = (dir, weightFiles) => new MemoryFolderSource(new Map([['config.json', fixture(dir, 'config.json')], ...weightFiles]),
  'a test folder');
const fp32Of = async (folder) => Buffer.from((await convertFolder(folder, ['fp32'])).get('fp32').onnx);

describe('sharded checkpoints convert like the single file, byte for byte', () => {
  for (const [label, dir, count, format] of [
    ['tiny-deberta-v2, 3 safetensors shards', tinyDebertaDir, 3, 'safetensors'],
    ['tiny-deberta-v2, 2 torch.save shards', tinyDebertaDir, 2, 'bin'],
    ['tiny-bert (F16), 2 torch.save shards (HalfStorage)', tinyBertDir, 2, 'bin'],
    ['tiny-xlm-roberta, 2 safetensors shards', tinyXlmrDir, 2, 'safetensors'],
  ]) {
    test(label, async () => {
      const single = fixture(dir, 'model.safetensors');
      const shards = shardFiles(rawTensors(single), count, format);
      const folder = folderOf(dir, shards);
      const files = await weightFilesOf(folder);
      assert.deepEqual(files, [...shards.keys()].sort((a, b) => (a.endsWith('.json') ? -1 : b.endsWith('.json') ? 1 : a.localeCompare(b))));
      assert.ok((await fp32Of(folder)).equals(await fp32Of(folderOf(dir, [['model.safetensors', single]]))));
    });
  }

  test('q8 and q4 of a sharded checkpoint equal those of the single file', async () => {
    const single = fixture(tinyXlmrDir, 'model.safetensors');
    const sharded = await convertFolder(folderOf(tinyXlmrDir, shardFiles(rawTensors(single), 2, 'safetensors')), ['q8', 'q4']);
    const whole = await convertFolder(folderOf(tinyXlmrDir, [['model.safetensors', single]]), ['q8', 'q4']);
    for (const dtype of ['q8', 'q4']) assert.ok(Buffer.from(sharded.get(dtype).onnx).equals(whole.get(dtype).onnx), dtype);
  });

  test('a single file is preferred (WEIGHT_FILES order), then an index', async () => {
    const single = fixture(tinyDebertaDir, 'model.safetensors');
    const shards = [...shardFiles(rawTensors(single), 2, 'safetensors')];
    const bin = ['pytorch_model.bin', fixture(tinyDebertaDir, 'pytorch_model.bin')];
    assert.deepEqual(await weightFilesOf(folderOf(tinyDebertaDir, [...shards, ['model.safetensors', single]])), ['model.safetensors']);
    assert.deepEqual(await weightFilesOf(folderOf(tinyDebertaDir, [...shards, bin])), ['pytorch_model.bin']);
    const both = [...shards, ...shardFiles(rawTensors(single), 2, 'bin')];
    assert.equal((await weightFilesOf(folderOf(tinyDebertaDir, both)))[0], 'model.safetensors.index.json');
    await assert.rejects(weightFilesOf(folderOf(tinyDebertaDir, [])), (e) => e instanceof FileNotFoundError &&
      /no weights to convert .*model\.safetensors\.index\.json/.test(e.message));
  });
});

describe('broken shard indexes are refused in one line', () => {
  const tensors = rawTensors(fixture(tinyDebertaDir, 'model.safetensors'));
  const good = shardFiles(tensors, 2, 'safetensors');
  const INDEX = 'model.safetensors.index.json';
  const goodMap = JSON.parse(new TextDecoder().decode(good.get(INDEX))).weight_map;
  const [first, second] = [...new Set(Object.values(goodMap))].sort();
  const withIndex = (index, files = good) => {
    const copy = new Map(files);
    copy.set(INDEX, enc.encode(typeof index === 'string' ? index : JSON.stringify(index)));
    return folderOf(tinyDebertaDir, copy);
  };
  const refused = async (folder, Class, pattern) => {
    await assert.rejects(convertFolder(folder, ['fp32']), (e) => {
      assert.ok(e instanceof Class, `${e.name}: ${e.message}`);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  };
  const someTensor = Object.keys(goodMap)[0];

  test('not JSON, or no weight_map', async () => {
    await refused(withIndex('{"weight_map": '), ModelFormatError, /model\.safetensors\.index\.json: is not valid JSON/);
    await refused(withIndex({ metadata: {} }), ModelFormatError, /has no "weight_map" object \(found nothing\)/);
    await refused(withIndex({ weight_map: [] }), ModelFormatError, /has no "weight_map" object/);
    await refused(withIndex({ weight_map: {} }), ModelFormatError, /empty "weight_map"/);
  });

  for (const shard of ['../model-00001-of-00002.safetensors', 'sub/model-00001-of-00002.safetensors', '/etc/passwd',
    'model.safetensors', 'pytorch_model-00001-of-00002.bin', 'model-00001-of-00002.safetensors\n', 7]) {
    test(`a shard named ${JSON.stringify(shard)} is refused before any file is read`, async () => {
      await refused(withIndex({ weight_map: { ...goodMap, [someTensor]: shard } }), ModelFormatError,
        /puts tensor ".*" in .*, which is not a shard file name/);
    });
  }

  test('shard numbers that do not fit together', async () => {
    await refused(withIndex({ weight_map: { ...goodMap, [someTensor]: 'model-00003-of-00002.safetensors' } }), ModelFormatError,
      /names shard "model-00003-of-00002\.safetensors", which does not fit/);
    await refused(withIndex({ weight_map: { ...goodMap, [someTensor]: 'model-00001-of-00003.safetensors' } }), ModelFormatError,
      /which does not fit the 3 shards of the others/);
  });

  test('a shard missing from the folder', async () => {
    const files = new Map(good);
    files.delete(second);
    await refused(withIndex(JSON.parse(new TextDecoder().decode(good.get(INDEX))), files), FileNotFoundError,
      new RegExp(`lacks 1 of the 2 shards model\\.safetensors\\.index\\.json names \\(${second.replace(/\./g, '\\.')}\\)`));
  });

  test('a tensor the index puts in a shard that does not hold it', async () => {
    const moved = Object.keys(goodMap).find((name) => goodMap[name] === first);
    await refused(withIndex({ weight_map: { ...goodMap, [moved]: second } }), ModelFormatError,
      new RegExp(`puts tensor "${moved.replace(/\./g, '\\.')}" in ${second.replace(/\./g, '\\.')}, which does not hold it`));
  });

  test('a tensor in two shards', async () => {
    const files = new Map(good);
    files.set(second, safetensorsFile([...tensors.slice(Math.ceil(tensors.length / 2)), tensors[0]]));
    await refused(withIndex(JSON.parse(new TextDecoder().decode(good.get(INDEX))), files), ModelFormatError,
      /is in both model-00001-of-00002\.safetensors and model-00002-of-00002\.safetensors/);
  });

  test('a broken shard is named in the error', async () => {
    const files = new Map(good);
    files.set(second, files.get(second).subarray(0, 100));
    await refused(withIndex(JSON.parse(new TextDecoder().decode(good.get(INDEX))), files), ModelFormatError,
      /^model-00002-of-00002\.safetensors: /);
  });
});

describe('half-precision weights convert exactly', () => {
  // BF16 keeps float32's upper 16 bits: truncating the float32 fixture gives BF16 values whose
  // float32 form is known exactly, to write both ways.
  const bf16Pair = (dir) => {
    const f32 = rawTensors(fixture(dir, 'model.safetensors'));
    const asF32 = [];
    const asBF16 = [];
    for (const t of f32) {
      const words = new Uint16Array(t.bytes.slice().buffer);
      const high = words.filter((_, i) => i % 2 === 1); // little-endian: odd words are the high halves
      const truncated = new Uint32Array(high.length);
      high.forEach((h, i) => { truncated[i] = h << 16; });
      asF32.push({ ...t, bytes: new Uint8Array(truncated.buffer) });
      asBF16.push({ ...t, dtype: 'BF16', bytes: new Uint8Array(high.buffer) });
    }
    return { asF32, asBF16 };
  };

  test('BF16 safetensors and BF16 torch.save equal float32 files of the same values', async () => {
    const { asF32, asBF16 } = bf16Pair(tinyXlmrDir);
    assert.equal(asF32[0].dtype, 'F32');
    const reference = await fp32Of(folderOf(tinyXlmrDir, [['model.safetensors', safetensorsFile(asF32)]]));
    assert.ok((await fp32Of(folderOf(tinyXlmrDir, [['model.safetensors', safetensorsFile(asBF16)]]))).equals(reference));
    assert.ok((await fp32Of(folderOf(tinyXlmrDir, [['pytorch_model.bin', torchFile(asBF16)]]))).equals(reference));
  });

  test('F16 (tiny-bert) in safetensors, torch.save and shards of both: one model', async () => {
    const single = fixture(tinyBertDir, 'model.safetensors');
    const tensors = rawTensors(single);
    assert.ok(tensors.every((t) => t.dtype === 'F16'));
    const reference = await fp32Of(folderOf(tinyBertDir, [['model.safetensors', single]]));
    assert.ok((await fp32Of(folderOf(tinyBertDir, [['pytorch_model.bin', torchFile(tensors)]]))).equals(reference));
    assert.ok((await fp32Of(folderOf(tinyBertDir, shardFiles(tensors, 3, 'safetensors')))).equals(reference));
  });
});
