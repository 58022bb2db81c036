// UTF-8 <-> code points. Text is handled as code points (std::u32string) inside the
// tokenizer because every rule it reproduces (Python str methods, BERT's character classes,
// WordPiece's 100-character limit) counts code points, not bytes.
#ifndef GMATRIX_UTF8_H_
#define GMATRIX_UTF8_H_

#include <string>
#include <string_view>

namespace gmatrix {

// Malformed bytes decode to U+FFFD (which BERT's text cleaning then drops, as Python would
// never have seen them). Encoded surrogates (from JavaScript's lone surrogates) are kept as
// code points: Python strings can hold them too, and they are category Cs.
std::u32string DecodeUtf8(std::string_view bytes);
std::string EncodeUtf8(std::u32string_view code_points);
void AppendUtf8(char32_t code_point, std::string* out);

}  // namespace gmatrix

#endif  // GMATRIX_UTF8_H_
