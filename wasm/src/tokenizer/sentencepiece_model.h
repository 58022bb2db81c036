// SentencePiece model stage: Google's sentencepiece library (0.1.97, fetched at build time, see
// wasm/third_party/) encodes whole text segments; it normalizes (e.g. nmt_nfkc), adds the dummy
// prefix and removes extra spaces itself, so the BERT normalizer and pre-tokenizer do not run.
// Ids are SentencePiece's own, or fairseq's as XLM-RoBERTa's tokenizer numbers them:
//   <s>=0 <pad>=1 </s>=2 <unk>=3, piece i>=3 -> i+1, SentencePiece's unknown -> 3,
//   <mask> = piece count + 1.
#ifndef GMATRIX_TOKENIZER_SENTENCEPIECE_MODEL_H_
#define GMATRIX_TOKENIZER_SENTENCEPIECE_MODEL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"
#include "tokenizer/subword_model.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace gmatrix {

struct SentencePieceOptions {
  bool fairseq_ids = false;  // XLM-RoBERTa's id mapping (see above)
};

class SentencePieceModel : public SubwordModel {
 public:
  // `model_proto`: the bytes of a .model file (a serialized ModelProto). Malformed or unusable
  // bytes give a FailedPrecondition Status with SentencePiece's own reason.
  static Status Create(std::string_view model_proto, SentencePieceOptions options,
                       std::unique_ptr<SentencePieceModel>* out);
  ~SentencePieceModel() override;

  // `segment` is any text without special tokens, whitespace included.
  void Tokenize(const std::u32string& segment, std::vector<int32_t>* ids) const override;
  // An unknown piece's token is its text (normalized, U+2581 for a space), not '<unk>'.
  void TokenizeWithTokens(const std::u32string& segment, std::vector<int32_t>* ids,
                          std::vector<std::string>* tokens) const override;
  std::optional<int32_t> SurfaceFormId() const override { return MapId(spm_unk_id_); }
  std::optional<int32_t> TokenToId(const std::string& token) const override;
  const std::string& IdToToken(int32_t id) const override;
  size_t VocabSize() const override;
  bool NormalizesText() const override { return true; }
  bool CanReadInChunks() const override { return can_read_in_chunks_; }

  // SentencePiece's pieces and ids of a UTF-8 text (its own ids, no mapping), as its encode()
  // returns them: an unknown piece keeps its surface form.
  void Encode(std::string_view text, std::vector<std::string>* pieces,
              std::vector<int32_t>* ids) const;

 private:
  SentencePieceModel(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor,
                     SentencePieceOptions options);
  int32_t MapId(int spm_id) const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  SentencePieceOptions options_;
  int spm_unk_id_;
  size_t piece_count_;
  bool can_read_in_chunks_ = false;
};

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_SENTENCEPIECE_MODEL_H_
