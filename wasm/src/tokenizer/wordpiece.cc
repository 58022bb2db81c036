#include "tokenizer/wordpiece.h"

#include "utf8.h"

namespace gmatrix {

Status WordPiece::Create(Vocab vocab, WordPieceOptions options, std::unique_ptr<WordPiece>* out) {
  if (vocab.size() == 0) {
    return FailedPrecondition("vocab.txt is empty; use the vocab.txt of the model's tokenizer.");
  }
  std::optional<int32_t> unk_id = vocab.Find(options.unk_token);
  if (!unk_id) {
    return FailedPrecondition("vocab.txt has no unknown token '" + options.unk_token +
                              "'; add it to the vocab or set unk_token in tokenizer_config.json "
                              "to a token the vocab has.");
  }
  out->reset(new WordPiece(std::move(vocab), std::move(options), *unk_id));
  return Status::Ok();
}

void WordPiece::Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const {
  if (word.size() > options_.max_input_chars_per_word) {
    ids->push_back(unk_id_);
    return;
  }
  const size_t first_piece = ids->size();
  size_t start = 0;
  std::string candidate;
  while (start < word.size()) {
    std::optional<int32_t> match;
    size_t end = word.size();
    for (; end > start; --end) {
      candidate.clear();
      if (start > 0) candidate = options_.continuing_subword_prefix;
      for (size_t i = start; i < end; ++i) AppendUtf8(word[i], &candidate);
      match = vocab_.Find(candidate);
      if (match) break;
    }
    if (!match) {  // Part of the word matches nothing: the whole word is unknown.
      ids->resize(first_piece);
      ids->push_back(unk_id_);
      return;
    }
    ids->push_back(*match);
    start = end;
  }
}

}  // namespace gmatrix
