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
