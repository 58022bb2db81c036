// Chooses the encoder backend. Every backend returns the same interface (./ort-session.js):
//   'wasm'   ONNX Runtime Web, WebAssembly with SIMD and threads: everywhere
//   'webgpu' ONNX Runtime Web's WebGPU execution provider: browsers with a WebGPU adapter
//   'native' onnxruntime-node: Node only, when the optional package is installed
//   'auto'   in Node native when it loads, else wasm; in browsers webgpu when an adapter is
//            there, else wasm; the reason is kept for model.info
import { BackendUnavailableError } from '../errors.js';
import { openWasmBackend, startWasmRuntime } from './wasm.js';
import { openWebGpuBackend, startWebGpuRuntime } from './webgpu.js';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/**
 * @param {'auto'|'wasm'|'webgpu'|'native'} choice
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 * @returns {Promise<{backend: object, name: 'wasm'|'webgpu'|'native', reason: string}>}
 */
export async function openBackend(choice, files, options) {
  if (choice === 'wasm') return { backend: await openWasmBackend(files, options), name: 'wasm', reason: 'requested' };
  if (choice === 'webgpu') return { backend: await openWebGpuBackend(files, options), name: 'webgpu', reason: 'requested' };
  if (choice === 'native' && !isNode) {
    throw new BackendUnavailableError('native', "it needs Node.js; in a browser use backend 'wasm', 'webgpu' or 'auto'.");
  }
  const [preferred, open, found] = isNode
    // Imported only here: browser bundles map native.js to nothing (package.json "browser").
    ? ['native', async () => (await import('./native.js')).openNativeBackend(files, options), 'onnxruntime-node loaded']
    : ['webgpu', () => openWebGpuBackend(files, options), 'WebGPU adapter found'];
  try {
    const backend = await open();
    return { backend, name: preferred, reason: choice === preferred ? 'requested' : `auto: ${found}` };
  } catch (err) {
    if (choice === preferred || !(err instanceof BackendUnavailableError)) throw err;
    return { backend: await openWasmBackend(files, options), name: 'wasm', reason: `auto: ${err.reason}` };
  }
}

/**
 * Called before the model is read: the runtime that will (probably) run starts now and
 * compiles while the model files are read and prepared.
 */
export function startBackend(choice, { threads }) {
  if (choice === 'wasm') startWasmRuntime(threads);
  else if (choice === 'webgpu') startWebGpuRuntime(threads);
  // In a browser without a usable adapter 'auto' will run WASM: that runtime starts as soon as
  // WebGPU is known to be out.
  else if (choice === 'auto' && !isNode) startWebGpuRuntime(threads).catch(() => startWasmRuntime(threads));
}
