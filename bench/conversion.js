// Section 1: converting base-size Hugging Face weights to ONNX with convertWeights, per dtype:
// output size and conversion time against fp32, and a check that our fp32 graph computes what the
// torch-exported reference graph computes when both hold the same weights.
import fs from 'node:fs';
import path from 'node:path';
import { convertWeights } from '../js/src/convert/convert-model.js';
import { quantizeModel } from '../js/src/convert/quantize.js';
import {
  baseConfig, encodeSafetensors, generateExternalData, huggingFaceTensors, openBackend, randomIdBatch,
  writeReferenceModel,
} from './base-weights.js';
import { log, maxAbsDiff, mb, percent, seconds, table, times } from './report.js';

const DTYPES = ['fp32', 'q8', 'q4'];

/**
 * Writes into `work`: reference/model.onnx (+ model.onnx_data) and converted/onnx/<dtype files>.
 * @returns {{reference: string, converted: Record<string, string>}} .onnx paths, for section 2
 */
export async function runConversion({ work, quick }) {
  log('generating base weights: 185M float32 values from a seeded PRNG, laid out per manifest.json');
  let started = performance.now();
  const externalData = generateExternalData();
  log(`generated in ${seconds(performance.now() - started)} s; writing the reference data file and the HF safetensors`);
  started = performance.now();
  const reference = writeReferenceModel(path.join(work, 'reference'), externalData);
  const hfDir = path.join(work, 'hf');
  fs.mkdirSync(hfDir);
  fs.writeFileSync(path.join(hfDir, 'config.json'), JSON.stringify(baseConfig));
  fs.writeFileSync(path.join(hfDir, 'model.safetensors'), encodeSafetensors(huggingFaceTensors(externalData)));
  log(`wrote both (2 x 741 MB) in ${seconds(performance.now() - started)} s`);

  // Read back from disk, as `gmatrix-embed convert` would.
  const weightsBytes = fs.readFileSync(path.join(hfDir, 'model.safetensors'));
  const config = JSON.parse(fs.readFileSync(path.join(hfDir, 'config.json'), 'utf8'));
  const convert = (dtypes) => convertWeights({ config, weightsFile: 'model.safetensors', weightsBytes, dtypes });

  // The first call in a process is several times slower than later ones (one-time costs: JIT,
  // first touch of GB-sized buffers). It is what a one-off `gmatrix-embed convert` pays, so it is
  // shown, but kept out of the per-dtype comparison, which runs after it.
  log('convertWeights dtype fp32, first call in this process (warm-up)');
  started = performance.now();
  convert(['fp32']);
  const coldMs = performance.now() - started;

  const results = [];
  const converted = {};
  let fp32Output;
  for (const dtype of DTYPES) {
    log(`convertWeights dtype ${dtype}`);
    started = performance.now();
    const output = convert([dtype]).get(dtype);
    const ms = performance.now() - started;
    const bytes = output.onnx.length + output.externalData.reduce((n, e) => n + e.data.length, 0);
    converted[dtype] = writeOutput(path.join(work, 'converted'), output);
    if (dtype === 'fp32') fp32Output = output;
    results.push({ label: dtype, ms, bytes });
  }
  // q8 with quantizeModel's weight-only scheme 'matmulnbits' (q8's default is 'dynamic'):
  // made from the fp32 output so that section 2 can time it beside the default q8.
  log("quantizeModel scheme 'matmulnbits' on the fp32 output");
  started = performance.now();
  const nbits = quantizeModel(fp32Output.onnx, {
    dtype: 'q8', scheme: 'matmulnbits', externalData: fp32Output.externalData,
  });
  results.push({
    label: "q8 MatMulNBits (quantizeModel on fp32's output)", ms: performance.now() - started, bytes: nbits.model.length,
  });
  converted['q8 matmulnbits'] = writeOutput(path.join(work, 'converted'), {
    path: 'onnx/model_quantized_nbits.onnx', onnx: nbits.model, externalData: nbits.externalData,
  });
  if (!quick) {
    log('convertWeights fp32,q8,q4 in one call (builds the graph once for all three)');
    started = performance.now();
    convert(DTYPES);
    results.push({ label: 'fp32+q8+q4, one call', ms: performance.now() - started });
  }
  results.push({ label: 'fp32, first call (cold)', ms: coldMs });

  const fp32 = results[0];
  const referenceBytes = fs.statSync(reference).size + externalData.length;
  table(['output', 'size MB', '% of fp32', 'convert s', 'time vs fp32 (warm)'], [
    ['reference export (torch)', mb(referenceBytes), percent(referenceBytes / fp32.bytes), '—', '—'],
    ...results.map((r) => [
      r.label, r.bytes ? mb(r.bytes) : '—', r.bytes ? percent(r.bytes / fp32.bytes) : '—', seconds(r.ms), times(r.ms / fp32.ms),
    ]),
  ]);

  await checkAgainstReference(reference, converted.fp32);
  return { reference, converted };
}

function writeOutput(dir, { path: relative, onnx, externalData }) {
  const onnxPath = path.join(dir, relative);
  fs.mkdirSync(path.dirname(onnxPath), { recursive: true });
  for (const side of externalData) fs.writeFileSync(path.join(path.dirname(onnxPath), side.path), side.data);
  fs.writeFileSync(onnxPath, onnx);
  return onnxPath;
}

// Same weights, same 2 x 32 batch (second row padded after 20 tokens) through both graphs.
async function checkAgainstReference(referencePath, oursPath) {
  log('checking converted fp32 against the reference export on a 2 x 32 batch');
  const batch = randomIdBatch([32, 20], 11);
  const hidden = {};
  for (const [name, file] of [['reference', referencePath], ['ours', oursPath]]) {
    // One session at a time: two 741 MB models would crowd ONNX Runtime's 4 GB wasm heap.
    const backend = await openBackend(file, 1);
    hidden[name] = (await backend.run(batch)).data;
    await backend.dispose();
  }
  const width = baseConfig.hidden_size;
  const real = (a) => a.filter((_, i) => batch.attentionMask[Math.floor(i / width)] === 1);
  const diffReal = maxAbsDiff(real(hidden.ours), real(hidden.reference));
  const diffAll = maxAbsDiff(hidden.ours, hidden.reference);
  log(`last_hidden_state [2, 32, ${width}], ours vs reference: max abs diff ${diffReal.toExponential(2)} ` +
    `over real tokens, ${diffAll.toExponential(2)} including padded positions`);
}
