// ONNX Runtime Web's WASM execution provider: runs everywhere (browsers, Node, workers).
import { openWebSession, warmUp } from './web-session.js';

let runtimeStarted;
// Imported on first use: a process that runs the native backend never loads ONNX Runtime Web.
let ortWeb;
const loadOrtWeb = () => (ortWeb ??= import('onnxruntime-web'));

/**
 * Starts ONNX Runtime Web (compiling its 14 MB of WebAssembly, starting its threads) without
 * waiting for it, so that the work can overlap reading and preparing the model. Safe to call
 * more than once.
 */
export function startWasmRuntime(threads) {
  runtimeStarted ??= loadOrtWeb().then((ort) => {
    ort.env.wasm.numThreads = threads;
    // A failure here resurfaces, with its message, when the real model is loaded.
    return warmUp(ort, ['wasm']).catch(() => {});
  });
  return runtimeStarted;
}

/**
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 */
export async function openWasmBackend(files, { threads }) {
  // numThreads is global to ONNX Runtime Web and read when its WASM first starts: the first
  // model loaded in a process decides it.
  startWasmRuntime(threads);
  return openWebSession(await loadOrtWeb(), files, ['wasm']);
}
