// onnxruntime-node (Node only): ONNX Runtime's native CPU build, same version as
// onnxruntime-web. An optional dependency: when it is missing or its binary cannot load,
// ./index.js falls back to WASM and says why.
import { dirname } from 'node:path';
import { BackendUnavailableError } from '../errors.js';
import { OrtSessionBackend } from './ort-session.js';
import { prepareModel } from './prepare-model.js';

/**
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 */
export async function openNativeBackend({ source, onnxPath, externalDataPath }, { threads }) {
  let ort;
  try {
    ort = await import('onnxruntime-node');
    // Touching the binding loads the .node binary: a broken install fails here, not mid-run.
    ort.listSupportedBackends?.();
  } catch (err) {
    throw new BackendUnavailableError('native', `onnxruntime-node could not be loaded (${firstLine(err)}); ` +
      'install it with `npm install onnxruntime-node@1.30.0`.', { cause: err });
  }
  // The graph is handed over as bytes (after the load-time passes); native ONNX Runtime then
  // reads external weights itself from the folder named below, so it needs them on disk.
  const localDir = source.localPath ? dirname(source.localPath(onnxPath)) : undefined;
  if (externalDataPath && !localDir) {
    throw new BackendUnavailableError('native', `the model's weights sit in ${externalDataPath}, which the ` +
      'native backend can only read from a local folder; load it from disk or use the WASM backend.');
  }
  // Weights can stay in (and be mapped from) the .onnx file only when it is on disk.
  // Relative-position projections run per call on the window's rows instead of being folded for
  // all 512 positions when the session is created: measured on the base model, first vector
  // 2.53-2.59 s instead of 2.73-2.82 s, batch 1 about 5% slower, lists the same.
  const model = await prepareModel({ source, onnxPath }, (path) => source.readBytes(path),
    { weightsFromOwnFile: Boolean(localDir), windowedProjection: true });
  return OrtSessionBackend.open(ort, model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    // One batch at a time per model: every core goes to the operators of that batch
    // (intra-op); a second pool for parallel branches (inter-op) would only contend for them.
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    ...(localDir ? { extra: { session: { model_external_initializers_file_folder_path: localDir } } } : {}),
  });
}

function firstLine(err) {
  return String(err?.message ?? err).split('\n')[0];
}
