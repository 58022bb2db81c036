// The encoder behind every backend: an onnxruntime InferenceSession (onnxruntime-web and
// onnxruntime-node share this API through onnxruntime-common). Every backend offers the same
// shape: open(...) -> { run(batch) -> {data, dims}, dispose() }, and is chosen in ./index.js.
import { ModelFormatError } from '../errors.js';

const REQUIRED_INPUTS = ['input_ids', 'attention_mask'];
const OUTPUT = 'last_hidden_state';

export class OrtSessionBackend {
  /**
   * @param {object} ort the onnxruntime module (web or node)
   * @param {{bytes: Uint8Array, applied: string[], embeddings: Array<{input: string, rows: object}>}} model
   *   the .onnx file after the load-time graph passes (./prepare-model.js)
   * @param {object} sessionOptions
   */
  static async open(ort, { bytes, applied, embeddings, idLimit }, sessionOptions) {
    let session;
    try {
      // Failures reach the caller as typed errors; ONNX Runtime's own log lines (with terminal
      // colour codes) would only repeat them on stderr.
      session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 4, ...sessionOptions });
    } catch (err) {
      for (const { rows } of embeddings) rows.close?.();
      throw new ModelFormatError(`ONNX Runtime could not load the model: ${err.message}`, { cause: err });
    }
    const missing = REQUIRED_INPUTS.filter((name) => !session.inputNames.includes(name));
    if (missing.length || !session.outputNames.includes(OUTPUT)) {
      await session.release();
      for (const { rows } of embeddings) rows.close?.();
      throw new ModelFormatError(`The ONNX model must take input_ids and attention_mask and return ` +
        `last_hidden_state; it takes [${session.inputNames}] and returns [${session.outputNames}]. ` +
        'Export it with those names (see README: "Model folders").');
    }
    return new OrtSessionBackend(ort, session, applied, embeddings, idLimit);
  }

  #ort;
  #session;
  #wantsTokenTypes;
  #embeddings;
  #idLimit;

  constructor(ort, session, graphPasses, embeddings, idLimit) {
    this.#ort = ort;
    this.#session = session;
    this.#embeddings = embeddings;
    this.#idLimit = idLimit;
    this.graphPasses = graphPasses;
    // BERT-family graphs also take segment ids; one sentence is all segment 0.
    this.#wantsTokenTypes = session.inputNames.includes('token_type_ids');
  }

  /**
   * @param {{ids64: BigInt64Array, mask64: BigInt64Array, rows: number, sequenceLength: number}} batch
   *   the tokenizer's int64 views, fed to the session as they are (no per-element conversion)
   * @returns {Promise<{data: Float32Array, dims: number[]}>} last_hidden_state
   */
  async run({ ids64, mask64, rows, sequenceLength }) {
    this.#checkIds(ids64);
    const { Tensor } = this.#ort;
    const shape = [rows, sequenceLength];
    const feeds = {
      input_ids: new Tensor('int64', ids64, shape),
      attention_mask: new Tensor('int64', mask64, shape),
    };
    if (this.#wantsTokenTypes) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(ids64.length), shape);
    for (const { input, rows: table } of this.#embeddings) {
      feeds[input] = new Tensor('float32', table.gather(ids64), [rows, sequenceLength, table.table.cols]);
    }
    let outputs;
    try {
      outputs = await this.#session.run(feeds, [OUTPUT]);
    } catch (err) {
      throw new ModelFormatError(`ONNX Runtime failed to run the model: ${String(err?.message ?? err).split('\n')[0]}`, { cause: err });
    }
    const hidden = outputs[OUTPUT];
    return { data: hidden.data, dims: hidden.dims.slice() };
  }

  // A vocabulary with more entries than the model's embedding table (a vocab.txt from another
  // model) yields ids the lookup cannot serve: refused here, before the session sees them.
  #checkIds(ids64) {
    if (this.#idLimit === undefined) return;
    const limit = BigInt(this.#idLimit);
    for (const id of ids64) {
      if (id < 0n || id >= limit) {
        throw new ModelFormatError(`Token id ${id} is outside the model's embedding table (${this.#idLimit} rows): ` +
          "the vocabulary does not belong to this model; use the repository's own tokenizer files.");
      }
    }
  }

  async dispose() {
    for (const { rows } of this.#embeddings) rows.close?.();
    await this.#session.release();
  }
}
