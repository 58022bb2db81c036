// Top-k search over stored embeddings, in the precisions of sentence-transformers'
// quantize_embeddings: float32, int8/uint8 (per-dimension calibration ranges) and
// binary/ubinary (numpy packbits of x > 0; binary = ubinary - 128).
//
// The index owns one contiguous block of rows in its precision, which the caller fills in place
// (in WebAssembly, JavaScript reads a file straight into it: no second copy of a large corpus),
// then seals. Queries are always float32 vectors of `dimensions` values:
//   float32          cosine or dot product with the rows;
//   int8, uint8      cosine or dot product with the dequantized rows
//                    x = start + step * (q + 128) (int8) or start + step * q (uint8),
//                    computed asymmetrically: the query is not quantized;
//   binary, ubinary  the query is binarized (x > 0) and rows rank by Hamming distance; the score
//                    reported is the negated distance, so that higher is better everywhere.
// With a rescore index (float32, int8 or uint8 over the same rows), the top_k * multiplier best
// rows are re-ranked by the rescore index's score, which is the one reported.
//
// Results are exact: the scan scores rows with float32 SIMD kernels, keeps every row whose score
// could still reach the top k within the kernel's rounding bound, and ranks those by scores
// computed in float64. So they equal a float64 brute-force reference, ties going to the lower row.
#ifndef GMATRIX_SEARCH_VECTOR_INDEX_H_
#define GMATRIX_SEARCH_VECTOR_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "embedding/similarity.h"
#include "status.h"

namespace gmatrix {

enum class Precision { kFloat32, kInt8, kUint8, kBinary, kUbinary };

Status ParsePrecision(std::string_view name, Precision* precision);
const char* PrecisionName(Precision precision);
bool IsBinary(Precision precision);

class VectorIndex;

struct SearchOptions {
  size_t top_k = 10;
  // kCosine or kDot: how float32 and int8/uint8 rows are scored (binary rows rank by Hamming
  // distance; with a rescore index the metric applies to its scores).
  Metric metric = Metric::kCosine;
  const VectorIndex* rescore = nullptr;
  size_t rescore_multiplier = 4;
};

// Results of `count` queries, each with `per_query` hits best first (per_query is top_k, or the
// row count when there are fewer rows). A score that is NaN (a row holding NaN) is -infinity.
struct SearchHits {
  size_t per_query = 0;
  std::vector<uint32_t> rows;
  std::vector<double> scores;
};

class VectorIndex {
 public:
  // WebAssembly memory ends at 2 GB (emscripten's default maximum for a growable memory; above
  // it pointers turn negative in JavaScript): a larger index could never be allocated there.
  static constexpr uint64_t kMaxStorageBytes = uint64_t{1} << 31;

  // An index of `rows` rows of `dimensions` values (before bit packing); its storage is
  // uninitialized until the caller fills it. Refuses sizes that cannot fit, and reports a failed
  // allocation as an error rather than aborting.
  static Status Create(Precision precision, size_t rows, size_t dimensions,
                       std::unique_ptr<VectorIndex>* out);
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  Precision precision() const { return precision_; }
  size_t rows() const { return rows_; }
  size_t dimensions() const { return dimensions_; }
  // Stored bytes per row: dimensions * 4, dimensions, or ceil(dimensions / 8).
  size_t row_bytes() const { return row_bytes_; }
  size_t storage_bytes() const { return rows_ * row_bytes_; }
  // Row-major rows in the stored precision (int8 and binary as signed bytes); fill before Seal().
  uint8_t* mutable_storage() { return storage_.get(); }
  const uint8_t* storage() const { return storage_.get(); }

  // int8/uint8: the calibration ranges the rows were quantized with, `dimensions` values each
  // (start = min, step = (max - min) / 255 in float32, as quantize_embeddings computes them).
  Status SetRanges(const float* min, const float* max);

  // Called once the storage holds the rows: computes the row norms that cosine and the rounding
  // bounds need. Searching an unsealed index is refused, so a half-filled one is never searched.
  Status Seal();
  bool sealed() const { return sealed_; }

  // queries: [count, dimensions] float32. Fills `hits` with count * per_query rows and scores.
  Status Search(const float* queries, size_t count, const SearchOptions& options,
                SearchHits* hits) const;

 private:
  class Scorer;  // one query against this index (vector_index.cc)

  // Every per-row buffer is malloc'ed: a failed allocation returns null, which Create() reports
  // as an error, where a failed `new` would abort (WebAssembly builds have no exceptions).
  struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
  };
  template <typename T>
  using Buffer = std::unique_ptr<T[], FreeDeleter>;

  VectorIndex(Precision precision, size_t rows, size_t dimensions, size_t row_bytes);

  Precision precision_;
  size_t rows_;
  size_t dimensions_;
  size_t row_bytes_;
  bool sealed_ = false;
  Buffer<uint8_t> storage_;
  Buffer<double> norms_;  // float32: ||row||
  // int8/uint8: ||dequantized row|| computed in float32 with a bound on its error (float64
  // recomputes it for the candidates), and ||q|| of the codes (for the dot product's bound).
  struct QuantizedNorms {
    float norm, norm_bound, code_norm;
  };
  Buffer<QuantizedNorms> quantized_norms_;
  std::vector<float> start_, step_;  // int8/uint8 dequantization, per dimension
};

}  // namespace gmatrix

#endif  // GMATRIX_SEARCH_VECTOR_INDEX_H_
