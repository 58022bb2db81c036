// Post-processor stage: truncation to the model's length, [CLS] ... [SEP] around the pieces,
// and padding of a batch to its longest row with an attention mask.
#ifndef GMATRIX_TOKENIZER_POST_PROCESSOR_H_
#define GMATRIX_TOKENIZER_POST_PROCESSOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gmatrix {

struct Encoding {
  std::vector<int32_t> ids;         // with [CLS]/[SEP], after truncation
  // With [CLS]/[SEP], before truncation. Tokenizer::Encode stops reading a long text one piece
  // past the limit, so for a truncated text this is only a lower bound.
  size_t untruncated_length = 0;
  bool truncated() const { return untruncated_length > ids.size(); }
};

struct BatchEncoding {
  size_t rows = 0;
  size_t sequence_length = 0;
  std::vector<int32_t> ids;             // rows x sequence_length, padded with the pad id
  std::vector<int32_t> attention_mask;  // 1 for real tokens, 0 for padding
  std::vector<int32_t> lengths;         // real tokens per row
};

class BertPostProcessor {
 public:
  // max_length counts the two added tokens; it must be at least 2.
  BertPostProcessor(int32_t cls_id, int32_t sep_id, size_t max_length)
      : cls_id_(cls_id), sep_id_(sep_id), max_length_(max_length) {}

  Encoding Apply(const std::vector<int32_t>& pieces) const;

 private:
  int32_t cls_id_, sep_id_;
  size_t max_length_;
};

// Pads encodings, in the given order, to the longest of them.
BatchEncoding PadBatch(const std::vector<const Encoding*>& encodings, int32_t pad_id);
BatchEncoding PadBatch(const std::vector<Encoding>& encodings, int32_t pad_id);

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_POST_PROCESSOR_H_
