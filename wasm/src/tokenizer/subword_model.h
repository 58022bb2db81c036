// Model stage: turns one pre-tokenized word (WordPiece) or one whole text segment
// (SentencePiece, which splits and normalizes by itself) into ids.
#ifndef GMATRIX_TOKENIZER_SUBWORD_MODEL_H_
#define GMATRIX_TOKENIZER_SUBWORD_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gmatrix {

class SubwordModel {
 public:
  virtual ~SubwordModel() = default;
  // Appends the ids of `word` (code points; no whitespace unless NormalizesText()) to `ids`.
  virtual void Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const = 0;
  // Tokenize, also appending each id's token string to `tokens`: IdToToken(id), unless the model
  // keeps the text of an unknown piece (see SurfaceFormId).
  virtual void TokenizeWithTokens(const std::u32string& word, std::vector<int32_t>* ids,
                                  std::vector<std::string>* tokens) const {
    const size_t first = ids->size();
    Tokenize(word, ids);
    for (size_t i = first; i < ids->size(); ++i) tokens->push_back(IdToToken((*ids)[i]));
  }
  // The id whose token is the input's own text rather than IdToToken(id) (SentencePiece's
  // unknown, as its encode(out_type=str) gives it), if any. WordPiece's [UNK] is the token itself.
  virtual std::optional<int32_t> SurfaceFormId() const { return std::nullopt; }
  virtual std::optional<int32_t> TokenToId(const std::string& token) const = 0;
  virtual const std::string& IdToToken(int32_t id) const = 0;
  virtual size_t VocabSize() const = 0;
  // True when the model takes whole segments and does its own normalization and splitting, so
  // the BERT normalizer and pre-tokenizer are skipped.
  virtual bool NormalizesText() const { return false; }
  // True when a text cut just after ASCII whitespace gives, part by part, the whole text's ids.
  virtual bool CanReadInChunks() const { return true; }
};

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_SUBWORD_MODEL_H_
