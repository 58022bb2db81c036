// Emscripten 3.1.6's ES-module output assumes CommonJS when it runs in Node: it calls
// `require` and reads `__dirname`, and it tries the global `fetch` (Node 18+) on a file path.
// This prologue runs before the module in Node only and supplies what it expects. It reaches
// Node's modules through process.getBuiltinModule rather than `import('node:...')`, so
// bundlers building for browsers find nothing Node-specific to resolve.
const gmatrixNode = globalThis.process?.getBuiltinModule;
const require = gmatrixNode ? gmatrixNode('module').createRequire(import.meta.url) : undefined;
const __dirname = gmatrixNode ? gmatrixNode('path').dirname(gmatrixNode('url').fileURLToPath(import.meta.url)) : undefined;
const fetch = gmatrixNode ? undefined : globalThis.fetch;
