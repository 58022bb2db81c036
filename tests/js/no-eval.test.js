// The ONNX reader/writer must run without eval: a page with a strict Content-Security-Policy (no
// 'unsafe-eval') loads models through it. Node's --disallow-code-generation-from-strings makes
// eval and new Function() throw as such a page would, so the paths that decode and encode ONNX
// (conversion, quantization, the load-time graph passes) run under it in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { repoRoot, tinyDebertaDir } from './fixtures.js';

const url = (file) => JSON.stringify(pathToFileURL(path.join(repoRoot, file)).href);

test('ONNX conversion, decoding and re-encoding run with code generation from strings disallowed', async () => {
  const script = `
    import { readFile } from 'node:fs/promises';
    const { convertWeights } = await import(${url('js/src/convert/convert-model.js')});
    const { optimizeGraph } = await import(${url('js/src/graph/optimize.js')});
    const { decodeModel, encodeModel } = await import(${url('js/src/convert/onnx-proto.js')});
    const dir = ${JSON.stringify(tinyDebertaDir)};
    const out = convertWeights({
      config: JSON.parse(await readFile(dir + '/config.json', 'utf8')),
      weightsFile: 'model.safetensors',
      weightsBytes: await readFile(dir + '/model.safetensors'),
      dtypes: ['fp32', 'q8'],
    });
    const onnx = out.get('fp32').onnx;
    if (Buffer.compare(encodeModel(decodeModel(onnx)), onnx) !== 0) throw new Error('re-encoding changed the bytes');
    const optimized = optimizeGraph(await readFile(dir + '/model.onnx'), { selfLocation: 'model.onnx' });
    console.log(JSON.stringify({ q8: out.get('q8').onnx.length > 0, applied: optimized.applied.length }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script]);
  const result = JSON.parse(stdout);
  assert.equal(result.q8, true);
  assert.ok(result.applied > 0, 'the graph passes ran');
});
