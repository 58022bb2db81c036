// The demo's worker script (createWorkerEmbedder's workerUrl). It only starts the package's
// worker, js/src/worker/worker-entry.js, which the demo server bundles as /demo/worker-bundle.js
// (workers do not read the page's import map). Messages are held until then: the entry sets
// its onmessage only after its imports' top-level await (compiling the WebAssembly core), and
// a message that arrives before that would be dropped, leaving the page waiting forever.
const early = [];
self.onmessage = (event) => early.push(event);
await import('./worker-bundle.js');
for (const event of early) self.onmessage(event);
