#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

namespace gmatrix {
namespace {

// ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then words.
const char kVocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n,\nworld\n\xed\x95\x9c\n##\xea\xb8\x80\n\xe4\xb8\xad\n"
    "cafe\nhe\n##llo\n";

std::unique_ptr<Tokenizer> Make(TokenizerConfig config) {
  std::unique_ptr<Tokenizer> tokenizer;
  Status status = Tokenizer::Create(config, kVocab, &tokenizer);
  EXPECT_TRUE(status.ok()) << status.message();
  return tokenizer;
}

TEST(TokenizerTest, RunsThePipelineLikeSentenceTransformers) {
  TokenizerConfig config;
  config.lowercase_input = true;
  auto tokenizer = Make(config);
  // strip + lower, punctuation split, Hangul continuation, CJK ideograph split, unknown word.
  EXPECT_EQ(tokenizer->Encode("  Hello, WORLD \xed\x95\x9c\xea\xb8\x80\xe4\xb8\xad zzz ").ids,
            (std::vector<int32_t>{2, 5, 6, 7, 8, 9, 10, 1, 3}));
  EXPECT_EQ(tokenizer->Encode("").ids, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(tokenizer->Encode(" \t ").ids, (std::vector<int32_t>{2, 3}));
}

TEST(TokenizerTest, CutsAtExactSpecialTokenStrings) {
  TokenizerConfig config;  // no lower-casing, as for BERT-family cased models
  auto tokenizer = Make(config);
  EXPECT_EQ(tokenizer->Encode("[CLS]hello[MASK]").ids, (std::vector<int32_t>{2, 2, 5, 4, 3}));
  // Lower-cased or spaced variants are ordinary text.
  EXPECT_EQ(tokenizer->Encode("[cls]").ids, (std::vector<int32_t>{2, 1, 1, 1, 3}));
}

TEST(TokenizerTest, AccentStrippingFollowsTransformersDefaults) {
  TokenizerConfig config;
  config.lowercase = true;  // strip_accents unset + lowercase => accents stripped
  EXPECT_EQ(Make(config)->Encode("CAF\xc3\x89").ids, (std::vector<int32_t>{2, 11, 3}));
  config.strip_accents = 0;
  EXPECT_EQ(Make(config)->Encode("CAF\xc3\x89").ids, (std::vector<int32_t>{2, 1, 3}));
}

TEST(TokenizerTest, TruncatesAndPadsBatches) {
  TokenizerConfig config;
  config.max_length = 4;
  auto tokenizer = Make(config);
  Encoding encoding = tokenizer->Encode("hello hello hello");
  EXPECT_EQ(encoding.ids, (std::vector<int32_t>{2, 5, 5, 3}));
  EXPECT_EQ(encoding.untruncated_length, 5u);
  BatchEncoding batch = tokenizer->EncodeBatch({"hello", "hello hello hello", ""});
  EXPECT_EQ(batch.sequence_length, 4u);
  EXPECT_EQ(batch.lengths, (std::vector<int32_t>{3, 4, 2}));
  EXPECT_EQ(tokenizer->IdsToTokens({2, 12, 13}), (std::vector<std::string>{"[CLS]", "he", "##llo"}));
}

TEST(TokenizerTest, WordPieceTokensAreTheVocabularysTokensOfTheIds) {
  TokenizerConfig config;
  config.lowercase = true;  // the pre-tokenizer's, which keeps special tokens as they are
  config.max_length = 6;
  auto tokenizer = Make(config);
  EXPECT_EQ(tokenizer->SurfaceFormId(), std::nullopt);  // [UNK] is the reference's token
  for (const char* text : {"  Hello, WORLD \xed\x95\x9c\xea\xb8\x80\xe4\xb8\xad zzz ", "", "zzz [MASK]hello",
                           "hello hello hello hello hello hello"}) {
    const std::vector<std::string> tokens = tokenizer->Tokens(text);
    EXPECT_EQ(tokens, tokenizer->IdsToTokens(tokenizer->Encode(text).ids)) << text;
  }
  EXPECT_EQ(tokenizer->Tokens("zzz [MASK]hello"),
            (std::vector<std::string>{"[CLS]", "[UNK]", "[MASK]", "hello", "[SEP]"}));
}

TEST(TokenizerTest, ReadingInChunksGivesTheWholeTextsIds) {
  // Text that exercises every step across whitespace: special tokens, CJK padding, Hangul
  // continuation, punctuation, invalid UTF-8, control characters, tabs and line breaks.
  const std::string text =
      "  Hello,[MASK] WORLD\t\xed\x95\x9c\xea\xb8\x80\xe4\xb8\xad\xe4\xb8\xad \xff\xfe hello\x01world\n"
      "[CLS]hello  cafe he\r\n\xe4\xb8\xad,hello zzz ";
  std::string longer;
  for (int i = 0; i < 40; ++i) longer += text;
  for (size_t max_length : {2, 3, 4, 9, 30, 100000}) {
    for (bool lowercase : {false, true}) {
      TokenizerConfig whole;
      whole.max_length = max_length;
      whole.lowercase_input = lowercase;
      whole.read_chunk_bytes = SIZE_MAX;
      const Encoding expected = Make(whole)->Encode(longer);
      for (size_t chunk : {1, 2, 7, 64}) {
        TokenizerConfig chunked = whole;
        chunked.read_chunk_bytes = chunk;
        const Encoding got = Make(chunked)->Encode(longer);
        EXPECT_EQ(got.ids, expected.ids) << "max_length " << max_length << " chunk " << chunk;
        EXPECT_EQ(got.truncated(), expected.truncated()) << max_length << " " << chunk;
      }
    }
  }
}

TEST(TokenizerTest, TextPastTheLimitDoesNotChangeTheIds) {
  TokenizerConfig config;
  config.max_length = 4;
  std::string huge = "hello world hello ";
  huge.append(8u << 20, 'x');  // an 8 MB word after the kept pieces is never looked at
  const Encoding encoding = Make(config)->Encode(huge);
  EXPECT_EQ(encoding.ids, (std::vector<int32_t>{2, 5, 7, 3}));
  EXPECT_TRUE(encoding.truncated());
}

TEST(TokenizerTest, RejectsUnusableConfigurations) {
  std::unique_ptr<Tokenizer> tokenizer;
  TokenizerConfig config;
  config.max_length = 1;
  EXPECT_EQ(Tokenizer::Create(config, kVocab, &tokenizer).code(), StatusCode::kInvalidArgument);
  config = TokenizerConfig();
  config.cls_token = "<s>";
  Status status = Tokenizer::Create(config, kVocab, &tokenizer);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("<s>"), std::string::npos);
  EXPECT_FALSE(Tokenizer::Create(TokenizerConfig(), "a\nb\n", &tokenizer).ok());  // no [UNK]
}

}  // namespace
}  // namespace gmatrix
