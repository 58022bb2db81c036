// ONNX Runtime Web's WASM execution provider: runs everywhere (browsers, Node, workers).
import * as ort from 'onnxruntime-web';
import { OrtSessionBackend } from './ort-session.js';
import { optimizeGraph } from '../graph/optimize.js';

/**
 * @param {{source: object, onnxPath: string, externalDataPath?: string}} files
 * @param {{threads: number}} options
 */
export async function openWasmBackend({ source, onnxPath, externalDataPath }, { threads }) {
  // numThreads is global to ONNX Runtime Web and read when its WASM first starts: the first
  // model loaded in a process decides it.
  ort.env.wasm.numThreads = threads;
  let externalData;
  let lazy;
  if (externalDataPath) {
    // On disk (Node), the weights are read straight into ONNX Runtime's heap, one tensor at a
    // time; elsewhere the source's bytes are handed over and dropped once the session holds them.
    if (source.localPath) {
      const { LazyFileBytes } = await import('./lazy-file-bytes.js');
      lazy = new LazyFileBytes(source.localPath(externalDataPath));
    }
    externalData = [{ path: externalDataPath.split('/').pop(), data: lazy ?? await source.readBytes(externalDataPath) }];
  }
  try {
    const { bytes, applied } = optimizeGraph(await source.readBytes(onnxPath));
    return await OrtSessionBackend.open(ort, bytes, applied, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      // Memory patterns are planned per input shape; with a new sentence length in nearly every
      // batch, planning costs more than it saves (batch-1 runs of varying length: 3x slower).
      enableMemPattern: false,
      ...(externalData ? { externalData } : {}),
    });
  } finally {
    lazy?.close();
  }
}
