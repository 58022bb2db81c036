#include "tokenizer/vocab.h"

namespace gmatrix {

Vocab Vocab::FromText(std::string_view text) {
  Vocab vocab;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string token(text.substr(start, end - start));
    vocab.ids_[token] = static_cast<int32_t>(vocab.tokens_.size());
    vocab.tokens_.push_back(std::move(token));
    start = end + 1;
  }
  return vocab;
}

std::optional<int32_t> Vocab::Find(const std::string& token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& Vocab::Token(int32_t id) const {
  static const std::string kNone;
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return kNone;
  return tokens_[id];
}

}  // namespace gmatrix
