// embind surface of the C++ core. Glue only: it converts between JavaScript values and the
// C++ types and turns a non-ok Status into `{error: {code, message}}`; no logic lives here.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "embedding/pooling.h"
#include "embedding/similarity.h"
#include "metrics/sts_metrics.h"
#include "search/vector_index.h"
#include "tokenizer/tokenizer.h"
#include "unicode/unicode.h"

using emscripten::val;

namespace gmatrix {
namespace {

val ErrorValue(const Status& status) {
  val error = val::object();
  error.set("code", std::string(status.code_name()));
  error.set("message", status.message());
  val result = val::object();
  result.set("error", error);
  return result;
}

val Ok(val value) {
  val result = val::object();
  result.set("value", value);
  return result;
}

// One memcpy from a JS typed array into C++ memory (no per-element conversion).
template <typename T>
std::vector<T> CopyFromTypedArray(const val& array) {
  std::vector<T> out(array["length"].as<size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", array);
  return out;
}

// A JS-owned copy of C++ memory: the view is sliced before the vector is freed.
template <typename T>
val ToTypedArray(const T* data, size_t size) {
  return val(emscripten::typed_memory_view(size, data)).call<val>("slice");
}

// int64 copies of int32 values, as bytes for a BigInt64Array: ONNX Runtime takes int64 ids,
// and JavaScript would otherwise widen them one BigInt at a time.
val ToInt64Bytes(const std::vector<int32_t>& values) {
  const std::vector<int64_t> wide(values.begin(), values.end());
  return ToTypedArray(reinterpret_cast<const uint8_t*>(wide.data()), wide.size() * sizeof(int64_t));
}

// {rows, sequenceLength, ids: Int32Array, attentionMask: Int32Array, lengths: Int32Array,
//  ids64: Uint8Array, mask64: Uint8Array (int64 little-endian: the session's feeds)}
val BatchToJs(const BatchEncoding& batch) {
  val result = val::object();
  result.set("rows", batch.rows);
  result.set("sequenceLength", batch.sequence_length);
  result.set("ids", ToTypedArray(batch.ids.data(), batch.ids.size()));
  result.set("attentionMask", ToTypedArray(batch.attention_mask.data(), batch.attention_mask.size()));
  result.set("lengths", ToTypedArray(batch.lengths.data(), batch.lengths.size()));
  result.set("ids64", ToInt64Bytes(batch.ids));
  result.set("mask64", ToInt64Bytes(batch.attention_mask));
  return result;
}

// Encodings of many texts, kept in C++ until they are padded into batches.
class JsEncodedTexts {
 public:
  JsEncodedTexts(std::vector<Encoding> encodings, int32_t pad_id)
      : encodings_(std::move(encodings)), pad_id_(pad_id) {}

  size_t Count() const { return encodings_.size(); }

  // Int32Array: tokens per text, [CLS]/[SEP] included, after truncation.
  val Lengths() const {
    std::vector<int32_t> lengths;
    lengths.reserve(encodings_.size());
    for (const Encoding& e : encodings_) lengths.push_back(static_cast<int32_t>(e.ids.size()));
    return ToTypedArray(lengths.data(), lengths.size());
  }

  // The texts at `indices` (Int32Array), in that order, as one padded batch (see BatchToJs).
  val Batch(const val& indices) const {
    const std::vector<int32_t> rows = CopyFromTypedArray<int32_t>(indices);
    std::vector<const Encoding*> chosen;
    chosen.reserve(rows.size());
    for (int32_t row : rows) {
      if (row < 0 || static_cast<size_t>(row) >= encodings_.size()) {
        return ErrorValue(InvalidArgument("batch: index " + std::to_string(row) + " is out of range."));
      }
      chosen.push_back(&encodings_[row]);
    }
    return Ok(BatchToJs(PadBatch(chosen, pad_id_)));
  }

 private:
  std::vector<Encoding> encodings_;
  int32_t pad_id_;
};

class JsTokenizer {
 public:
  // model_data: vocab.txt text, or a SentencePiece .model as a Uint8Array (options.model).
  static val Create(const val& options, const std::string& model_data) {
    TokenizerConfig config;
    config.model = options["model"].isString() && options["model"].as<std::string>() == "sentencepiece"
                       ? TokenizerModel::kSentencePiece
                       : TokenizerModel::kWordPiece;
    config.fairseq_ids = options["fairseqIds"].isTrue();
    config.lowercase_input = options["lowercaseInput"].as<bool>();
    config.lowercase = options["lowercase"].as<bool>();
    config.strip_accents = options["stripAccents"].as<int>();
    config.handle_chinese_chars = options["handleChineseChars"].as<bool>();
    config.cls_token = options["clsToken"].as<std::string>();
    config.sep_token = options["sepToken"].as<std::string>();
    config.unk_token = options["unkToken"].as<std::string>();
    config.pad_token = options["padToken"].as<std::string>();
    config.mask_token = options["maskToken"].as<std::string>();
    config.max_input_chars_per_word = options["maxInputCharsPerWord"].as<size_t>();
    config.max_length = options["maxLength"].as<size_t>();
    std::unique_ptr<Tokenizer> tokenizer;
    Status status = Tokenizer::Create(config, model_data, &tokenizer);
    if (!status.ok()) return ErrorValue(status);
    return Ok(val(JsTokenizer(std::move(tokenizer))));
  }

  // One text (Embedder#tokenize), with no JavaScript objects built here: the
  // caller writes the text as UTF-8 into WebAssembly memory at `utf8` and reads the ids from
  // IdsView(). Returns the id count * 2, plus 1 if the text was truncated.
  uint32_t EncodeUtf8(uintptr_t utf8, size_t length) {
    const Encoding encoding =
        tokenizer_->Encode(std::string_view(reinterpret_cast<const char*>(utf8), length));
    std::copy(encoding.ids.begin(), encoding.ids.end(), ids_buffer_.begin());
    return static_cast<uint32_t>(encoding.ids.size() * 2 + (encoding.truncated() ? 1 : 0));
  }

  // The token strings of the text EncodeUtf8 takes, one per id (Tokenizer::Tokens): JavaScript
  // asks only when the ids hold SurfaceFormId(), whose token is the text itself.
  val TokensUtf8(uintptr_t utf8, size_t length) const {
    val tokens = val::array();
    for (const std::string& token :
         tokenizer_->Tokens(std::string_view(reinterpret_cast<const char*>(utf8), length))) {
      tokens.call<void>("push", token);
    }
    return tokens;
  }

  // The id whose token is the text itself, not the vocabulary's (SentencePiece's unknown), or -1.
  int32_t SurfaceFormId() const { return tokenizer_->SurfaceFormId().value_or(-1); }

  // Int32Array view (not a copy) of the ids EncodeUtf8 wrote; detached when memory grows.
  val IdsView() const { return val(emscripten::typed_memory_view(ids_buffer_.size(), ids_buffer_.data())); }

  // Every token of the vocabulary, in id order, joined by '\n' (vocab lines and SentencePiece
  // pieces hold none): one crossing instead of one per token; JavaScript looks tokens up in it.
  std::string TokenList() const {
    std::string joined;
    for (size_t id = 0; id < tokenizer_->VocabSize(); ++id) {
      if (id > 0) joined += '\n';
      joined += tokenizer_->IdToToken(static_cast<int32_t>(id));
    }
    return joined;
  }

  // Encodes all texts once and keeps them, so that batches can be formed by token count.
  JsEncodedTexts EncodeMany(const val& texts) const {
    std::vector<Encoding> encodings;
    for (const std::string& text : emscripten::vecFromJSArray<std::string>(texts)) {
      encodings.push_back(tokenizer_->Encode(text));
    }
    return JsEncodedTexts(std::move(encodings), tokenizer_->pad_id());
  }

  size_t VocabSize() const { return tokenizer_->VocabSize(); }
  size_t MaxLength() const { return tokenizer_->max_length(); }

 private:
  explicit JsTokenizer(std::unique_ptr<Tokenizer> tokenizer)
      : tokenizer_(std::move(tokenizer)), ids_buffer_(tokenizer_->max_length()) {}
  std::shared_ptr<Tokenizer> tokenizer_;
  std::vector<int32_t> ids_buffer_;  // max_length ids: an encoding never holds more
};

// hidden: Float32Array [rows*sequence*dims]; mask: Int32Array [rows*sequence].
val PoolEmbeddings(const val& config_value, const val& hidden, const val& mask, size_t rows,
                   size_t sequence, size_t dims, bool normalize) {
  PoolingConfig config;
  config.cls = config_value["cls"].as<bool>();
  config.max = config_value["max"].as<bool>();
  config.mean = config_value["mean"].as<bool>();
  config.mean_sqrt_len = config_value["meanSqrtLen"].as<bool>();
  config.weighted_mean = config_value["weightedMean"].as<bool>();
  config.last_token = config_value["lastToken"].as<bool>();
  const std::vector<float> hidden_data = CopyFromTypedArray<float>(hidden);
  const std::vector<int32_t> mask_data = CopyFromTypedArray<int32_t>(mask);
  if (hidden_data.size() != rows * sequence * dims || mask_data.size() != rows * sequence) {
    return ErrorValue(InvalidArgument("Pooling input sizes do not match rows x sequence x dims."));
  }
  std::vector<float> pooled;
  Status status = Pool(config, hidden_data.data(), mask_data.data(), rows, sequence, dims, &pooled);
  if (!status.ok()) return ErrorValue(status);
  if (normalize && rows > 0) NormalizeRows(pooled.data(), rows, pooled.size() / rows);
  return Ok(ToTypedArray(pooled.data(), pooled.size()));
}

val NormalizeEmbeddings(const val& data, size_t rows, size_t dims) {
  std::vector<float> values = CopyFromTypedArray<float>(data);
  if (values.size() != rows * dims) {
    return ErrorValue(InvalidArgument("normalize: data length is not rows x dims."));
  }
  NormalizeRows(values.data(), rows, dims);
  return Ok(ToTypedArray(values.data(), values.size()));
}

val PairSimilarity(const std::string& metric_name, const val& a, const val& b) {
  Metric metric;
  Status status = ParseMetric(metric_name, &metric);
  if (!status.ok()) return ErrorValue(status);
  const std::vector<float> x = CopyFromTypedArray<float>(a), y = CopyFromTypedArray<float>(b);
  if (x.size() != y.size()) {
    return ErrorValue(InvalidArgument("similarity: vectors differ in length (" +
                                      std::to_string(x.size()) + " vs " + std::to_string(y.size()) +
                                      "); compare embeddings of the same model."));
  }
  return Ok(val(Similarity(metric, x.data(), y.data(), x.size())));
}

// a: [rowsA*dims], b: [rowsB*dims] -> Float32Array [rowsA*rowsB]
val MatrixSimilarity(const std::string& metric_name, const val& a, size_t rows_a, const val& b,
                     size_t rows_b, size_t dims) {
  Metric metric;
  Status status = ParseMetric(metric_name, &metric);
  if (!status.ok()) return ErrorValue(status);
  const std::vector<float> x = CopyFromTypedArray<float>(a), y = CopyFromTypedArray<float>(b);
  if (x.size() != rows_a * dims || y.size() != rows_b * dims) {
    return ErrorValue(InvalidArgument("similarity matrix: data lengths do not match rows x dims."));
  }
  std::vector<float> out(rows_a * rows_b);
  SimilarityMatrix(metric, x.data(), rows_a, y.data(), rows_b, dims, out.data());
  return Ok(ToTypedArray(out.data(), out.size()));
}

val Correlation(const std::string& kind, const val& x, const val& y) {
  const std::vector<double> xs = CopyFromTypedArray<double>(x), ys = CopyFromTypedArray<double>(y);
  double value = 0;
  Status status = kind == "spearman" ? Spearman(xs, ys, &value) : Pearson(xs, ys, &value);
  if (!status.ok()) return ErrorValue(status);
  return Ok(val(value));
}

// A search index (search/vector_index.h): JavaScript writes the rows through StorageView(),
// then seals it and searches.
class JsVectorIndex {
 public:
  static val Create(const std::string& precision_name, size_t rows, size_t dimensions) {
    Precision precision;
    Status status = ParsePrecision(precision_name, &precision);
    if (!status.ok()) return ErrorValue(status);
    std::unique_ptr<VectorIndex> index;
    status = VectorIndex::Create(precision, rows, dimensions, &index);
    if (!status.ok()) return ErrorValue(status);
    return Ok(val(JsVectorIndex(std::move(index))));
  }

  // Uint8Array view (not a copy) of the rows' bytes; detached when memory grows.
  val StorageView() {
    return val(emscripten::typed_memory_view(index_->storage_bytes(), index_->mutable_storage()));
  }

  // min, max: Float32Array [dimensions].
  val SetRanges(const val& min, const val& max) {
    const std::vector<float> lo = CopyFromTypedArray<float>(min), hi = CopyFromTypedArray<float>(max);
    if (lo.size() != index_->dimensions() || hi.size() != index_->dimensions()) {
      return ErrorValue(InvalidArgument("ranges: min and max need one value per dimension (" +
                                        std::to_string(index_->dimensions()) + ")."));
    }
    Status status = index_->SetRanges(lo.data(), hi.data());
    if (!status.ok()) return ErrorValue(status);
    return Ok(val::undefined());
  }

  val Seal() {
    Status status = index_->Seal();
    if (!status.ok()) return ErrorValue(status);
    return Ok(val::undefined());
  }

  // queries: Float32Array [count * dimensions] -> {perQuery, rows: Uint32Array, scores: Float64Array}
  val Search(const val& queries, size_t count, size_t top_k, const std::string& metric) const {
    return Run(queries, count, top_k, metric, nullptr, 0);
  }

  val SearchRescored(const val& queries, size_t count, size_t top_k, const std::string& metric,
                     const JsVectorIndex& rescore, size_t multiplier) const {
    return Run(queries, count, top_k, metric, rescore.index_.get(), multiplier);
  }

 private:
  explicit JsVectorIndex(std::unique_ptr<VectorIndex> index) : index_(std::move(index)) {}

  val Run(const val& queries, size_t count, size_t top_k, const std::string& metric_name,
          const VectorIndex* rescore, size_t multiplier) const {
    SearchOptions options;
    Status status = ParseMetric(metric_name, &options.metric);
    if (!status.ok()) return ErrorValue(status);
    options.top_k = top_k;
    options.rescore = rescore;
    options.rescore_multiplier = multiplier;
    const std::vector<float> data = CopyFromTypedArray<float>(queries);
    if (data.size() != count * index_->dimensions()) {
      return ErrorValue(InvalidArgument("search: queries length is not count x dimensions."));
    }
    SearchHits hits;
    status = index_->Search(data.data(), count, options, &hits);
    if (!status.ok()) return ErrorValue(status);
    val result = val::object();
    result.set("perQuery", hits.per_query);
    result.set("rows", ToTypedArray(hits.rows.data(), hits.rows.size()));
    result.set("scores", ToTypedArray(hits.scores.data(), hits.scores.size()));
    return Ok(result);
  }

  std::shared_ptr<VectorIndex> index_;
};

val BuildInfo() {
  val info = val::object();
  info.set("simd", SimdEnabled());
  info.set("unicodeVersion", std::string(unicode::Version()));
  return info;
}

}  // namespace
}  // namespace gmatrix

EMSCRIPTEN_BINDINGS(gmatrix_core) {
  using namespace gmatrix;
  emscripten::class_<JsTokenizer>("Tokenizer")
      .class_function("create", &JsTokenizer::Create)
      .function("encodeMany", &JsTokenizer::EncodeMany)
      .function("encodeUtf8", &JsTokenizer::EncodeUtf8)
      .function("idsView", &JsTokenizer::IdsView)
      .function("tokensUtf8", &JsTokenizer::TokensUtf8)
      .function("surfaceFormId", &JsTokenizer::SurfaceFormId)
      .function("tokenList", &JsTokenizer::TokenList)
      .function("vocabSize", &JsTokenizer::VocabSize)
      .function("maxLength", &JsTokenizer::MaxLength);
  emscripten::class_<JsEncodedTexts>("EncodedTexts")
      .function("count", &JsEncodedTexts::Count)
      .function("lengths", &JsEncodedTexts::Lengths)
      .function("batch", &JsEncodedTexts::Batch);
  emscripten::class_<JsVectorIndex>("VectorIndex")
      .class_function("create", &JsVectorIndex::Create)
      .function("storageView", &JsVectorIndex::StorageView)
      .function("setRanges", &JsVectorIndex::SetRanges)
      .function("seal", &JsVectorIndex::Seal)
      .function("search", &JsVectorIndex::Search)
      .function("searchRescored", &JsVectorIndex::SearchRescored);
  emscripten::function("pool", &PoolEmbeddings);
  emscripten::function("normalize", &NormalizeEmbeddings);
  emscripten::function("pairSimilarity", &PairSimilarity);
  emscripten::function("matrixSimilarity", &MatrixSimilarity);
  emscripten::function("correlation", &Correlation);
  emscripten::function("buildInfo", &BuildInfo);
}
