// WordPiece as BERT's WordpieceTokenizer runs it: greedy longest match from the left, pieces
// after the first carry the continuation prefix ("##"); a word with any unmatched rest, or
// longer than max_input_chars_per_word code points, becomes a single unknown token.
#ifndef GMATRIX_TOKENIZER_WORDPIECE_H_
#define GMATRIX_TOKENIZER_WORDPIECE_H_

#include <memory>
#include <string>

#include "status.h"
#include "tokenizer/subword_model.h"
#include "tokenizer/vocab.h"

namespace gmatrix {

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

class WordPiece : public SubwordModel {
 public:
  // Fails when the vocab lacks the unknown token, which every word may need.
  static Status Create(Vocab vocab, WordPieceOptions options, std::unique_ptr<WordPiece>* out);

  void Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const override;
  std::optional<int32_t> TokenToId(const std::string& token) const override {
    return vocab_.Find(token);
  }
  const std::string& IdToToken(int32_t id) const override { return vocab_.Token(id); }
  size_t VocabSize() const override { return vocab_.size(); }

 private:
  WordPiece(Vocab vocab, WordPieceOptions options, int32_t unk_id)
      : vocab_(std::move(vocab)), options_(std::move(options)), unk_id_(unk_id) {}

  Vocab vocab_;
  WordPieceOptions options_;
  int32_t unk_id_;
};

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_WORDPIECE_H_
