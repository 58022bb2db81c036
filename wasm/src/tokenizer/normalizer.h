// Normalizer stage: whole-text rewrites before the text is cut into words.
//   - sentence-transformers: Python str.strip(), then str.lower() when do_lower_case is set;
//   - BERT's BasicTokenizer: control characters dropped, whitespace unified to ' ', and
//     spaces put around CJK ideographs so each becomes its own word.
#ifndef GMATRIX_TOKENIZER_NORMALIZER_H_
#define GMATRIX_TOKENIZER_NORMALIZER_H_

#include <string>
#include <string_view>

namespace gmatrix {

struct NormalizerOptions {
  bool clean_text = true;            // BasicTokenizer's _clean_text
  bool handle_chinese_chars = true;  // BasicTokenizer's tokenize_chinese_chars
};

// Python's str.strip() with no arguments.
std::u32string PythonStrip(std::u32string_view text);
// The same on UTF-8 bytes, without decoding the rest of the text.
std::string_view PythonStripUtf8(std::string_view text);
// BasicTokenizer._clean_text: drops NUL, U+FFFD and category C* (but tab/CR/LF), maps
// tab/CR/LF and category Zs to ' '.
std::u32string BertCleanText(std::u32string_view text);
// BasicTokenizer._tokenize_chinese_chars. Hangul is not in these blocks.
std::u32string PadChineseChars(std::u32string_view text);
bool IsChineseChar(char32_t cp);

// What sentence-transformers hands the tokenizer: str.strip(), then str.lower() if asked.
std::u32string PrepareInput(std::u32string_view text, bool lowercase);
// BasicTokenizer's whole-text steps, in the reference order.
std::u32string NormalizeForBert(std::u32string_view text, const NormalizerOptions& options);

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_NORMALIZER_H_
