#include "tokenizer/sentencepiece_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sentencepiece_model.pb.h"
#include "tokenizer/tokenizer.h"
#include "utf8.h"

namespace gmatrix {
namespace {

std::string SharedDir() {
  const char* env = std::getenv("GMATRIX_EMBED_SHARED");
  return env ? env : GMATRIX_DEFAULT_SHARED_DIR;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  *out = bytes.str();
  return true;
}

// Just enough JSON for the golden files: the string or integer values of one key in one line.
class JsonLine {
 public:
  explicit JsonLine(std::string_view line) : line_(line) {}

  // The value of "key": a string, or a list of strings, or a list of integers.
  bool String(const std::string& key, std::string* out) const {
    size_t at = Find(key);
    return at != std::string_view::npos && ParseString(&at, out);
  }
  bool Strings(const std::string& key, std::vector<std::string>* out) const {
    size_t at = Find(key);
    if (at == std::string_view::npos || line_[at] != '[') return false;
    ++at;
    while (line_[at] != ']') {
      std::string value;
      if (!ParseString(&at, &value)) return false;
      out->push_back(value);
      if (line_[at] == ',') ++at;
    }
    return true;
  }
  bool Ints(const std::string& key, std::vector<int32_t>* out) const {
    size_t at = Find(key);
    if (at == std::string_view::npos || line_[at] != '[') return false;
    ++at;
    while (line_[at] != ']') {
      char* end;
      out->push_back(static_cast<int32_t>(std::strtol(line_.data() + at, &end, 10)));
      at = end - line_.data();
      if (line_[at] == ',') ++at;
    }
    return true;
  }

 private:
  size_t Find(const std::string& key) const {
    const size_t at = line_.find("\"" + key + "\":");
    return at == std::string_view::npos ? at : at + key.size() + 3;
  }
  // The golden files are ASCII with \uXXXX escapes (surrogate pairs for astral characters).
  bool ParseString(size_t* at, std::string* out) const {
    if (line_[*at] != '"') return false;
    size_t i = *at + 1;
    std::u32string value;
    while (i < line_.size() && line_[i] != '"') {
      if (line_[i] != '\\') {
        value.push_back(static_cast<unsigned char>(line_[i++]));
        continue;
      }
      const char kind = line_[i + 1];
      i += 2;
      if (kind != 'u') {
        value.push_back(kind == 'n' ? U'\n' : kind == 't' ? U'\t' : kind == 'r' ? U'\r'
                      : kind == 'b' ? U'\b' : kind == 'f' ? U'\f' : static_cast<char32_t>(kind));
        continue;
      }
      char32_t unit = static_cast<char32_t>(std::stoul(std::string(line_.substr(i, 4)), nullptr, 16));
      i += 4;
      if (unit >= 0xD800 && unit < 0xDC00 && line_.substr(i, 2) == "\\u") {
        const char32_t low = static_cast<char32_t>(std::stoul(std::string(line_.substr(i + 2, 4)), nullptr, 16));
        if (low >= 0xDC00 && low < 0xE000) {
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
      }
      value.push_back(unit);
    }
    *out = EncodeUtf8(value);
    *at = i + 1;
    return true;
  }

  std::string_view line_;
};

std::unique_ptr<SentencePieceModel> LoadFixtureModel(bool fairseq_ids) {
  std::string bytes;
  if (!ReadFile(SharedDir() + "/fixtures/spm-ko-unigram/spm.model", &bytes)) return nullptr;
  SentencePieceOptions options;
  options.fairseq_ids = fairseq_ids;
  std::unique_ptr<SentencePieceModel> model;
  Status status = SentencePieceModel::Create(bytes, options, &model);
  EXPECT_TRUE(status.ok()) << status.message();
  return model;
}

TEST(SentencePieceModelTest, EncodesEveryGoldenSentenceLikeTheReference) {
  auto model = LoadFixtureModel(false);
  std::string golden;
  if (!model || !ReadFile(SharedDir() + "/fixtures/golden/spm_pieces.json", &golden)) {
    GTEST_SKIP() << "shared fixtures not found in " << SharedDir();
  }
  size_t checked = 0;
  std::istringstream lines(golden);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("{\"id\":", 0) != 0) continue;
    const JsonLine json(line);
    std::string id, text;
    std::vector<std::string> pieces, got_pieces;
    std::vector<int32_t> ids, got_ids;
    ASSERT_TRUE(json.String("id", &id) && json.String("text", &text) &&
                json.Strings("pieces", &pieces) && json.Ints("ids", &ids)) << line.substr(0, 80);
    model->Encode(text, &got_pieces, &got_ids);
    EXPECT_EQ(got_pieces, pieces) << id;
    EXPECT_EQ(got_ids, ids) << id;
    ++checked;
  }
  EXPECT_EQ(checked, 417u);
}

TEST(SentencePieceModelTest, MapsIdsLikeXlmRobertaTokenizer) {
  auto model = LoadFixtureModel(true);
  if (!model) GTEST_SKIP() << "shared fixtures not found in " << SharedDir();
  EXPECT_EQ(model->VocabSize(), 8002u);
  EXPECT_EQ(model->TokenToId("<s>"), 0);
  EXPECT_EQ(model->TokenToId("<pad>"), 1);
  EXPECT_EQ(model->TokenToId("</s>"), 2);
  EXPECT_EQ(model->TokenToId("<unk>"), 3);
  EXPECT_EQ(model->TokenToId("<mask>"), 8001);
  EXPECT_EQ(model->TokenToId("no such piece"), std::nullopt);
  EXPECT_EQ(model->IdToToken(8001), "<mask>");
  EXPECT_EQ(model->IdToToken(8002), "");
  std::vector<std::string> pieces;
  std::vector<int32_t> spm_ids, ids;
  const std::string text = "\xec\x98\xa4\xeb\x8a\x98 \xf0\x9f\x98\x80\xf0\x9f\x98\x80 ok";  // 오늘 😀😀 ok
  model->Encode(text, &pieces, &spm_ids);
  model->Tokenize(DecodeUtf8(text), &ids);
  ASSERT_EQ(ids.size(), spm_ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], spm_ids[i] == 0 ? 3 : spm_ids[i] + 1) << pieces[i];
    if (ids[i] != 3) EXPECT_EQ(model->IdToToken(ids[i]), pieces[i]);
  }
}

TEST(SentencePieceModelTest, RefusesMalformedModelBytesWithAStatus) {
  std::string bytes;
  const bool have_fixture = ReadFile(SharedDir() + "/fixtures/spm-ko-unigram/spm.model", &bytes);
  std::vector<std::string> bad = {"", "not a model", std::string("\x0a\xff\xff\xff\xff\x0f", 6)};
  if (have_fixture) bad.push_back(bytes.substr(0, bytes.size() / 2));
  for (const std::string& data : bad) {
    std::unique_ptr<SentencePieceModel> model;
    Status status = SentencePieceModel::Create(data, SentencePieceOptions(), &model);
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << data.size();
    EXPECT_NE(status.message().find("SentencePiece model"), std::string::npos);
  }
}

// The fixture model with its normalization table replaced.
std::string WithCharsMap(const std::string& model_bytes, const std::string& charsmap) {
  sentencepiece::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(model_bytes));
  proto.mutable_normalizer_spec()->set_precompiled_charsmap(charsmap);
  return proto.SerializeAsString();
}

TEST(SentencePieceModelTest, RefusesABrokenNormalizationTableInsteadOfReadingOutOfBounds) {
  std::string bytes;
  if (!ReadFile(SharedDir() + "/fixtures/spm-ko-unigram/spm.model", &bytes)) {
    GTEST_SKIP() << "shared fixtures not found in " << SharedDir();
  }
  sentencepiece::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  const std::string good = proto.normalizer_spec().precompiled_charsmap();
  ASSERT_GT(good.size(), 1024u);
  std::unique_ptr<SentencePieceModel> model;
  ASSERT_TRUE(SentencePieceModel::Create(WithCharsMap(bytes, good), {}, &model).ok());
  ASSERT_TRUE(SentencePieceModel::Create(WithCharsMap(bytes, ""), {}, &model).ok());  // identity

  std::vector<std::string> broken;
  std::string size_past_end = good;  // upstream accepts a trie size up to the blob's size - 1
  const uint32_t past = static_cast<uint32_t>(good.size() - 1);
  size_past_end.replace(0, 4, reinterpret_cast<const char*>(&past), 4);
  broken.push_back(size_past_end);
  std::string far_offset = good;  // the root's children far outside the array
  far_offset.replace(4, 4, std::string("\x00\xfc\xff\x7f", 4));
  broken.push_back(far_offset);
  broken.push_back(good.substr(0, 3));
  for (size_t i = 0; i < broken.size(); ++i) {
    Status status = SentencePieceModel::Create(WithCharsMap(bytes, broken[i]), {}, &model);
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << i;
    EXPECT_NE(status.message().find("normalization table"), std::string::npos) << status.message();
  }
}

TEST(SentencePieceTokenizerTest, CutsSpecialStringsFramesAndPadsWithThePadId) {
  std::string bytes;
  if (!ReadFile(SharedDir() + "/fixtures/spm-ko-unigram/spm.model", &bytes)) {
    GTEST_SKIP() << "shared fixtures not found in " << SharedDir();
  }
  TokenizerConfig config;
  config.model = TokenizerModel::kSentencePiece;
  config.fairseq_ids = true;
  config.cls_token = "<s>";
  config.sep_token = "</s>";
  config.unk_token = "<unk>";
  config.pad_token = "<pad>";
  config.mask_token = "<mask>";
  config.max_length = 8192;
  std::unique_ptr<Tokenizer> tokenizer;
  Status status = Tokenizer::Create(config, bytes, &tokenizer);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(tokenizer->pad_id(), 1);
  // "<s>문장</s>" -> <s> <s> ▁문 장 </s> </s> (golden-xlm-roberta sx00)
  const Encoding specials = tokenizer->Encode("<s>\xeb\xac\xb8\xec\x9e\xa5</s>");
  EXPECT_EQ(tokenizer->IdsToTokens(specials.ids),
            (std::vector<std::string>{"<s>", "<s>", "\xe2\x96\x81\xeb\xac\xb8", "\xec\x9e\xa5", "</s>", "</s>"}));
  EXPECT_EQ(tokenizer->Encode("  ").ids, (std::vector<int32_t>{0, 2}));
  const BatchEncoding batch = tokenizer->EncodeBatch({"a", "a b c"});
  EXPECT_EQ(batch.ids[batch.sequence_length - 1], 1);  // right padding with <pad> = 1
  EXPECT_EQ(batch.attention_mask[batch.sequence_length - 1], 0);

  // A long text read in parts gives the whole text's ids, at bge-m3's 8192 tokens too; parts
  // may start with characters Python's strip would remove (U+001C, U+0085, U+3000), which only
  // the whole text's ends lose.
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "\xeb\xac\xb8\xec\x9e\xa5 test\t<mask> \xea\xb0\x80\n\x1c\xc2\x85x \xe3\x80\x80y  ";
  }
  TokenizerConfig whole = config;
  whole.read_chunk_bytes = SIZE_MAX;
  std::unique_ptr<Tokenizer> whole_tokenizer;
  ASSERT_TRUE(Tokenizer::Create(whole, bytes, &whole_tokenizer).ok());
  const Encoding expected = whole_tokenizer->Encode(text);
  EXPECT_EQ(expected.ids.size(), 8192u);
  EXPECT_TRUE(expected.truncated());
  for (size_t chunk : {1, 7, 100}) {
    config.read_chunk_bytes = chunk;
    ASSERT_TRUE(Tokenizer::Create(config, bytes, &tokenizer).ok());
    EXPECT_EQ(tokenizer->Encode(text).ids, expected.ids) << chunk;
  }
  config.max_length = 64;  // the same when the limit falls early
  whole.max_length = 64;
  ASSERT_TRUE(Tokenizer::Create(config, bytes, &tokenizer).ok());
  ASSERT_TRUE(Tokenizer::Create(whole, bytes, &whole_tokenizer).ok());
  EXPECT_EQ(tokenizer->Encode(text).ids, whole_tokenizer->Encode(text).ids);
}

TokenizerConfig XlmRobertaConfig() {
  TokenizerConfig config;
  config.model = TokenizerModel::kSentencePiece;
  config.fairseq_ids = true;
  config.cls_token = "<s>";
  config.sep_token = "</s>";
  config.unk_token = "<unk>";
  config.pad_token = "<pad>";
  config.mask_token = "<mask>";
  return config;
}

// tokenize() of Hugging Face's slow XLMRobertaTokenizer keeps the text of an unknown piece
// (SentencePiece's encode(out_type=str)), so Tokens gives it where IdsToTokens gives '<unk>'.
TEST(SentencePieceTokenizerTest, TokensKeepUnknownTextLikeTheReference) {
  std::string bytes;
  if (!ReadFile(SharedDir() + "/fixtures/tiny-xlm-roberta/sentencepiece.bpe.model", &bytes)) {
    GTEST_SKIP() << "shared fixtures not found in " << SharedDir();
  }
  TokenizerConfig config = XlmRobertaConfig();
  std::unique_ptr<Tokenizer> tokenizer, chunked;
  ASSERT_TRUE(Tokenizer::Create(config, bytes, &tokenizer).ok());
  config.read_chunk_bytes = 1;  // a cut at every whitespace gives the same tokens
  ASSERT_TRUE(Tokenizer::Create(config, bytes, &chunked).ok());
  EXPECT_EQ(tokenizer->SurfaceFormId(), 3);

  size_t checked = 0, unknown = 0;
  for (const char* file : {"sentences.json", "extra_inputs.json"}) {
    std::string golden;
    ASSERT_TRUE(ReadFile(SharedDir() + "/fixtures/golden-xlm-roberta/" + file, &golden)) << file;
    std::istringstream lines(golden);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("{\"id\":", 0) != 0) continue;
      const JsonLine json(line);
      std::string id, text;
      std::vector<std::string> tokens;
      std::vector<int32_t> ids;
      ASSERT_TRUE(json.String("id", &id) && json.String("text", &text) &&
                  json.Strings("tokens", &tokens) && json.Ints("ids", &ids)) << line.substr(0, 80);
      EXPECT_EQ(tokenizer->Encode(text).ids, ids) << id;
      EXPECT_EQ(tokenizer->Tokens(text), tokens) << id;
      EXPECT_EQ(chunked->Tokens(text), tokens) << id;
      for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == 3 && tokens[i] != "<unk>") ++unknown;
        // Every other token is the vocabulary's.
        if (ids[i] != 3) EXPECT_EQ(tokenizer->IdToToken(ids[i]), tokens[i]) << id << " " << i;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 421u);
  EXPECT_EQ(unknown, 73u);

  // "<unk>" cut from the text is the special token; unknown text next to it keeps its text.
  const std::string text = "<unk>\xf0\x9f\x98\x80 a<unk>";  // <unk>😀 a<unk>
  const Encoding encoding = tokenizer->Encode(text);
  const std::vector<std::string> tokens = tokenizer->Tokens(text);
  ASSERT_EQ(tokens.size(), encoding.ids.size());
  EXPECT_EQ(tokens.front(), "<s>");
  EXPECT_EQ(tokens[1], "<unk>");
  EXPECT_EQ(tokens[tokens.size() - 2], "<unk>");
  EXPECT_EQ(tokens.back(), "</s>");
  EXPECT_NE(std::find(tokens.begin(), tokens.end(), "\xf0\x9f\x98\x80"), tokens.end());

  // Truncation keeps the tokens of the ids kept.
  config = XlmRobertaConfig();
  config.max_length = 5;
  ASSERT_TRUE(Tokenizer::Create(config, bytes, &tokenizer).ok());
  const std::string long_text = "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80";
  const Encoding truncated = tokenizer->Encode(long_text);
  EXPECT_TRUE(truncated.truncated());
  const std::vector<std::string> kept = tokenizer->Tokens(long_text);
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_EQ(kept.front(), "<s>");
  EXPECT_EQ(kept.back(), "</s>");
  for (size_t i = 1; i + 1 < kept.size(); ++i) {
    if (truncated.ids[i] == 3) EXPECT_NE(kept[i], "<unk>") << i;
  }
}

}  // namespace
}  // namespace gmatrix
