#include "utf8.h"

#include <gtest/gtest.h>

namespace gmatrix {
namespace {

TEST(Utf8Test, RoundTripsEveryLength) {
  const std::u32string text = U"a\u00e9\ud55c\U0001F600";
  EXPECT_EQ(DecodeUtf8(EncodeUtf8(text)), text);
  EXPECT_EQ(EncodeUtf8(U"\ud55c").size(), 3u);
}

TEST(Utf8Test, MalformedBytesBecomeReplacementCharacters) {
  EXPECT_EQ(DecodeUtf8("a\xff" "b"), U"a\ufffdb");
  EXPECT_EQ(DecodeUtf8("\xe2\x82"), U"\ufffd\ufffd");   // truncated sequence
  EXPECT_EQ(DecodeUtf8("\xc0\xaf"), U"\ufffd\ufffd");   // overlong '/'
}

TEST(Utf8Test, KeepsEncodedSurrogates) {
  // JavaScript's lone surrogates arrive this way; Python would hold them as category Cs.
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80"), std::u32string(1, 0xD800));
}

}  // namespace
}  // namespace gmatrix
