// CommonJS entry. gmatrix-embed is an ES module whose WebAssembly core is instantiated with
// top-level await, which require() cannot wait for. From CommonJS, `load()` returns the module:
//   const { Embedder } = await require('gmatrix-embed').load();
// (the same as `await import('gmatrix-embed')`). Anything else read from here throws an error
// that says so, instead of an undefined export failing later.
'use strict';

const HOW = "gmatrix-embed is an ES module: in CommonJS use `const { Embedder } = await require('gmatrix-embed').load()` " +
  "or `await import('gmatrix-embed')`.";

const entry = { load: () => import('./index.js') };

module.exports = new Proxy(entry, {
  get(target, name) {
    if (name in target || typeof name === 'symbol' || name === 'then' || name === '__esModule') return target[name];
    throw new Error(`require('gmatrix-embed').${String(name)} is not available: ${HOW}`);
  },
});
