// In Node, emscripten would pass a `file:` URL string to fs, which cannot open it: resolve
// the .wasm beside this module as a plain path instead. Browsers keep the URL form.
if (!Module['locateFile'] && typeof process === 'object' && process.versions && process.versions.node) {
  Module['locateFile'] = (path) => require('node:path').join(__dirname, path);
}
