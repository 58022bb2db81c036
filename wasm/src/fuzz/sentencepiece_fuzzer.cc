// libFuzzer target: arbitrary bytes as a SentencePiece .model file (the real library parses
// it). Bytes it cannot use must be refused with a Status, never crash; a model it accepts must
// encode a text to ids inside its vocabulary.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "tokenizer/sentencepiece_model.h"
#include "utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gmatrix::SentencePieceOptions options;
  options.fairseq_ids = size % 2;
  std::unique_ptr<gmatrix::SentencePieceModel> model;
  if (!gmatrix::SentencePieceModel::Create(
           std::string_view(reinterpret_cast<const char*>(data), size), options, &model)
           .ok()) {
    return 0;
  }
  std::vector<int32_t> ids;
  model->Tokenize(gmatrix::DecodeUtf8("Hello 세계 <mask> \xf0\x9f\x98\x80 abc  def"), &ids);
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= model->VocabSize()) std::abort();
    (void)model->IdToToken(id);
  }
  return 0;
}
