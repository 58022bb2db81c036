// Emscripten 3.1.6's ES-module output assumes CommonJS when it runs in Node: it calls
// `require` and reads `__dirname`, and it tries the global `fetch` (Node 18+) on a file path.
// This prologue runs before the module in Node only and supplies what it expects.
const gmatrixIsNode = typeof process === 'object' && typeof process.versions === 'object' &&
  typeof process.versions.node === 'string';
const require = gmatrixIsNode ? (await import('node:module')).createRequire(import.meta.url) : undefined;
const __dirname = gmatrixIsNode ? (await import('node:path')).dirname((await import('node:url')).fileURLToPath(import.meta.url)) : undefined;
const fetch = gmatrixIsNode ? undefined : globalThis.fetch;
