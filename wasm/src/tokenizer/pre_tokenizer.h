// Pre-tokenizer stage: BERT's BasicTokenizer after text cleaning — split on whitespace, then
// per word optional lower-casing / accent stripping, then split off every punctuation
// character. Words listed as never-split are passed through untouched.
#ifndef GMATRIX_TOKENIZER_PRE_TOKENIZER_H_
#define GMATRIX_TOKENIZER_PRE_TOKENIZER_H_

#include <string>
#include <unordered_set>
#include <vector>

namespace gmatrix {

struct PreTokenizerOptions {
  bool lowercase = false;      // the tokenizer's own do_lower_case (not sentence-transformers')
  bool strip_accents = false;  // resolved: strip_accents, or (unset and lowercase)
  std::vector<std::u32string> never_split;
};

class BertPreTokenizer {
 public:
  explicit BertPreTokenizer(PreTokenizerOptions options);
  std::vector<std::u32string> Split(std::u32string_view text) const;

 private:
  void SplitOnPunctuation(const std::u32string& word, std::vector<std::u32string>* out) const;

  PreTokenizerOptions options_;
  std::unordered_set<std::u32string> never_split_;
};

// Python's str.split() with no arguments.
std::vector<std::u32string> SplitOnPythonWhitespace(std::u32string_view text);
// BasicTokenizer._is_punctuation: ASCII symbols count too, not only category P*.
bool IsBertPunctuation(char32_t cp);
// BasicTokenizer._run_strip_accents: NFD, then drop nonspacing marks.
std::u32string StripAccents(std::u32string_view text);

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_PRE_TOKENIZER_H_
