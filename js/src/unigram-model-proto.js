// A Hugging Face tokenizer.json whose model is Unigram (what transformers' converter writes for
// SentencePiece tokenizers such as XLM-RoBERTa's) as the SentencePiece .model file it came from:
// a ModelProto with the same pieces, scores and ids, the precompiled normalization table, and the
// whitespace flags. The real SentencePiece library then encodes with it, so a repository that
// ships only tokenizer.json tokenizes exactly like one that ships the .model file.
//   model.vocab [[piece, score]], unk_id    -> pieces (ids = tokenizer.json ids), UNKNOWN piece
//   added_tokens (special) in the vocab     -> CONTROL pieces (never produced from text)
//   normalizer Precompiled                  -> normalizer_spec.precompiled_charsmap
//   normalizer Replace(" {2,}")             -> remove_extra_whitespaces
//   pre_tokenizer Metaspace("▁")            -> add_dummy_prefix (add_prefix_space / prepend_scheme)
// Anything else would tokenize differently, so it is refused with one line.
import { ModelFormatError, quoteUntrusted } from './errors.js';

// sentencepiece_model.proto field numbers and piece types.
const PIECE = { piece: 1, score: 2, type: 3 };
const TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 };
const MODEL = { pieces: 1, trainerSpec: 2, normalizerSpec: 3 };
const TRAINER = { modelType: 3, vocabSize: 4, byteFallback: 35, unkId: 40, unkPiece: 45 };
const NORMALIZER = { name: 1, charsmap: 2, addDummyPrefix: 3, removeExtraWhitespaces: 4, escapeWhitespaces: 5 };
const UNIGRAM = 1;
const META = '\u2581';

/**
 * Protocol-buffer encoding of the few field kinds a ModelProto needs, into one growing buffer
 * (bge-m3's 250,002 pieces make a 6 MB proto: byte-at-a-time arrays took seconds).
 */
class ProtoWriter {
  #buffer = new Uint8Array(256);
  #length = 0;
  #scratch = new DataView(new ArrayBuffer(4));

  /** A non-negative integer field (all a ModelProto here needs). */
  varint(field, value) {
    this.#tag(field, 0);
    this.#varint(value);
    return this;
  }
  bool(field, value) { return this.varint(field, value ? 1 : 0); }
  float(field, value) {
    this.#tag(field, 5);
    this.#scratch.setFloat32(0, value, true);
    this.#append(new Uint8Array(this.#scratch.buffer));
    return this;
  }
  bytes(field, data) {
    this.#tag(field, 2);
    this.#varint(data.length);
    this.#append(data);
    return this;
  }
  string(field, text) {
    // Encoded into a reused buffer: a quarter of a million pieces allocate nothing each.
    if (text.length * 3 > textBuffer.length) textBuffer = new Uint8Array(text.length * 3);
    return this.bytes(field, textBuffer.subarray(0, ENCODER.encodeInto(text, textBuffer).written));
  }
  message(field, writer) { return this.bytes(field, writer.view()); }
  /** The bytes written so far (a view: valid until the next write or reset). */
  view() { return this.#buffer.subarray(0, this.#length); }
  reset() { this.#length = 0; return this; }

  #tag(field, wireType) { this.#varint(field * 8 + wireType); }
  #varint(value) {
    this.#reserve(10);
    while (value >= 0x80) {
      this.#buffer[this.#length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.#buffer[this.#length++] = value;
  }
  #append(data) {
    this.#reserve(data.length);
    this.#buffer.set(data, this.#length);
    this.#length += data.length;
  }
  #reserve(n) {
    if (this.#length + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + n));
    grown.set(this.view());
    this.#buffer = grown;
  }
}
const ENCODER = new TextEncoder();
let textBuffer = new Uint8Array(1024);

function refuse(where, what) {
  return new ModelFormatError(`tokenizer.json in ${where} ${what}; only the Unigram tokenizer.json that ` +
    "transformers writes for SentencePiece models can be loaded (or put the model's .model file beside it).");
}

function base64Bytes(text) {
  if (typeof Buffer === 'function') return new Uint8Array(Buffer.from(text, 'base64'));
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function normalizerSpec(normalizer, where) {
  const spec = { charsmap: undefined, removeExtraWhitespaces: false };
  const parts = normalizer == null ? [] : normalizer.type === 'Sequence' ? normalizer.normalizers : [normalizer];
  if (!Array.isArray(parts)) throw refuse(where, 'has a normalizer Sequence without a list');
  for (const part of parts) {
    if (part?.type === 'Precompiled' && typeof part.precompiled_charsmap === 'string' && spec.charsmap === undefined) {
      spec.charsmap = base64Bytes(part.precompiled_charsmap);
    } else if (part?.type === 'Precompiled' && part.precompiled_charsmap == null) {
      // No table: SentencePiece's identity normalization.
    } else if (part?.type === 'Replace' && part.pattern?.Regex === ' {2,}' && [' ', META].includes(part.content)) {
      spec.removeExtraWhitespaces = true;
    } else if (part?.type === 'Strip' && part.strip_left === false && part.strip_right === true) {
      // Written together with the Replace above by newer converters; remove_extra_whitespaces covers it.
    } else {
      throw refuse(where, `has a ${quoteUntrusted(String(part?.type), 30)} normalizer step SentencePiece does not run`);
    }
  }
  return spec;
}

function addDummyPrefix(preTokenizer, where) {
  const parts = preTokenizer?.type === 'Sequence' ? preTokenizer.pretokenizers : [preTokenizer];
  const metaspace = Array.isArray(parts) ? parts.find((p) => p?.type === 'Metaspace') : undefined;
  const others = Array.isArray(parts) ? parts.filter((p) => p !== metaspace && p?.type !== 'WhitespaceSplit') : [];
  if (!metaspace || others.length > 0 || (metaspace.replacement ?? META) !== META) {
    throw refuse(where, 'has no Metaspace pre-tokenizer with the replacement "\u2581"');
  }
  if (typeof metaspace.add_prefix_space === 'boolean') return metaspace.add_prefix_space;
  return metaspace.prepend_scheme !== 'never';
}

/**
 * @param {object} tokenizerJson parsed tokenizer.json with model.type 'Unigram'
 * @param {string} where the folder's description, for messages
 * @returns {Uint8Array} a serialized SentencePiece ModelProto
 */
export function unigramModelProto(tokenizerJson, where) {
  const { model } = tokenizerJson;
  const vocab = model.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0) throw refuse(where, 'has no Unigram vocab list');
  const unkId = model.unk_id;
  if (!Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length) {
    throw refuse(where, `has the Unigram unk_id ${quoteUntrusted(String(unkId), 30)}, which names no piece of its vocab`);
  }
  const special = new Set((tokenizerJson.added_tokens ?? [])
    .filter((t) => t?.special && Number.isInteger(t.id) && vocab[t.id]?.[0] === t.content).map((t) => t.id));
  const { charsmap, removeExtraWhitespaces } = normalizerSpec(tokenizerJson.normalizer, where);
  const dummyPrefix = addDummyPrefix(tokenizerJson.pre_tokenizer, where);

  const proto = new ProtoWriter();
  const piece = new ProtoWriter();
  vocab.forEach((entry, id) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Number.isFinite(entry[1])) {
      throw refuse(where, `has the Unigram vocab entry ${quoteUntrusted(JSON.stringify(entry) ?? '', 60)} (not [piece, score])`);
    }
    const type = id === unkId ? TYPE.unknown : special.has(id) ? TYPE.control
      : model.byte_fallback && /^<0x[0-9A-F]{2}>$/.test(entry[0]) ? TYPE.byte : TYPE.normal;
    // Scores are SentencePiece's float32 values, which tokenizer.json holds exactly as doubles.
    proto.message(MODEL.pieces, piece.reset().string(PIECE.piece, entry[0]).float(PIECE.score, entry[1])
      .varint(PIECE.type, type));
  });
  proto.message(MODEL.trainerSpec, new ProtoWriter().varint(TRAINER.modelType, UNIGRAM)
    .varint(TRAINER.vocabSize, vocab.length).bool(TRAINER.byteFallback, Boolean(model.byte_fallback))
    .varint(TRAINER.unkId, unkId).string(TRAINER.unkPiece, vocab[unkId][0]));
  const normalizer = new ProtoWriter().string(NORMALIZER.name, charsmap ? 'user_defined' : 'identity');
  if (charsmap) normalizer.bytes(NORMALIZER.charsmap, charsmap);
  proto.message(MODEL.normalizerSpec, normalizer.bool(NORMALIZER.addDummyPrefix, dummyPrefix)
    .bool(NORMALIZER.removeExtraWhitespaces, removeExtraWhitespaces).bool(NORMALIZER.escapeWhitespaces, true));
  return proto.view().slice();
}
