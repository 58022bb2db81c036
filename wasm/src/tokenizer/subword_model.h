// Model stage: turns one pre-tokenized word into ids. WordPiece today; SentencePiece and
// other vocabularies implement the same interface.
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
  // Appends the ids of `word` (code points, no whitespace) to `ids`.
  virtual void Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const = 0;
  virtual std::optional<int32_t> TokenToId(const std::string& token) const = 0;
  virtual const std::string& IdToToken(int32_t id) const = 0;
  virtual size_t VocabSize() const = 0;
};

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_SUBWORD_MODEL_H_
