// Chooses the encoder backend. Every backend returns the same interface (./ort-session.js):
//   'wasm'   ONNX Runtime Web, WebAssembly with SIMD and threads: everywhere
//   'native' onnxruntime-node: Node only, when the optional package is installed
//   'auto'   native in Node when it loads, else wasm; the reason is kept for model.info
import { BackendUnavailableError } from '../errors.js';
import { openWasmBackend, startWasmRuntime } from './wasm.js';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/**
 * @param {'auto'|'wasm'|'native'} choice
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 * @returns {Promise<{backend: object, name: 'wasm'|'native', reason: string}>}
 */
export async function openBackend(choice, files, options) {
  if (choice === 'wasm') return { backend: await openWasmBackend(files, options), name: 'wasm', reason: 'requested' };
  if (choice === 'native' && !isNode) {
    throw new BackendUnavailableError('native', "it needs Node.js; in a browser use backend 'wasm' or 'auto'.");
  }
  if (isNode) {
    try {
      // Imported only here: browser bundles map native.js to nothing (package.json "browser").
      const { openNativeBackend } = await import('./native.js');
      const backend = await openNativeBackend(files, options);
      return { backend, name: 'native', reason: choice === 'native' ? 'requested' : 'auto: onnxruntime-node loaded' };
    } catch (err) {
      if (choice === 'native' || !(err instanceof BackendUnavailableError)) throw err;
      return { backend: await openWasmBackend(files, options), name: 'wasm', reason: `auto: ${err.reason}` };
    }
  }
  return { backend: await openWasmBackend(files, options), name: 'wasm', reason: 'auto: not running in Node' };
}

/**
 * Called before the model is read: when the choice will be WASM, its runtime starts now and
 * compiles while the model files are read and prepared.
 */
export function startBackend(choice, { threads }) {
  if (choice === 'wasm' || (choice === 'auto' && !isNode)) startWasmRuntime(threads);
}
