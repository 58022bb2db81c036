// The WebAssembly tokenizer as the embedder uses it. One text (tokenize) takes the fast path:
// the text is written as UTF-8 straight into WebAssembly memory and the ids are read from a view,
// so no JavaScript object is built on the C++ side; tokens are looked up here from the
// vocabulary, which crosses the boundary once (a SentencePiece text with an unknown piece asks
// the tokenizer for its tokens instead: see tokens()). Many texts (embed) are encoded in one call
// and kept in C++ until batches are cut from them (core.EncodedTexts).
import { core, unwrap } from './core.js';

const encoder = new TextEncoder();
// One UTF-8 input buffer in WebAssembly memory for all tokenizers, grown on demand.
let input = { ptr: 0, capacity: 0 };

function writeUtf8(text) {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
  const needed = text.length * 3;
  if (needed > input.capacity) {
    if (input.ptr) core._free(input.ptr);
    const capacity = Math.max(1024, needed);
    input = { ptr: core._malloc(capacity), capacity };
  }
  // encodeInto writes U+FFFD for a lone surrogate, which BERT's cleaning drops as Python drops
  // the lone surrogate itself: exact (see wellFormed in embedder.js).
  return encoder.encodeInto(text, core.HEAPU8.subarray(input.ptr, input.ptr + input.capacity)).written;
}

export class WasmTokenizer {
  /**
   * @param {object} settings readModelFolder(...).tokenizer
   * @param {string|Uint8Array} data readModelFolder(...).tokenizerData: vocab.txt text or .model bytes
   * @param {number} maxLength
   */
  static create(settings, data, maxLength) {
    return new WasmTokenizer(unwrap(core.Tokenizer.create({ ...settings, maxLength }, data)));
  }

  #tokenizer;
  #ids;
  #tokenList;
  #surfaceFormId;

  constructor(tokenizer) {
    this.#tokenizer = tokenizer;
    this.#ids = tokenizer.idsView();
  }

  /** @returns {{ids: number[], truncated: boolean}} */
  encode(text) {
    const length = writeUtf8(text); // may move the input buffer: read input.ptr after it
    const packed = this.#tokenizer.encodeUtf8(input.ptr, length);
    // Growing WebAssembly memory detaches old views; fetch a new one then.
    if (this.#ids.length === 0) this.#ids = this.#tokenizer.idsView();
    return { ids: Array.from(this.#ids.subarray(0, packed >>> 1)), truncated: (packed & 1) === 1 };
  }

  /**
   * The token strings of `ids`, encode(text)'s ids. Looked up from the vocabulary, except where the
   * ids hold SentencePiece's unknown id: the reference's token there is the unknown text itself
   * (e.g. 'é', not '<unk>'), so the text's tokens come from the tokenizer itself (rare). Without
   * `text`, every token is the vocabulary's.
   */
  tokens(ids, text) {
    this.#surfaceFormId ??= this.#tokenizer.surfaceFormId();
    if (this.#surfaceFormId >= 0 && text !== undefined && ids.includes(this.#surfaceFormId)) {
      const length = writeUtf8(text);
      return this.#tokenizer.tokensUtf8(input.ptr, length);
    }
    this.#tokenList ??= this.#tokenizer.tokenList().split('\n');
    return ids.map((id) => this.#tokenList[id]);
  }

  /** Encodes all texts at once; the caller deletes the result (see core.EncodedTexts). */
  encodeMany(texts) {
    return this.#tokenizer.encodeMany(texts);
  }

  delete() {
    this.#tokenizer.delete();
  }
}
