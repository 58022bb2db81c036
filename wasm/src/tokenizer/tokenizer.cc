#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <optional>

#include "tokenizer/sentencepiece_model.h"
#include "tokenizer/wordpiece.h"
#include "unicode/unicode.h"
#include "utf8.h"

namespace gmatrix {
namespace {

PreTokenizerOptions MakePreTokenizerOptions(const TokenizerConfig& config) {
  PreTokenizerOptions options;
  options.lowercase = config.lowercase;
  // transformers' BasicTokenizer strips accents when strip_accents is true, or when it is
  // unset and the tokenizer lower-cases (BERT's uncased checkpoints rely on this).
  options.strip_accents =
      config.strip_accents == 1 || (config.strip_accents == -1 && config.lowercase);
  for (const std::string& token : {config.unk_token, config.sep_token, config.pad_token,
                                   config.cls_token, config.mask_token}) {
    options.never_split.push_back(DecodeUtf8(token));
  }
  return options;
}

Status CreateModel(const TokenizerConfig& config, std::string_view model_data,
                   std::unique_ptr<SubwordModel>* out) {
  if (config.model == TokenizerModel::kSentencePiece) {
    SentencePieceOptions options;
    options.fairseq_ids = config.fairseq_ids;
    std::unique_ptr<SentencePieceModel> model;
    Status status = SentencePieceModel::Create(model_data, options, &model);
    *out = std::move(model);
    return status;
  }
  WordPieceOptions wordpiece_options;
  wordpiece_options.unk_token = config.unk_token;
  wordpiece_options.continuing_subword_prefix = config.continuing_subword_prefix;
  wordpiece_options.max_input_chars_per_word = config.max_input_chars_per_word;
  std::unique_ptr<WordPiece> wordpiece;
  Status status = WordPiece::Create(Vocab::FromText(model_data), wordpiece_options, &wordpiece);
  *out = std::move(wordpiece);
  return status;
}

}  // namespace

Status Tokenizer::Create(const TokenizerConfig& config, std::string_view model_data,
                         std::unique_ptr<Tokenizer>* out) {
  if (config.max_length < 2) {
    return InvalidArgument("maxLength must be at least 2 (room for [CLS] and [SEP]); got " +
                           std::to_string(config.max_length) + ".");
  }
  std::unique_ptr<SubwordModel> model;
  Status status = CreateModel(config, model_data, &model);
  if (!status.ok()) return status;

  const char* vocab_name =
      config.model == TokenizerModel::kSentencePiece ? "The SentencePiece model" : "vocab.txt";
  auto require = [&](const std::string& token, const char* role, int32_t* id) -> Status {
    std::optional<int32_t> found = model->TokenToId(token);
    if (!found) {
      return FailedPrecondition(std::string(vocab_name) + " has no " + role + " token '" + token +
                                "'; use the model's own tokenizer files or fix " + role +
                                "_token in tokenizer_config.json.");
    }
    *id = *found;
    return Status::Ok();
  };
  int32_t cls_id, sep_id, pad_id;
  if (!(status = require(config.cls_token, "cls", &cls_id)).ok()) return status;
  if (!(status = require(config.sep_token, "sep", &sep_id)).ok()) return status;
  if (!(status = require(config.pad_token, "pad", &pad_id)).ok()) return status;

  out->reset(new Tokenizer(config, std::move(model), pad_id,
                           BertPostProcessor(cls_id, sep_id, config.max_length)));
  return Status::Ok();
}

Tokenizer::Tokenizer(TokenizerConfig config, std::unique_ptr<SubwordModel> model, int32_t pad_id,
                     BertPostProcessor post_processor)
    : config_(std::move(config)),
      model_(std::move(model)),
      pad_id_(pad_id),
      post_processor_(post_processor),
      pre_tokenizer_(MakePreTokenizerOptions(config_)) {
  for (const std::string& token : {config_.unk_token, config_.sep_token, config_.pad_token,
                                   config_.cls_token, config_.mask_token}) {
    if (std::optional<int32_t> id = model_->TokenToId(token)) {
      special_tokens_.emplace_back(DecodeUtf8(token), *id);
    }
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& token : special_tokens_) {
    if (!token.first.empty()) special_first_chars_.push_back(token.first[0]);
    for (char32_t c : token.first) {
      if (c == U' ' || c == U'\t' || c == U'\n' || c == U'\r') can_read_in_chunks_ = false;
    }
  }
  if (!model_->CanReadInChunks()) can_read_in_chunks_ = false;
}

void Tokenizer::TokenizeSegment(std::u32string_view segment, std::vector<int32_t>* ids,
                                std::vector<std::string>* tokens) const {
  auto tokenize = [&](const std::u32string& text) {
    if (tokens) {
      model_->TokenizeWithTokens(text, ids, tokens);
    } else {
      model_->Tokenize(text, ids);
    }
  };
  if (model_->NormalizesText()) {
    if (!segment.empty()) tokenize(std::u32string(segment));
    return;
  }
  NormalizerOptions normalizer_options;
  normalizer_options.clean_text = config_.clean_text;
  normalizer_options.handle_chinese_chars = config_.handle_chinese_chars;
  for (const std::u32string& word :
       pre_tokenizer_.Split(NormalizeForBert(segment, normalizer_options))) {
    tokenize(word);
  }
}

void Tokenizer::EncodeChunk(std::string_view chunk, std::vector<int32_t>* pieces,
                            std::vector<std::string>* tokens) const {
  // SentencePiece sees the whole text stripped once (Encode): a part that starts with a
  // character Python strips but SentencePiece keeps (U+001C, ...) must keep it.
  const std::u32string input =
      model_->NormalizesText()
          ? (config_.lowercase_input ? unicode::PythonLower(DecodeUtf8(chunk)) : DecodeUtf8(chunk))
          : PrepareInput(DecodeUtf8(chunk), config_.lowercase_input);
  size_t segment_start = 0;
  size_t i = 0;
  while (i < input.size()) {
    // Special tokens are rare; most positions are ruled out by their first character.
    if (std::find(special_first_chars_.begin(), special_first_chars_.end(), input[i]) ==
        special_first_chars_.end()) {
      ++i;
      continue;
    }
    const auto special = std::find_if(
        special_tokens_.begin(), special_tokens_.end(),
        [&](const auto& token) { return input.compare(i, token.first.size(), token.first) == 0; });
    if (special == special_tokens_.end()) {
      ++i;
      continue;
    }
    TokenizeSegment(std::u32string_view(input).substr(segment_start, i - segment_start), pieces,
                    tokens);
    pieces->push_back(special->second);
    if (tokens) tokens->push_back(model_->IdToToken(special->second));
    i += special->first.size();
    segment_start = i;
  }
  TokenizeSegment(std::u32string_view(input).substr(segment_start), pieces, tokens);
}

namespace {

bool IsAsciiWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Where the chunk that starts at `start` ends: just after the first ASCII whitespace byte at or
// beyond start + size, or the text's end. An ASCII byte never sits inside a UTF-8 sequence.
size_t ChunkEnd(std::string_view text, size_t start, size_t size) {
  if (size >= text.size() - start) return text.size();
  for (size_t i = start + std::max<size_t>(size, 1) - 1; i < text.size(); ++i) {
    if (IsAsciiWhitespace(text[i])) return i + 1;
  }
  return text.size();
}

}  // namespace

// Reading in chunks that end at whitespace gives the pieces of the whole text: every step works
// within whitespace-separated words (strip and lower included: Python's final-sigma rule does not
// look across whitespace; leading and trailing whitespace yields no piece). Once one piece more
// than the post-processor keeps is found (so `truncated` is still known), the rest of the text
// cannot change the ids, and is not read.
Encoding Tokenizer::Encode(std::string_view text) const { return Encode(text, nullptr); }

Encoding Tokenizer::Encode(std::string_view text, std::vector<std::string>* tokens) const {
  if (model_->NormalizesText()) text = PythonStripUtf8(text);
  const size_t enough = config_.max_length - 2 + 1;
  const size_t chunk = can_read_in_chunks_ ? config_.read_chunk_bytes : text.size();
  std::vector<int32_t> pieces;
  for (size_t start = 0; start < text.size() && pieces.size() < enough;) {
    const size_t end = ChunkEnd(text, start, chunk);
    EncodeChunk(text.substr(start, end - start), &pieces, tokens);
    start = end;
  }
  return post_processor_.Apply(pieces);
}

std::vector<std::string> Tokenizer::Tokens(std::string_view text) const {
  std::vector<std::string> pieces;
  const Encoding encoding = Encode(text, &pieces);
  // The post-processor's layout: [CLS], the first pieces, [SEP].
  std::vector<std::string> tokens;
  tokens.reserve(encoding.ids.size());
  tokens.push_back(model_->IdToToken(encoding.ids.front()));
  for (size_t i = 0; i + 2 < encoding.ids.size(); ++i) tokens.push_back(std::move(pieces[i]));
  tokens.push_back(model_->IdToToken(encoding.ids.back()));
  return tokens;
}

BatchEncoding Tokenizer::EncodeBatch(const std::vector<std::string>& texts) const {
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  for (const std::string& text : texts) encodings.push_back(Encode(text));
  return PadBatch(encodings, pad_id_);
}

std::vector<std::string> Tokenizer::IdsToTokens(const std::vector<int32_t>& ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) tokens.push_back(model_->IdToToken(id));
  return tokens;
}

}  // namespace gmatrix
