// A token <-> id table read from a BERT-style vocab.txt, exactly as transformers' load_vocab
// reads it: one token per line, only the trailing '\n' removed, the line number is the id,
// and a repeated token keeps its last line number.
#ifndef GMATRIX_TOKENIZER_VOCAB_H_
#define GMATRIX_TOKENIZER_VOCAB_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gmatrix {

class Vocab {
 public:
  static Vocab FromText(std::string_view text);

  std::optional<int32_t> Find(const std::string& token) const;
  // The token for an id; "" when the id is outside the table.
  const std::string& Token(int32_t id) const;
  size_t size() const { return tokens_.size(); }

 private:
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> tokens_;
};

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_VOCAB_H_
