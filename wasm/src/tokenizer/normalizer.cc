#include "tokenizer/normalizer.h"

#include "unicode/unicode.h"
#include "utf8.h"

namespace gmatrix {
namespace {

bool IsBertControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return unicode::MajorCategory(cp) == 'C';
}

bool IsBertWhitespace(char32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  const char* category = unicode::Category(cp);
  return category[0] == 'Z' && category[1] == 's';
}

}  // namespace

std::u32string PythonStrip(std::u32string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && unicode::IsPythonSpace(text[begin])) ++begin;
  while (end > begin && unicode::IsPythonSpace(text[end - 1])) --end;
  return std::u32string(text.substr(begin, end - begin));
}

namespace {

// The code point starting at `text[at]` when it is whitespace to Python, else 0 bytes.
size_t PythonSpaceBytes(std::string_view text, size_t at) {
  const unsigned char lead = static_cast<unsigned char>(text[at]);
  const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (at + length > text.size()) return 0;
  const std::u32string decoded = DecodeUtf8(text.substr(at, length));
  return decoded.size() == 1 && unicode::IsPythonSpace(decoded[0]) ? length : 0;
}

}  // namespace

std::string_view PythonStripUtf8(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t n = PythonSpaceBytes(text, begin);
    if (n == 0) break;
    begin += n;
  }
  size_t end = text.size();
  while (end > begin) {
    size_t start = end - 1;  // back to the lead byte of the last code point
    while (start > begin && end - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    const size_t n = PythonSpaceBytes(text, start);
    if (n == 0 || start + n != end) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::u32string BertCleanText(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp == 0 || cp == 0xFFFD || IsBertControl(cp)) continue;
    out.push_back(IsBertWhitespace(cp) ? U' ' : cp);
  }
  return out;
}

bool IsChineseChar(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

std::u32string PadChineseChars(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (IsChineseChar(cp)) {
      out.push_back(U' ');
      out.push_back(cp);
      out.push_back(U' ');
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

std::u32string PrepareInput(std::u32string_view text, bool lowercase) {
  std::u32string out = PythonStrip(text);
  return lowercase ? unicode::PythonLower(out) : out;
}

std::u32string NormalizeForBert(std::u32string_view text, const NormalizerOptions& options) {
  std::u32string out = options.clean_text ? BertCleanText(text) : std::u32string(text);
  return options.handle_chinese_chars ? PadChineseChars(out) : out;
}

}  // namespace gmatrix
