#include "tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

namespace gmatrix {
namespace {

using Words = std::vector<std::u32string>;

TEST(PreTokenizerTest, SplitsOnWhitespaceAndPunctuation) {
  BertPreTokenizer pre_tokenizer({});
  EXPECT_EQ(pre_tokenizer.Split(U"hello, world! a.b"),
            (Words{U"hello", U",", U"world", U"!", U"a", U".", U"b"}));
  EXPECT_EQ(pre_tokenizer.Split(U"x$y^z"), (Words{U"x", U"$", U"y", U"^", U"z"}));  // ASCII symbols
  EXPECT_EQ(pre_tokenizer.Split(U"a\u2028b"), (Words{U"a", U"b"}));  // Python splits on Zl
  EXPECT_EQ(pre_tokenizer.Split(U"  "), Words{});
}

TEST(PreTokenizerTest, NeverSplitTokensPassThrough) {
  PreTokenizerOptions options;
  options.lowercase = true;
  options.never_split = {U"[CLS]"};
  BertPreTokenizer pre_tokenizer(options);
  EXPECT_EQ(pre_tokenizer.Split(U"[CLS] Hi [SEP]"), (Words{U"[CLS]", U"hi", U"[", U"sep", U"]"}));
}

TEST(PreTokenizerTest, StripsAccentsWhenAsked) {
  PreTokenizerOptions options;
  options.strip_accents = true;
  BertPreTokenizer pre_tokenizer(options);
  EXPECT_EQ(pre_tokenizer.Split(U"caf\u00e9 \u0301"), (Words{U"cafe"}));  // a lone mark vanishes
  EXPECT_EQ(StripAccents(U"\ud55c"), U"\u1112\u1161\u11ab");
}

TEST(PreTokenizerTest, PunctuationFollowsUnicodeCategories) {
  EXPECT_TRUE(IsBertPunctuation(U'\u3002'));  // ideographic full stop (Po)
  EXPECT_TRUE(IsBertPunctuation(U'`'));
  EXPECT_FALSE(IsBertPunctuation(U'\u20a9'));  // won sign is Sc, not punctuation
  EXPECT_FALSE(IsBertPunctuation(U'\ud55c'));
}

}  // namespace
}  // namespace gmatrix
