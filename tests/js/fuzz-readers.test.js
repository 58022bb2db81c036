// Seeded fuzzing of the readers that take bytes from model files: safetensors, torch.save zips,
// the pickle inside them, and tokenizer.json. Valid inputs are mutated (bit flips, interesting
// values over fields, truncations, splices, inserted and deleted runs, JSON numbers swapped for
// huge ones) and every outcome must be a success or a GmatrixEmbedError with a one-line message:
// never a RangeError, TypeError or hang.
//
//   GMATRIX_EMBED_FUZZ_ITERATIONS  iterations per target (default 800: a few seconds in all)
//   GMATRIX_EMBED_FUZZ_SEED        the seed (default 1); failures print the seed and iteration
// A crasher found here belongs in hostile-files.test.js as a regression case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { fixturesDir, tinyDebertaDir } from './fixtures.js';
import {
  craftZip, op, orderedDict, safetensorsFile, stateDictPickle, torchTensor, tup,
} from './support/crafted-files.js';
import { readSafetensors } from '../../js/src/convert/safetensors.js';
import { readPytorchBin } from '../../js/src/convert/pytorch-pickle.js';
import { readZipDirectory, readZipEntry } from '../../js/src/convert/zip-reader.js';
import { readModelFolder } from '../../js/src/model-folder.js';
import { MemoryFolderSource } from '../../js/src/sources/memory-folder.js';
import { WasmTokenizer } from '../../js/src/wasm-tokenizer.js';
import { GmatrixEmbedError } from '../../js/src/errors.js';

const ITERATIONS = Number(process.env.GMATRIX_EMBED_FUZZ_ITERATIONS ?? 800);
const SEED = Number(process.env.GMATRIX_EMBED_FUZZ_SEED ?? 1);
const PER_CASE_LIMIT_MS = 2000;
const enc = new TextEncoder();
const fixture = (file) => new Uint8Array(fs.readFileSync(path.join(tinyDebertaDir, file)));

/** mulberry32: a small seeded generator, so a failing iteration can be replayed exactly. */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (list) => list[next.int(list.length)];
  return next;
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 40, 2 ** 53, 2 ** 64 - 1];
const HUGE_NUMBERS = ['0', '-1', '1e9', '4294967296', '9007199254740993', '1e308', '-0', '0.5', '65536', '1000000000000'];

/** One mutation of `bytes` (a new array); `donors` are other valid inputs to splice from. */
function mutate(bytes, rng, donors) {
  const out = bytes.slice();
  const at = () => rng.int(Math.max(1, out.length));
  switch (rng.int(8)) {
    case 0: { // flip a few bits
      for (let n = 1 + rng.int(8); n > 0 && out.length; n--) out[at()] ^= 1 << rng.int(8);
      return out;
    }
    case 1: { // an interesting value over a 1-, 2-, 4- or 8-byte little-endian field
      const width = rng.pick([1, 2, 4, 8]);
      let v = BigInt(rng.pick(INTERESTING));
      for (let i = 0, p = at(); i < width && p + i < out.length; i++, v >>= 8n) out[p + i] = Number(v & 0xffn);
      return out;
    }
    case 2: return out.subarray(0, at()); // truncate
    case 3: { // splice a run from a donor (or from itself) over a random place
      const donor = rng.pick([out, ...donors]);
      const from = rng.int(Math.max(1, donor.length));
      const run = donor.subarray(from, from + 1 + rng.int(64));
      const to = at();
      const copy = out.slice();
      copy.set(run.subarray(0, Math.max(0, copy.length - to)), to);
      return copy;
    }
    case 4: { // insert a run of random bytes
      const p = at();
      const run = Uint8Array.from({ length: 1 + rng.int(32) }, () => rng.int(256));
      return Uint8Array.from([...out.subarray(0, p), ...run, ...out.subarray(p)]);
    }
    case 5: { // delete a run
      const p = at();
      return Uint8Array.from([...out.subarray(0, p), ...out.subarray(p + 1 + rng.int(32))]);
    }
    case 6: { // a JSON-ish number replaced by a huge, negative or fractional one
      const text = new TextDecoder('latin1').decode(out);
      const numbers = [...text.matchAll(/-?\d+(?:\.\d+)?/g)];
      if (!numbers.length) return out;
      const m = rng.pick(numbers);
      return Uint8Array.from(Buffer.from(text.slice(0, m.index) + rng.pick(HUGE_NUMBERS) + text.slice(m.index + m[0].length), 'latin1'));
    }
    default: { // several mutations at once
      let result = out;
      for (let n = 2 + rng.int(3); n > 0; n--) result = mutate(result, rng, donors);
      return result;
    }
  }
}

/**
 * Runs `target` on mutated inputs; each must succeed or throw a GmatrixEmbedError with a one-line
 * message, within the time limit.
 */
async function fuzz(name, seeds, target) {
  const rng = random(SEED ^ hash(name));
  const outcomes = { ok: 0, refused: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(rng.pick(seeds), rng, seeds);
    const started = performance.now();
    try {
      await target(input);
      outcomes.ok++;
    } catch (err) {
      if (!(err instanceof GmatrixEmbedError) || /[\u0000-\u001f]/.test(err.message)) {
        const sample = Buffer.from(input.subarray(0, 4096)).toString('base64');
        assert.fail(`${name}: iteration ${i} (seed ${SEED}) threw ${err?.name}: ${String(err?.message).slice(0, 300)}\n`
          + `input (${input.length} bytes, first 4 KB as base64): ${sample}`);
      }
      outcomes.refused++;
    }
    const ms = performance.now() - started;
    assert.ok(ms < PER_CASE_LIMIT_MS, `${name}: iteration ${i} (seed ${SEED}) took ${ms.toFixed(0)} ms`);
  }
  assert.equal(outcomes.ok + outcomes.refused, ITERATIONS);
  return outcomes;
}

/** How many mutated inputs were read and how many refused: a fuzzer that only ever hits the
 * first check would show zero reads. */
function report(t, { ok, refused }) {
  t.diagnostic(`${ok} read, ${refused} refused`);
  assert.ok(ok > 0 && refused > 0, `${ok} read, ${refused} refused: the mutations no longer reach both outcomes`);
}

function hash(text) {
  let h = 2166136261;
  for (const c of enc.encode(text)) h = Math.imul(h ^ c, 16777619);
  return h >>> 0;
}

const touchAll = (weights) => {
  for (const tensor of weights.values()) assert.ok(tensor.data instanceof Float32Array);
};

// ---------------------------------------------------------------- seeds

const f32 = (values) => new Uint8Array(new Float32Array(values).buffer);
const safetensorsSeeds = [
  safetensorsFile([
    { name: 'a', dtype: 'F32', shape: [2, 2], bytes: f32([1, 2, 3, 4]) },
    { name: 'b', dtype: 'F16', shape: [3], bytes: new Uint8Array([0, 60, 0, 188, 255, 123]) },
    { name: 'c', dtype: 'BF16', shape: [1], bytes: new Uint8Array([128, 63]) },
    { name: 'ids', dtype: 'I64', shape: [1, 2], bytes: new Uint8Array(16) },
  ]),
  safetensorsFile([{ name: 'empty', dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) }]),
];

// A torch zip with what torch.save writes: shared storages, a strided view, F16, an int buffer.
function torchSeed() {
  const strided = [
    op.global('torch._utils', '_rebuild_tensor_v2'),
    tup(tup(op.str('storage'), op.global('torch', 'FloatStorage'), op.str('0'), op.str('cpu'), op.int(6)), op.persid,
      op.int(0), tup(op.int(3), op.int(2)), tup(op.int(1), op.int(3)), op.newFalse, orderedDict()),
    op.reduce,
  ];
  const pkl = stateDictPickle([
    ['w', torchTensor({ key: '0', numel: 6, dims: [2, 3] })],
    ['w.T', strided],
    ['h', torchTensor({ key: '1', numel: 2, dims: [2], storage: 'HalfStorage' })],
    ['position_ids', torchTensor({ key: '2', numel: 2, dims: [1, 2], storage: 'LongStorage' })],
  ]);
  return craftZip([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: enc.encode('little') },
    { name: 'archive/data/0', data: f32([1, 2, 3, 4, 5, 6]) },
    { name: 'archive/data/1', data: new Uint8Array([0, 60, 0, 64]) },
    { name: 'archive/data/2', data: new Uint8Array(16) },
  ]).bytes;
}
const torchSeeds = [torchSeed()];
const dataPkl = () => readStored(fixture('pytorch_model.bin'), 'pytorch_model/data.pkl');

/** An entry of a valid zip, read with the reader under test (its checks are tested elsewhere). */
function readStored(zip, name) {
  const fail = (problem) => new Error(problem);
  return readZipEntry(zip, readZipDirectory(zip, fail).get(name), {}, fail).slice();
}

// A WordPiece tokenizer.json like the tokenizers library writes, from the start of the fixture vocab.
function tokenizerJsonSeed() {
  const tokens = new TextDecoder().decode(fixture('vocab.txt')).split('\n').filter(Boolean).slice(0, 300);
  return enc.encode(JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '[PAD]', special: true }],
    normalizer: { type: 'BertNormalizer', lowercase: false }, pre_tokenizer: { type: 'BertPreTokenizer' },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100,
      vocab: Object.fromEntries(tokens.map((t, i) => [t, i])) },
  }));
}

// ---------------------------------------------------------------- targets

describe(`fuzzing the readers (${ITERATIONS} iterations each, seed ${SEED})`, () => {
  test('safetensors', async (t) => {
    report(t, await fuzz('safetensors', [...safetensorsSeeds, fixture('model.safetensors').slice(0, 20_000)],
      (bytes) => touchAll(readSafetensors(bytes))));
  });

  test('torch zip (archive structure)', async (t) => {
    report(t, await fuzz('torch zip', torchSeeds, (bytes) => touchAll(readPytorchBin(bytes))));
  });

  test('pickle (data.pkl of the real fixture and of a crafted state dict, in an intact zip)', async (t) => {
    const storages = fixtureStorages();
    const crafted = readStored(torchSeeds[0], 'archive/data.pkl');
    report(t, await fuzz('pickle', [dataPkl(), crafted], (pkl) => {
      const zip = craftZip([{ name: 'archive/data.pkl', data: pkl }, ...storages]).bytes;
      touchAll(readPytorchBin(zip));
    }));
  });

  test('tokenizer.json (read into a vocabulary, then a tokenizer built from it)', async (t) => {
    const files = (tokenizerJson) => new Map([
      ['config.json', fixture('config.json')], ['tokenizer_config.json', fixture('tokenizer_config.json')],
      ['tokenizer.json', tokenizerJson],
    ]);
    report(t, await fuzz('tokenizer.json', [tokenizerJsonSeed()], async (bytes) => {
      const settings = await readModelFolder(new MemoryFolderSource(files(bytes), 'a fuzzed folder'));
      const tokenizer = WasmTokenizer.create(settings.tokenizer, settings.tokenizerData, 16);
      try {
        tokenizer.encode('안녕하세요 hello [MASK] world');
      } finally {
        tokenizer.delete();
      }
    }));
  });

  test('tokenizer.json of a Unigram model (rebuilt into a SentencePiece model, loaded by the library)', async (t) => {
    const dir = path.join(fixturesDir, 'tiny-xlm-roberta');
    const files = (tokenizerJson) => new Map([
      ['config.json', new Uint8Array(fs.readFileSync(path.join(dir, 'config.json')))],
      ['tokenizer_config.json', new Uint8Array(fs.readFileSync(path.join(dir, 'tokenizer_config.json')))],
      ['tokenizer.json', tokenizerJson],
    ]);
    report(t, await fuzz('tokenizer.json (Unigram)', [unigramTokenizerJsonSeed()], async (bytes) => {
      const settings = await readModelFolder(new MemoryFolderSource(files(bytes), 'a fuzzed folder'));
      const tokenizer = WasmTokenizer.create(settings.tokenizer, settings.tokenizerData, 16);
      try {
        tokenizer.encode('안녕하세요 hello <mask> world ＡＢＣ ①');
      } finally {
        tokenizer.delete();
      }
    }));
  });
});

/**
 * A Unigram tokenizer.json as transformers writes it for XLM-RoBERTa, cut to 300 pieces:
 * mutations reach SentencePiece's model loading in WASM. The model's precompiled normalization
 * table (240 KB) only with GMATRIX_EMBED_FUZZ_CHARSMAP=1: it makes each case about 100 ms.
 */
function unigramTokenizerJsonSeed() {
  const dir = path.join(fixturesDir, 'tiny-xlm-roberta');
  const ModelProto = protobuf.parse(`syntax = "proto2"; message ModelProto {
    message SentencePiece { optional string piece = 1; optional float score = 2; }
    message NormalizerSpec { optional bytes precompiled_charsmap = 2; }
    repeated SentencePiece pieces = 1; optional NormalizerSpec normalizer_spec = 3; }`, { keepCase: true })
    .root.lookupType('ModelProto');
  const proto = ModelProto.decode(fs.readFileSync(path.join(dir, 'sentencepiece.bpe.model')));
  const vocab = [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0],
    ...proto.pieces.slice(3, 300).map((p) => [p.piece, p.score]), ['<mask>', 0]];
  return enc.encode(JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['<s>', '<pad>', '</s>', '<unk>'].map((content, id) => ({ id, content, special: true })),
    normalizer: { type: 'Sequence', normalizers: [
      ...(process.env.GMATRIX_EMBED_FUZZ_CHARSMAP === '1' ? [{ type: 'Precompiled',
        precompiled_charsmap: Buffer.from(proto.normalizer_spec.precompiled_charsmap).toString('base64') }] : []),
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  }));
}

/** The fixture's storages (as stored entries), for pickles that reference them. */
function fixtureStorages() {
  const zip = fixture('pytorch_model.bin');
  const fail = (problem) => new Error(problem);
  return [...readZipDirectory(zip, fail).values()]
    .filter((e) => e.name.startsWith('pytorch_model/data/'))
    .map((e) => ({ name: `archive/${e.name.slice('pytorch_model/'.length)}`, data: readZipEntry(zip, e, {}, fail) }));
}
