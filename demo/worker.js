// The demo's worker script (createWorkerEmbedder's workerUrl). It only starts the package's
// worker, js/src/worker/worker-entry.js, which the demo server bundles with esbuild as
// /demo/worker-bundle.js (workers do not read the page's import map). Messages are held until
// then: the entry imports the package dynamically so that its listener is set at once, but
// esbuild without code splitting inlines that import, so the bundle awaits the WebAssembly core
// before it sets onmessage, and a message that arrived meanwhile would be lost.
const early = [];
self.onmessage = (event) => early.push(event);
await import('./worker-bundle.js');
for (const event of early) self.onmessage(event);
