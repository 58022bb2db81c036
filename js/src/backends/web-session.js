// What the ONNX Runtime Web backends (./wasm.js, ./webgpu.js) share: opening a session on the
// model's files after the load-time graph passes, and starting the runtime early with a
// one-node model. They differ only in which onnxruntime-web build they import and which
// execution provider they ask it for.
import { OrtSessionBackend } from './ort-session.js';
import { prepareModel } from './prepare-model.js';
import { DataType, encodeModel, makeNode, makeTensorValueInfo } from '../convert/onnx-proto.js';

/**
 * Starts ONNX Runtime Web's execution provider (compiling its WebAssembly, starting its threads,
 * for WebGPU also opening the device): a one-node model is the only way its API offers.
 * @returns {Promise<void>} rejects when the provider cannot start
 */
export async function warmUp(ort, executionProviders) {
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
  const session = await ort.InferenceSession.create(identity, { executionProviders, logSeverityLevel: 4 });
  await session.release();
}

/**
 * @param {object} ort an onnxruntime-web module
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {string[]} executionProviders
 */
export async function openWebSession(ort, { source, onnxPath, externalDataPath }, executionProviders) {
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
      executionProviders,
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
