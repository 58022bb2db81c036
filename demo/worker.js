// The demo's worker script (createWorkerEmbedder's workerUrl): the package's worker,
// js/src/worker/worker-entry.js, which the demo server bundles with esbuild as
// /demo/worker-bundle.js because workers do not read the page's import map. The entry posts
// 'ready' once it listens, and the page sends nothing before that, so nothing is lost while the
// bundle awaits its WebAssembly core.
import './worker-bundle.js';
