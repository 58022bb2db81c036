// Encoder backend on ONNX Runtime Web's WASM execution provider. Every backend offers the
// same shape: create(model, options) -> { run(batch) -> {data, dims}, dispose() }.
import * as ort from 'onnxruntime-web';
import { ModelFormatError } from '../errors.js';

const REQUIRED_INPUTS = ['input_ids', 'attention_mask'];

function toInt64(values) {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}

export class OrtWebBackend {
  /**
   * @param {Uint8Array} onnxBytes the model file
   * @param {{threads: number, externalData?: Array<{path: string, data: Uint8Array}>}} options
   */
  static async create(onnxBytes, { threads, externalData }) {
    // numThreads is global to ONNX Runtime Web and read when its WASM first starts: the first
    // model loaded in a process decides it.
    ort.env.wasm.numThreads = threads;
    let session;
    try {
      session = await ort.InferenceSession.create(onnxBytes, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        ...(externalData ? { externalData } : {}),
      });
    } catch (err) {
      throw new ModelFormatError(`ONNX Runtime could not load the model: ${err.message}`, { cause: err });
    }
    const missing = REQUIRED_INPUTS.filter((name) => !session.inputNames.includes(name));
    if (missing.length || !session.outputNames.includes('last_hidden_state')) {
      await session.release();
      throw new ModelFormatError(`The ONNX model must take input_ids and attention_mask and return ` +
        `last_hidden_state; it takes [${session.inputNames}] and returns [${session.outputNames}]. ` +
        'Export it with those names (see README: "Model folders").');
    }
    return new OrtWebBackend(session);
  }

  constructor(session) {
    this.session = session;
  }

  /**
   * @param {{ids: Int32Array, attentionMask: Int32Array, rows: number, sequenceLength: number}} batch
   * @returns {Promise<{data: Float32Array, dims: number[]}>} last_hidden_state
   */
  async run({ ids, attentionMask, rows, sequenceLength }) {
    const shape = [rows, sequenceLength];
    const feeds = {
      input_ids: new ort.Tensor('int64', toInt64(ids), shape),
      attention_mask: new ort.Tensor('int64', toInt64(attentionMask), shape),
    };
    // BERT-family graphs also take segment ids; one sentence is all segment 0.
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), shape);
    }
    const outputs = await this.session.run(feeds, ['last_hidden_state']);
    const hidden = outputs.last_hidden_state;
    const result = { data: hidden.data, dims: hidden.dims.slice() };
    hidden.dispose?.();
    return result;
  }

  async dispose() {
    await this.session.release();
  }
}
