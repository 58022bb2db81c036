// Web apps bundle the package: a browser build must not pull in any Node module (those are
// reached only under Node, and package.json's "browser" field blanks the Node-only files).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './fixtures.js';

for (const entry of ['js/src/index.js', 'js/src/convert.js']) {
  it(`${entry} bundles for browsers without Node built-ins`, async () => {
    const result = await build({
      entryPoints: [path.join(repoRoot, entry)],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      external: ['onnxruntime-web'],
    });
    assert.equal(result.errors.length, 0);
    const code = result.outputFiles[0].text;
    assert.doesNotMatch(code, /(from|import\()\s*["']node:/, 'a Node built-in is imported');
    assert.doesNotMatch(code, /["']node:fs/, 'Node file-system code is in the bundle');
    // A page with a strict Content-Security-Policy (no 'unsafe-eval') must be able to run it:
    // e.g. protobufjs reflection compiles its decoders with Function(...) (see onnx-proto.js).
    assert.doesNotMatch(code, /\bFunction\s*(\(|\.apply|\.call)|\beval\s*\(/, 'the bundle has eval-like code');
  });
}
