// Base-size DeBERTa-v2 weights for the benchmarks. The shared fixture ships the reference graph
// (base-deberta-v2-graph/model.onnx) without its 741 MB of weights, so they are generated here
// with a seeded PRNG, once, and written in both forms the benchmarks need:
//  - model.onnx_data for the reference graph, laid out exactly as manifest.json says;
//  - model.safetensors with Hugging Face DebertaV2Model state_dict names, for our converter.
// Both hold the same numbers, so the two graphs must agree to float32 rounding.
// Also here: random-id input batches for the base model and opening a model the way the package does.
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../tests/js/fixtures.js';
import { openBackend as openPackageBackend } from '../js/src/backends/index.js';
import { externalDataCandidates } from '../js/src/layout.js';
import { LocalFolderSource } from '../js/src/sources/local-folder.js';

export const baseGraphDir = path.join(fixturesDir, 'base-deberta-v2-graph');
export const baseManifest = JSON.parse(fs.readFileSync(path.join(baseGraphDir, 'manifest.json'), 'utf8'));
export const baseConfig = JSON.parse(fs.readFileSync(path.join(baseGraphDir, 'config.json'), 'utf8'));

/** Seeded PRNG (xorshift32): deterministic weights and inputs without storing them. */
export function makeRandom(seed) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  // Box-Muller gives two normals per pair of uniforms; keeping the second halves the cost of
  // filling 185M values.
  let spare = null;
  const normal = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const a = 2 * Math.PI * uniform();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
  return { uniform, normal };
}

/**
 * Fills the reference graph's external data file from the manifest, by its `suggested_init` rule
 * (LayerNorm weights 1, biases 0, the rest N(0, 0.02)).
 * @returns {Uint8Array} the whole model.onnx_data
 */
export function generateExternalData(seed = 20240603) {
  const data = new Uint8Array(baseManifest.external_data_file_bytes);
  const rnd = makeRandom(seed);
  for (const t of baseManifest.tensors) {
    const values = new Float32Array(data.buffer, t.offset, t.length / 4);
    if (t.suggested_init === 'ones') values.fill(1);
    else if (t.suggested_init === 'zeros') values.fill(0);
    else for (let i = 0; i < values.length; i++) values[i] = 0.02 * rnd.normal();
  }
  return data;
}

/**
 * The same values as Hugging Face tensors. The exporter stored each Linear weight as the
 * MatMul's right operand [in, out] (`transposed`), while nn.Linear keeps [out, in].
 * @param {Uint8Array} externalData  what generateExternalData returned
 * @returns {Map<string, {dims: number[], data: Float32Array}>}  views into a fresh copy
 */
export function huggingFaceTensors(externalData) {
  const tensors = new Map();
  for (const t of baseManifest.tensors) {
    const src = new Float32Array(externalData.buffer, externalData.byteOffset + t.offset, t.length / 4);
    if (!t.transposed) {
      tensors.set(t.torch_parameter, { dims: t.dims.slice(), data: src });
      continue;
    }
    const [rows, cols] = t.dims;
    const out = new Float32Array(src.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
    tensors.set(t.torch_parameter, { dims: [cols, rows], data: out });
  }
  return tensors;
}

/**
 * Serializes float32 tensors as safetensors: u64 header length, JSON header padded with spaces
 * to 8 bytes (so the data block stays aligned), tensors sorted by name as the reference writer does.
 * @param {Map<string, {dims: number[], data: Float32Array}>} tensors
 * @returns {Uint8Array}
 */
export function encodeSafetensors(tensors) {
  const names = [...tensors.keys()].sort();
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const name of names) {
    const { dims, data } = tensors.get(name);
    header[name] = { dtype: 'F32', shape: dims, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors.get(name);
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** Writes the reference graph with its generated data file into `dir`; returns the .onnx path. */
export function writeReferenceModel(dir, externalData) {
  fs.mkdirSync(dir, { recursive: true });
  const onnxPath = path.join(dir, 'model.onnx');
  // Read and written rather than copied: a copy would keep the fixture's read-only mode.
  fs.writeFileSync(onnxPath, fs.readFileSync(path.join(baseGraphDir, 'model.onnx')));
  fs.writeFileSync(path.join(dir, baseManifest.external_data_file), externalData);
  return onnxPath;
}

/**
 * Random token ids for the base model, one row per length: [CLS] ids [SEP], then padding (mask 0),
 * in the batch shape the wasm tokenizer produces and a backend's run takes. Random ids stand in
 * for tokenized text because the base vocabulary is not shipped; with random weights only the
 * lengths matter for speed.
 */
export function randomIdBatch(lengths, seed) {
  const rnd = makeRandom(seed);
  const sequenceLength = Math.max(...lengths);
  const ids = new Int32Array(lengths.length * sequenceLength);
  const attentionMask = new Int32Array(lengths.length * sequenceLength);
  lengths.forEach((n, row) => {
    for (let k = 0; k < n; k++) {
      const at = row * sequenceLength + k;
      ids[at] = k === 0 ? 2 : k === n - 1 ? 3 : 5 + Math.floor(rnd.uniform() * (baseConfig.vocab_size - 5));
      attentionMask[at] = 1;
    }
  });
  return {
    ids, attentionMask, rows: lengths.length, sequenceLength,
    ids64: BigInt64Array.from(ids, BigInt), mask64: BigInt64Array.from(attentionMask, BigInt),
  };
}

/** Opens an ONNX file as the package does, with its `_data` side file if any ('wasm' or 'native'). */
export async function openBackend(onnxPath, threads, kind = 'wasm') {
  const source = new LocalFolderSource(path.dirname(onnxPath));
  const files = { source, onnxPath: path.basename(onnxPath) };
  for (const candidate of externalDataCandidates(files.onnxPath)) {
    if (!files.externalDataPath && await source.has(candidate)) files.externalDataPath = candidate;
  }
  return (await openPackageBackend(kind, files, { threads })).backend;
}
