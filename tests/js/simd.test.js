// The WebAssembly build really uses SIMD in its similarity kernels.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { coreInfo } from '../../js/src/index.js';
import { repoRoot } from './fixtures.js';

it('is compiled with SIMD and Unicode 14.0 tables', () => {
  assert.deepEqual(coreInfo(), { simd: true, unicodeVersion: '14.0.0' });
});

it('has f64x2 SIMD instructions in the binary (binaryen wasm-dis)', (t) => {
  let text;
  try {
    text = execFileSync('wasm-dis', [path.join(repoRoot, 'js/wasm/gmatrix_core.wasm')],
      { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (err) {
    if (err.code === 'ENOENT') return t.skip('wasm-dis (binaryen, installed with emscripten) is not on PATH');
    throw err;
  }
  for (const op of ['f64x2.promote_low_f32x4', 'f64x2.mul', 'f64x2.add', 'v128.load']) {
    assert.ok(text.includes(op), `${op} missing from the wasm`);
  }
});
