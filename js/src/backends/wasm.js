// ONNX Runtime Web's WASM execution provider: runs everywhere (browsers, Node, workers).
import { OrtSessionBackend } from './ort-session.js';
import { prepareModel } from './prepare-model.js';
import { DataType, encodeModel, makeNode, makeTensorValueInfo } from '../convert/onnx-proto.js';

let runtimeStarted;
// Imported on first use: a process that runs the native backend never loads ONNX Runtime Web.
let ortWeb;
const loadOrtWeb = () => (ortWeb ??= import('onnxruntime-web'));

/**
 * Starts ONNX Runtime Web (compiling its 14 MB of WebAssembly, starting its threads) without
 * waiting for it, so that the work can overlap reading and preparing the model: a one-node model
 * is the only way its API offers. Safe to call more than once.
 */
export function startWasmRuntime(threads) {
  runtimeStarted ??= loadOrtWeb().then((ort) => {
    ort.env.wasm.numThreads = threads;
    const identity = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 14 }],
      graph: {
        name: 'warm_up',
        node: [makeNode('Identity', ['x'], ['y'])],
        input: [makeTensorValueInfo('x', DataType.FLOAT, [1])],
        output: [makeTensorValueInfo('y', DataType.FLOAT, [1])],
      },
    });
    // A failure here resurfaces, with its message, when the real model is loaded.
    return ort.InferenceSession.create(identity, { executionProviders: ['wasm'] })
      .then((session) => session.release(), () => {});
  });
  return runtimeStarted;
}

/**
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 */
export async function openWasmBackend({ source, onnxPath, externalDataPath }, { threads }) {
  // numThreads is global to ONNX Runtime Web and read when its WASM first starts: the first
  // model loaded in a process decides it.
  startWasmRuntime(threads);
  const ort = await loadOrtWeb();
  const lazyFiles = []; // closed once the session holds the weights
  // A file the session reads weights from: on disk (Node), read straight into ONNX Runtime's
  // heap one tensor at a time; elsewhere the source's bytes, dropped once the session holds them.
  const weightsFile = async (path, bytes) => {
    if (!source.localPath) return bytes ?? source.readBytes(path);
    const { LazyFileBytes } = await import('./lazy-file-bytes.js');
    const file = new LazyFileBytes(source.localPath(path));
    lazyFiles.push(file);
    return file;
  };
  const externalData = [];
  try {
    if (externalDataPath) {
      externalData.push({ path: externalDataPath.split('/').pop(), data: await weightsFile(externalDataPath) });
    }
    // Bytes read for the session serve the lifted embedding rows too: never read twice.
    const model = await prepareModel({ source, onnxPath }, async (path) =>
      (path === externalDataPath ? externalData[0].data : source.readBytes(path)),
    // Relative-position projections stay folded at load (windowedProjection off): per call they
    // would cost WASM a sixth of a single sentence's time (batch 1: 688-836 vs 851-962 ms for 16)
    // to save 0.5 s of start-up.
    { weightsFromOwnFile: true, windowedProjection: false });
    if (model.ownFile) {
      // The graph now reads its large weights from its own file, like external data.
      externalData.push({ path: model.ownFile.name, data: await weightsFile(onnxPath, model.ownFile.bytes) });
    }
    return await OrtSessionBackend.open(ort, model, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      // Memory patterns are planned per input shape; with a new sentence length in nearly every
      // batch, planning costs more than it saves (batch-1 runs of varying length: 3x slower).
      enableMemPattern: false,
      ...(externalData.length ? { externalData } : {}),
    });
  } finally {
    for (const file of lazyFiles) file.close();
  }
}
