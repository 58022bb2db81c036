#include "unicode/unicode.h"

#include <gtest/gtest.h>

namespace gmatrix::unicode {
namespace {

TEST(UnicodeTest, CategoriesMatchUnicode14) {
  EXPECT_STREQ(Category(U'A'), "Lu");
  EXPECT_STREQ(Category(U'\ud55c'), "Lo");
  EXPECT_STREQ(Category(U'\u3000'), "Zs");
  EXPECT_STREQ(Category(U'\u0301'), "Mn");
  EXPECT_STREQ(Category(0xE000), "Co");
  EXPECT_STREQ(Category(0x0378), "Cn");  // unassigned
  // U+1F6DD was assigned in Unicode 14.0; U+1FAF7 only in 15.0, so here it is unassigned.
  EXPECT_STREQ(Category(0x1F6DD), "So");
  EXPECT_STREQ(Category(0x1FAF7), "Cn");
  EXPECT_STREQ(Version(), "14.0.0");
}

TEST(UnicodeTest, PythonSpaceIncludesSeparatorsAndInformationSeparators) {
  for (char32_t cp : {U' ', U'\t', U'\n', char32_t{0x1C}, char32_t{0x85}, char32_t{0xA0},
                      char32_t{0x2028}, char32_t{0x3000}}) {
    EXPECT_TRUE(IsPythonSpace(cp)) << std::hex << cp;
  }
  EXPECT_FALSE(IsPythonSpace(0x200B));  // zero width space is Cf, not space
  EXPECT_FALSE(IsPythonSpace(U'a'));
}

TEST(UnicodeTest, PythonLowerUsesFullMappings) {
  EXPECT_EQ(PythonLower(U"\u0130"), U"i\u0307");   // İ -> i + combining dot
  EXPECT_EQ(PythonLower(U"\u1E9E"), U"\u00df");    // ẞ -> ß
  EXPECT_EQ(PythonLower(U"\u212A"), U"k");         // Kelvin sign
  EXPECT_EQ(PythonLower(U"\u212B"), U"\u00e5");    // Angstrom sign
  EXPECT_EQ(PythonLower(U"\u01C5"), U"\u01C6");    // titlecase ǅ
  EXPECT_EQ(PythonLower(U"\ud55c\uae00 ABC"), U"\ud55c\uae00 abc");
}

TEST(UnicodeTest, FinalSigmaFollowsCPythonContextRule) {
  EXPECT_EQ(PythonLower(U"\u039f\u0394\u039f\u03a3"), U"\u03bf\u03b4\u03bf\u03c2");  // ΟΔΟΣ
  EXPECT_EQ(PythonLower(U"\u03a3\u0391"), U"\u03c3\u03b1");  // initial sigma
  EXPECT_EQ(PythonLower(U"\u03a3"), U"\u03c3");              // alone: not final
  EXPECT_EQ(PythonLower(U"A\u03a3 b"), U"a\u03c2 b");        // before a space: final
  EXPECT_EQ(PythonLower(U"A\u03a3'B"), U"a\u03c3'b");        // ignorable then cased: not final
  EXPECT_EQ(PythonLower(U"A'\u03a3"), U"a'\u03c2");          // ignorable skipped backwards
}

TEST(UnicodeTest, CanonicalDecompositionIncludesHangulAndOrdering) {
  EXPECT_EQ(CanonicalDecompose(U"\u00e9"), U"e\u0301");
  EXPECT_EQ(CanonicalDecompose(U"\ud55c"), U"\u1112\u1161\u11ab");  // 한 -> ᄒ ᅡ ᆫ
  EXPECT_EQ(CanonicalDecompose(U"\uac00"), U"\u1100\u1161");         // no trailing consonant
  // Marks are reordered by combining class: dot below (220) before acute (230).
  EXPECT_EQ(CanonicalDecompose(U"a\u0301\u0323"), U"a\u0323\u0301");
}

}  // namespace
}  // namespace gmatrix::unicode
