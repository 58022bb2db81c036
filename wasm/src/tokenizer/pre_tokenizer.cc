#include "tokenizer/pre_tokenizer.h"

#include <utility>

#include "unicode/unicode.h"

namespace gmatrix {

std::vector<std::u32string> SplitOnPythonWhitespace(std::u32string_view text) {
  std::vector<std::u32string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && unicode::IsPythonSpace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !unicode::IsPythonSpace(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

bool IsBertPunctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  return unicode::MajorCategory(cp) == 'P';
}

std::u32string StripAccents(std::u32string_view text) {
  std::u32string out;
  for (char32_t cp : unicode::CanonicalDecompose(text)) {
    if (!unicode::IsNonspacingMark(cp)) out.push_back(cp);
  }
  return out;
}

BertPreTokenizer::BertPreTokenizer(PreTokenizerOptions options)
    : options_(std::move(options)),
      never_split_(options_.never_split.begin(), options_.never_split.end()) {}

void BertPreTokenizer::SplitOnPunctuation(const std::u32string& word,
                                          std::vector<std::u32string>* out) const {
  bool start_new_word = true;
  for (char32_t cp : word) {
    if (IsBertPunctuation(cp)) {
      out->emplace_back(1, cp);
      start_new_word = true;
    } else {
      if (start_new_word) out->emplace_back();
      start_new_word = false;
      out->back().push_back(cp);
    }
  }
}

std::vector<std::u32string> BertPreTokenizer::Split(std::u32string_view text) const {
  std::vector<std::u32string> words;
  for (std::u32string& word : SplitOnPythonWhitespace(text)) {
    if (never_split_.count(word)) {
      words.push_back(std::move(word));
      continue;
    }
    if (options_.lowercase) word = unicode::PythonLower(word);
    if (options_.strip_accents) word = StripAccents(word);
    // Accent stripping can leave an empty word (marks only): the reference's final
    // whitespace re-split drops it.
    SplitOnPunctuation(word, &words);
  }
  return words;
}

}  // namespace gmatrix
