#include "tokenizer/post_processor.h"

#include <algorithm>

namespace gmatrix {

Encoding BertPostProcessor::Apply(const std::vector<int32_t>& pieces) const {
  Encoding encoding;
  encoding.untruncated_length = pieces.size() + 2;
  // Truncation keeps the first pieces: sentence-transformers' 'longest_first' on one sequence.
  const size_t kept = std::min(pieces.size(), max_length_ - 2);
  encoding.ids.reserve(kept + 2);
  encoding.ids.push_back(cls_id_);
  encoding.ids.insert(encoding.ids.end(), pieces.begin(), pieces.begin() + kept);
  encoding.ids.push_back(sep_id_);
  return encoding;
}

BatchEncoding PadBatch(const std::vector<const Encoding*>& encodings, int32_t pad_id) {
  BatchEncoding batch;
  batch.rows = encodings.size();
  for (const Encoding* e : encodings) batch.sequence_length = std::max(batch.sequence_length, e->ids.size());
  batch.ids.assign(batch.rows * batch.sequence_length, pad_id);
  batch.attention_mask.assign(batch.rows * batch.sequence_length, 0);
  for (size_t row = 0; row < batch.rows; ++row) {
    const std::vector<int32_t>& ids = encodings[row]->ids;
    std::copy(ids.begin(), ids.end(), batch.ids.begin() + row * batch.sequence_length);
    std::fill_n(batch.attention_mask.begin() + row * batch.sequence_length, ids.size(), 1);
    batch.lengths.push_back(static_cast<int32_t>(ids.size()));
  }
  return batch;
}

BatchEncoding PadBatch(const std::vector<Encoding>& encodings, int32_t pad_id) {
  std::vector<const Encoding*> pointers;
  pointers.reserve(encodings.size());
  for (const Encoding& e : encodings) pointers.push_back(&e);
  return PadBatch(pointers, pad_id);
}

}  // namespace gmatrix
