// The package bundled for the browser as an app's bundler would emit it (esbuild here): the
// entry and the worker script side by side in /bundle/, where `new URL('./worker-entry.js',
// import.meta.url)` points (Vite does the same by itself), and the core's WebAssembly beside
// them. ONNX Runtime Web stays a separate file, loaded from node_modules by URL, as a bundler's
// copied asset would be.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../../js/fixtures.js';

const ORT_URLS = {
  'onnxruntime-web': '/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs',
  'onnxruntime-web/webgpu': '/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs',
};

/** @returns {Promise<Map<string, string|Buffer>>} URL path -> contents, for startStaticServer's `files` */
export async function bundlePackage() {
  const { outputFiles } = await build({
    entryPoints: {
      index: path.join(repoRoot, 'js/src/index.js'),
      'worker-entry': path.join(repoRoot, 'js/src/worker/worker-entry.js'),
      'probe-worker': path.join(repoRoot, 'tests/browser/support/probe-worker.js'),
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outdir: path.join(repoRoot, 'tmp', 'browser-bundle'), // nothing is written (write: false)
    write: false,
    logLevel: 'silent',
    plugins: [{
      name: 'ort-by-url',
      setup(b) {
        b.onResolve({ filter: /^onnxruntime-web(\/webgpu)?$/ }, ({ path: name }) => ({ path: ORT_URLS[name], external: true }));
      },
    }],
  });
  const files = new Map(outputFiles.map((file) => [`/bundle/${path.basename(file.path)}`, file.text]));
  files.set('/bundle/gmatrix_core.wasm', fs.readFileSync(path.join(repoRoot, 'js/wasm/gmatrix_core.wasm')));
  return files;
}
