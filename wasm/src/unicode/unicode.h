// Character properties the tokenizer needs, answered from tables generated out of the
// Unicode database the reference ran on (see generate_unicode_tables.py).
#ifndef GMATRIX_UNICODE_UNICODE_H_
#define GMATRIX_UNICODE_UNICODE_H_

#include <string>

namespace gmatrix::unicode {

// The two-letter general category, e.g. "Lu", "Zs"; "Cn" for unassigned code points.
const char* Category(char32_t cp);
// The first letter of the category: 'L', 'M', 'N', 'P', 'S', 'Z' or 'C'.
char MajorCategory(char32_t cp);
// Python's str.isspace() for one character (also what str.strip() and str.split() use).
bool IsPythonSpace(char32_t cp);
bool IsCased(char32_t cp);
bool IsCaseIgnorable(char32_t cp);
int CombiningClass(char32_t cp);
// True for nonspacing marks (category Mn), which BERT's accent stripping removes.
bool IsNonspacingMark(char32_t cp);

// Python's str.lower() on a whole string: full (special-casing) mappings and the
// final-sigma rule, the only context-dependent mapping CPython applies.
std::u32string PythonLower(std::u32string_view text);
// unicodedata.normalize("NFD", text): full canonical decomposition, then canonical ordering.
std::u32string CanonicalDecompose(std::u32string_view text);

const char* Version();

}  // namespace gmatrix::unicode

#endif  // GMATRIX_UNICODE_UNICODE_H_
