// libFuzzer target: arbitrary bytes as vocab.txt (up to the first 0 byte) and the rest as the
// text. A vocabulary the tokenizer cannot use must be refused with a Status, never crash; one it
// accepts must give ids inside it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* begin = reinterpret_cast<const char*>(data);
  const char* split = std::find(begin, begin + size, '\0');
  const std::string vocab(begin, split);
  const std::string_view text(split == begin + size ? split : split + 1,
                              begin + size - (split == begin + size ? split : split + 1));
  gmatrix::TokenizerConfig config;
  config.lowercase_input = size % 2;
  config.max_length = 64;
  std::unique_ptr<gmatrix::Tokenizer> tokenizer;
  if (!gmatrix::Tokenizer::Create(config, vocab, &tokenizer).ok()) return 0;
  const gmatrix::Encoding encoding = tokenizer->Encode(text);
  if (encoding.ids.size() < 2 || encoding.ids.size() > config.max_length) std::abort();
  for (int32_t id : encoding.ids) {
    if (id < 0 || static_cast<size_t>(id) >= tokenizer->VocabSize()) std::abort();
    (void)tokenizer->IdToToken(id);
  }
  return 0;
}
