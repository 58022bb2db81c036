// require('gmatrix-embed') from CommonJS: load() gives the ES module; anything else read from the
// CommonJS entry is a clear error naming the way in (not an undefined export failing later).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, tinyDebertaDir } from './fixtures.js';

it('a CommonJS script embeds through require(...).load(), and gets a clear error otherwise', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-cjs-'));
  await fs.mkdir(path.join(dir, 'node_modules'));
  await fs.symlink(repoRoot, path.join(dir, 'node_modules', 'gmatrix-embed'));
  const script = path.join(dir, 'app.cjs');
  await fs.writeFile(script, `
    const gmatrix = require('gmatrix-embed');
    try { gmatrix.Embedder; } catch (err) { console.log('error:', err.message); }
    gmatrix.load().then(async ({ Embedder }) => {
      const model = await Embedder.load(${JSON.stringify(tinyDebertaDir)}, { backend: 'wasm', threads: 1 });
      const { dims } = await model.embed(['안녕하세요', '반갑습니다']);
      console.log('dims:', dims.join('x'));
      await model.dispose();
    });`);
  const stdout = await new Promise((resolve, reject) => execFile(process.execPath, [script], { cwd: dir },
    (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out))));
  assert.match(stdout, /error: require\('gmatrix-embed'\)\.Embedder is not available: gmatrix-embed is an ES module: in CommonJS use `const \{ Embedder \} = await require\('gmatrix-embed'\)\.load\(\)`/);
  assert.match(stdout, /dims: 2x64/);
});
