#include "tokenizer/wordpiece.h"

#include <gtest/gtest.h>

namespace gmatrix {
namespace {

std::unique_ptr<WordPiece> MakeWordPiece(const std::string& vocab_text, size_t max_chars = 100) {
  WordPieceOptions options;
  options.max_input_chars_per_word = max_chars;
  std::unique_ptr<WordPiece> model;
  EXPECT_TRUE(WordPiece::Create(Vocab::FromText(vocab_text), options, &model).ok());
  return model;
}

std::vector<int32_t> Tokenize(const WordPiece& model, const std::u32string& word) {
  std::vector<int32_t> ids;
  model.Tokenize(word, &ids);
  return ids;
}

TEST(VocabTest, ReadsLinesLikeTransformersLoadVocab) {
  Vocab vocab = Vocab::FromText("a\nb\r\n\nb\n");
  EXPECT_EQ(vocab.size(), 4u);
  EXPECT_EQ(vocab.Find("b"), 3);       // a repeated token keeps its last line
  EXPECT_EQ(vocab.Find("b\r"), 1);     // only '\n' is removed
  EXPECT_EQ(vocab.Find(""), 2);
  EXPECT_EQ(vocab.Token(3), "b");
  EXPECT_EQ(vocab.Token(99), "");
}

TEST(WordPieceTest, GreedyLongestMatchWithContinuations) {
  auto model = MakeWordPiece("[UNK]\n\xeb\xac\xbc\n##\xeb\x83\x84\n##\xeb\x83\x84\xeb\xb9\x84\n##\xeb\xa5\xbc\n");
  // 물냄비를 -> 물 ##냄비 ##를 (the longest continuation wins over ##냄)
  EXPECT_EQ(Tokenize(*model, U"\ubb3c\ub0c4\ube44\ub97c"), (std::vector<int32_t>{1, 3, 4}));
}

TEST(WordPieceTest, UnmatchedRestMakesWholeWordUnknown) {
  auto model = MakeWordPiece("[UNK]\nab\n##c\n");
  EXPECT_EQ(Tokenize(*model, U"abc"), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(Tokenize(*model, U"abcd"), (std::vector<int32_t>{0}));
  EXPECT_EQ(Tokenize(*model, U"c"), (std::vector<int32_t>{0}));  // "c" exists only as "##c"
}

TEST(WordPieceTest, WordsOverTheCharacterLimitAreUnknown) {
  auto model = MakeWordPiece("[UNK]\na\n##a\n", 3);
  EXPECT_EQ(Tokenize(*model, U"aaa"), (std::vector<int32_t>{1, 2, 2}));
  EXPECT_EQ(Tokenize(*model, U"aaaa"), (std::vector<int32_t>{0}));
}

TEST(WordPieceTest, VocabWithoutUnknownTokenIsRejected) {
  std::unique_ptr<WordPiece> model;
  Status status = WordPiece::Create(Vocab::FromText("a\nb\n"), WordPieceOptions(), &model);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("[UNK]"), std::string::npos);
  EXPECT_FALSE(WordPiece::Create(Vocab::FromText(""), WordPieceOptions(), &model).ok());
}

}  // namespace
}  // namespace gmatrix
