// libFuzzer target: arbitrary bytes as the text, through a tokenizer with a small fixed
// vocabulary, under every input flag the model folders can set. Checks the invariants every
// encoding must keep, so a wrong result stops the fuzzer as a crash would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.h"

namespace {

const char kVocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n,\nworld\n\xed\x95\x9c\n##\xea\xb8\x80\n\xe4\xb8\xad\n"
    "cafe\nhe\n##llo\n##l\n##o\nh\n.\n!\n\xea\xb0\x80\n##\xeb\x82\x98\n";

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the flags; the rest is the text.
  const uint8_t flags = data[0];
  gmatrix::TokenizerConfig config;
  config.lowercase_input = flags & 1;
  config.lowercase = flags & 2;
  config.strip_accents = (flags >> 2) % 3 - 1;
  config.clean_text = !(flags & 16);
  config.handle_chinese_chars = !(flags & 32);
  config.max_length = (flags & 64) ? 6 : 512;
  config.read_chunk_bytes = (flags & 128) ? 1 : 4096;
  std::unique_ptr<gmatrix::Tokenizer> tokenizer;
  if (!gmatrix::Tokenizer::Create(config, kVocab, &tokenizer).ok()) std::abort();
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const gmatrix::Encoding encoding = tokenizer->Encode(text);
  Check(encoding.ids.size() >= 2 && encoding.ids.size() <= config.max_length);
  Check(encoding.ids.front() == 2 && encoding.ids.back() == 3);
  for (int32_t id : encoding.ids) Check(id >= 0 && static_cast<size_t>(id) < tokenizer->VocabSize());
  // Reading in chunks must not change a single id.
  gmatrix::TokenizerConfig whole = config;
  whole.read_chunk_bytes = SIZE_MAX;
  std::unique_ptr<gmatrix::Tokenizer> reference;
  if (!gmatrix::Tokenizer::Create(whole, kVocab, &reference).ok()) std::abort();
  const gmatrix::Encoding expected = reference->Encode(text);
  Check(encoding.ids == expected.ids && encoding.truncated() == expected.truncated());
  return 0;
}
