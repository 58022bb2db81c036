// ONNX Runtime Web's WebGPU execution provider: browsers (pages and workers) whose
// navigator.gpu gives an adapter. It imports 'onnxruntime-web/webgpu', onnxruntime-web 1.30's
// WebGPU build (ort.webgpu.min.mjs, which loads ort-wasm-simd-threaded.asyncify.{mjs,wasm} from
// its own folder; bundlers copy them). That is a second ONNX Runtime instance beside the WASM
// backend's 'onnxruntime-web': a page that uses only one of them downloads only that one.
// The older JSEP build ('onnxruntime-web/all') gave the same embeddings but ran slower on
// Chromium's software adapter (40 golden sentences: 143 s against 101 s).
import { BackendUnavailableError } from '../errors.js';
import { openWebSession, warmUp } from './web-session.js';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
const WEBGPU_MODULE = 'onnxruntime-web/webgpu';

let runtime;

/** Why WebGPU cannot run here (one line with what to do), or undefined when an adapter is there. */
export async function webGpuUnavailableReason() {
  if (isNode) return "it runs in browsers only; in Node use backend 'native' or 'wasm'.";
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return "this browser has no WebGPU (navigator.gpu is missing); use backend 'wasm'.";
  let adapter;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return `navigator.gpu.requestAdapter() failed (${firstLine(err)}); use backend 'wasm'.`;
  }
  if (!adapter) return "navigator.gpu.requestAdapter() found no adapter (no usable GPU, or WebGPU is off); use backend 'wasm'.";
  return undefined;
}

/**
 * Loads the WebGPU build of ONNX Runtime Web and opens its device, once per page or worker.
 * Called early by ./index.js so that this overlaps reading the model.
 * @returns {Promise<object>} the onnxruntime-web module; rejects with BackendUnavailableError
 */
export function startWebGpuRuntime(threads) {
  runtime ??= (async () => {
    const reason = await webGpuUnavailableReason();
    if (reason) throw new BackendUnavailableError('webgpu', reason);
    let ort;
    try {
      // A literal specifier, so that bundlers resolve it (and copy its .wasm).
      ort = await import('onnxruntime-web/webgpu');
    } catch (err) {
      throw new BackendUnavailableError('webgpu', `${WEBGPU_MODULE} could not be imported (${firstLine(err)}); ` +
        `without a bundler, map it in the page's import map to onnxruntime-web's dist/ort.webgpu.min.mjs.`, { cause: err });
    }
    // The WebGPU build still runs some operators on its WebAssembly CPU provider.
    ort.env.wasm.numThreads = threads;
    try {
      await warmUp(ort, ['webgpu']);
    } catch (err) {
      throw new BackendUnavailableError('webgpu', `ONNX Runtime Web could not start WebGPU (${firstLine(err)}); ` +
        "use backend 'wasm'.", { cause: err });
    }
    return ort;
  })();
  // Started early without being awaited: its failure is reported when the model is opened.
  runtime.catch(() => {});
  return runtime;
}

/**
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 */
export async function openWebGpuBackend(files, { threads }) {
  const ort = await startWebGpuRuntime(threads);
  return openWebSession(ort, files, ['webgpu']);
}

function firstLine(err) {
  return String(err?.message ?? err).split('\n')[0];
}
