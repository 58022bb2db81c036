// The package as users get it: `npm pack` holds only what belongs in it, and the packed tarball,
// installed into scratch apps, works from a Node ES module, a CommonJS script and a Vite app
// built with `vite build` and run in Chromium, each giving the golden embeddings.
//
// The tarball is unpacked into the scratch app's node_modules and the package's dependencies
// are linked from this repository's node_modules: that is what `npm install <tarball>` leaves,
// offline and in under a second. (A real `npm install --offline` took 11 s here, and fails on a
// fresh CI machine: `npm ci` caches tarballs but not the registry metadata it needs.) Only the
// declared dependencies are linked, so a missing one fails the test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDemoServer } from '../../demo/server.js';
import { goldenDir, repoRoot, tinyDebertaDir } from '../js/fixtures.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skipReason = fs.existsSync(CHROMIUM) ? false
  : `Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`;
const TOLERANCE = 1e-5;
// Hard inputs (empty, mixed scripts, emoji, truncated, control characters) and KorSTS sentences.
const GOLDEN_IDS = ['s0000', 's0002', 's0003', 's0006', 's0007', 's0011', 's0026', 's0028'];
const golden = (() => {
  const all = JSON.parse(fs.readFileSync(path.join(goldenDir, 'sentences.json'), 'utf8')).sentences;
  return GOLDEN_IDS.map((id) => all.find((s) => s.id === id));
})();
const texts = golden.map((s) => s.text);

function assertGolden(embeddings, where) {
  assert.equal(embeddings.length, golden.length);
  golden.forEach((s, i) => {
    const diff = Math.max(...s.embedding.map((x, j) => Math.abs(x - embeddings[i][j])));
    assert.ok(diff <= TOLERANCE, `${where}: ${s.id} (${s.sources}) differs from the golden embedding by ${diff}`);
  });
}

// Only these may ship: sources, types, the built core, the model registry, README, LICENSE.
const ALLOWED = /^(package\.json|README\.md|LICENSE|js\/(src|bin)\/[\w/.-]+\.(js|cjs|d\.ts)|js\/wasm\/gmatrix_core\.(wasm|mjs)|models\/[\w.-]+\.js)$/;
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'js/wasm/gmatrix_core.wasm', 'js/wasm/gmatrix_core.mjs',
  'js/src/index.js', 'js/src/index.cjs', 'js/src/index.d.ts', 'models/registry.js'];

let scratch;
let app;
let packed;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gmatrix-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: repoRoot });
  // npm prints the JSON after any lifecycle-script output.
  [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  app = path.join(scratch, 'app');
  const installed = path.join(app, 'node_modules', 'gmatrix-embed');
  fs.mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', path.join(scratch, packed.filename), '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
    const target = path.join(repoRoot, 'node_modules', name);
    if (!fs.existsSync(target)) continue; // an optional dependency not installed here
    fs.mkdirSync(path.dirname(path.join(app, 'node_modules', name)), { recursive: true });
    fs.symlinkSync(target, path.join(app, 'node_modules', name), 'dir');
  }
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }));
});

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('npm pack', () => {
  it('holds the built core, sources, types, registry, README and LICENSE, and nothing else', () => {
    const files = packed.files.map((f) => f.path);
    const stray = files.filter((f) => !ALLOWED.test(f));
    assert.deepEqual(stray, [], 'files that do not belong in the package (tests, bench, demo, fuzz seeds, builds, maps)');
    for (const file of REQUIRED) assert.ok(files.includes(file), `${file} is missing from the package`);
    // Every path package.json points at is in the tarball.
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((entry) => Object.values(entry))];
    for (const target of targets) assert.ok(files.includes(path.posix.normalize(target)), `${target} is not packed`);
    assert.ok(packed.unpackedSize < 2e6, `unpacked size ${packed.unpackedSize} bytes: something large slipped in`);
  });
});

describe('the packed package installed in a scratch app', () => {
  it('works from a Node ES module', async () => {
    fs.writeFileSync(path.join(app, 'esm.mjs'), `
      import { Embedder, rows } from 'gmatrix-embed';
      const model = await Embedder.load(process.argv[2]);
      const texts = JSON.parse(process.argv[3]);
      const embeddings = rows(await model.embed(texts)).map((row) => Array.from(row));
      console.log(JSON.stringify({ backend: model.info.backend, embeddings }));
      await model.dispose();`);
    const { stdout } = await run(process.execPath, ['esm.mjs', tinyDebertaDir, JSON.stringify(texts)], { cwd: app });
    const result = JSON.parse(stdout);
    assertGolden(result.embeddings, `Node ESM (${result.backend})`);
  });

  it('works from CommonJS through require(...).load(), as README says', async () => {
    fs.writeFileSync(path.join(app, 'cjs.cjs'), `
      const gmatrix = require('gmatrix-embed');
      gmatrix.load().then(async ({ Embedder, rows }) => {
        const model = await Embedder.load(process.argv[2], { backend: 'wasm', threads: 1 });
        const embeddings = rows(await model.embed(JSON.parse(process.argv[3]))).map((row) => Array.from(row));
        console.log(JSON.stringify({ embeddings }));
        await model.dispose();
      });`);
    const { stdout } = await run(process.execPath, ['cjs.cjs', tinyDebertaDir, JSON.stringify(texts)], { cwd: app });
    assertGolden(JSON.parse(stdout).embeddings, 'CommonJS (wasm)');
  });

  // Vite bundles the core's and ONNX Runtime Web's `new URL('x.wasm', import.meta.url)` files as
  // assets with no configuration. The one line README documents: workers (the Web Worker API)
  // must be bundled as ES modules, since the core uses top-level await; Vite's default is iife.
  describe('in a Vite app built with vite build, in Chromium, cross-origin isolated', { skip: skipReason }, () => {
    let server;
    let browser;
    let page;
    let csp;
    const problems = [];

    before(async () => {
      fs.writeFileSync(path.join(app, 'vite.config.js'), "export default { worker: { format: 'es' } };\n");
      fs.writeFileSync(path.join(app, 'index.html'),
        '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>\n');
      // In the page and, where the package has it, through the Web Worker API.
      fs.writeFileSync(path.join(app, 'main.js'), `
        import * as gmatrix from 'gmatrix-embed';
        window.embed = async (texts, inWorker) => {
          const model = inWorker ? await gmatrix.createWorkerEmbedder('/model/') : await gmatrix.Embedder.load('/model/');
          const embeddings = gmatrix.rows(await model.embed(texts)).map((row) => Array.from(row));
          const { backend, threads } = model.info;
          await model.dispose();
          return { embeddings, backend, threads };
        };
        window.hasWorkerApi = typeof gmatrix.createWorkerEmbedder === 'function';`);
      await run(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], { cwd: app });
      // The demo's server: COOP/COEP for threads, and its strict Content-Security-Policy.
      server = await startDemoServer({ port: 0, root: path.join(app, 'dist'), modelDir: tinyDebertaDir });
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox',
        '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
      page = await browser.newPage();
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => { if (/Content.Security.Policy|Refused/i.test(msg.text())) problems.push(msg.text()); });
      csp = (await page.goto(server.url)).headers()['content-security-policy'];
      await page.waitForFunction(() => typeof window.embed === 'function');
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    // A call that never settles fails the test instead of hanging it.
    const embedInPage = (inWorker) => page.evaluate(([list, worker]) => Promise.race([window.embed(list, worker),
      new Promise((resolve, reject) => setTimeout(() => reject(new Error('no result in 60 s')), 60_000))]), [texts, inWorker]);

    it('bundles the .wasm files as assets', () => {
      const assets = fs.readdirSync(path.join(app, 'dist', 'assets'));
      assert.ok(assets.some((f) => /^gmatrix_core-.*\.wasm$/.test(f)), `the core's .wasm is not among the assets: ${assets}`);
      assert.ok(assets.some((f) => /^ort-wasm-simd-threaded.*\.wasm$/.test(f)), `ONNX Runtime's .wasm is not among the assets: ${assets}`);
    });

    it('embeds as the golden data says, with threads, under the strict CSP', { timeout: 90_000 }, async () => {
      assert.doesNotMatch(csp, /(^|\s)'unsafe-eval'/);
      const result = await embedInPage(false);
      assertGolden(result.embeddings, `Vite app in Chromium (${result.backend})`);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      if (cores > 1) assert.ok(result.threads > 1, `expected threads under COOP/COEP, got ${result.threads}`);
      assert.deepEqual(problems, []);
    });

    it('embeds through createWorkerEmbedder', { timeout: 90_000 }, async (t) => {
      if (!await page.evaluate(() => window.hasWorkerApi)) return t.skip('the package has no createWorkerEmbedder yet');
      const result = await embedInPage(true);
      assertGolden(result.embeddings, `Vite app in Chromium, in a Web Worker (${result.backend})`);
      assert.deepEqual(problems, []);
    });
  });
});
