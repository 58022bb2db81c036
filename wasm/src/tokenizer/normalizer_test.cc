#include "tokenizer/normalizer.h"

#include <gtest/gtest.h>

namespace gmatrix {
namespace {

using namespace std::string_literals;

TEST(NormalizerTest, PythonStripRemovesUnicodeWhitespaceOnly) {
  EXPECT_EQ(PythonStrip(U" \u3000\t a b \u2029\n"), U"a b");
  EXPECT_EQ(PythonStrip(U"\u200bx\u200b"), U"\u200bx\u200b");  // ZWSP is not whitespace
  EXPECT_EQ(PythonStrip(U"   "), U"");
}

TEST(NormalizerTest, PythonStripUtf8MatchesPythonStripOnBytes) {
  // U+3000, U+0085, U+001C and U+2029 are Python whitespace; U+200B and malformed bytes are not.
  EXPECT_EQ(PythonStripUtf8("\xe3\x80\x80\xc2\x85\x1c a b \xe2\x80\xa9\n"), "a b");
  EXPECT_EQ(PythonStripUtf8("\xe2\x80\x8bx\xe2\x80\x8b"), "\xe2\x80\x8bx\xe2\x80\x8b");
  EXPECT_EQ(PythonStripUtf8(" \xff x \x80"), "\xff x \x80");
  EXPECT_EQ(PythonStripUtf8(" \xe3\x80"), "\xe3\x80");  // a cut-off sequence is kept
  EXPECT_EQ(PythonStripUtf8(" \t "), "");
  EXPECT_EQ(PythonStripUtf8(""), "");
}

TEST(NormalizerTest, PrepareInputStripsThenLowercases) {
  EXPECT_EQ(PrepareInput(U"  HeLLo \u0130 ", true), U"hello i\u0307");
  EXPECT_EQ(PrepareInput(U"  HeLLo ", false), U"HeLLo");
}

TEST(NormalizerTest, BertCleanTextDropsControlsAndUnifiesWhitespace) {
  // The literal suffix keeps the embedded NUL.
  EXPECT_EQ(BertCleanText(U"a\tb\nc\u0000d\ufffde\u200bf\u00a0g\u0007h"s), U"a b cdef gh");
  EXPECT_EQ(BertCleanText(U"\ue000x"), U"x");    // private use (Co) counts as control
  EXPECT_EQ(BertCleanText(U"\u0378x"), U"x");    // unassigned (Cn) too
  EXPECT_EQ(BertCleanText(U"a\u2028b"), U"a\u2028b");  // Zl is kept (Python split() cuts it)
}

TEST(NormalizerTest, ChineseCharsGetSpacesButHangulAndKanaDoNot) {
  EXPECT_EQ(PadChineseChars(U"\u4e2d\u6587\ud55c"), U" \u4e2d  \u6587 \ud55c");
  EXPECT_EQ(PadChineseChars(U"\u3042"), U"\u3042");
  EXPECT_TRUE(IsChineseChar(0x20000));
  EXPECT_FALSE(IsChineseChar(0xAC00));
}

}  // namespace
}  // namespace gmatrix
