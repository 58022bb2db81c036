#include "search/vector_index.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace gmatrix {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kFloatRoundoff = 1.0 / 16777216.0;  // float32 unit roundoff, 2^-24
// Relative error allowed for float64 arithmetic (the exact scores, norms, constants): far above
// its 2^-53 roundoff times any summation depth an index can have.
constexpr double kDoubleSlack = 1e-12;
// Row ids are uint32 in results and must stay exact int32 numbers in JavaScript.
constexpr size_t kMaxRows = (size_t{1} << 31) - 1;
// Dimensions this large make no sense for embeddings and would weaken the rounding bound.
constexpr size_t kMaxDimensions = size_t{1} << 20;
// Rows scored per kernel call before their scores are filtered.
constexpr size_t kBlockRows = 256;
// At most this many results per Search call (12 bytes each in WebAssembly memory).
constexpr uint64_t kMaxResults = uint64_t{1} << 24;
// sentence-transformers clamps norms to 1e-8 before dividing (util.cos_sim): a zero row has
// cosine 0 instead of NaN.
constexpr double kMinNorm = 1e-8;

std::string FormatMegabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB", bytes / 1e6);
  return text;
}

// The float32 kernels below keep 16 partial sums (4 SIMD accumulators of 4 lanes, or 16 scalars),
// add a scalar tail of < 16 products and combine the partial sums in at most 16 steps. With the
// product's rounding (and, for codes, the weight's) no term passes through more than
// dims/16 + 40 roundings, so the float32 sum differs from the exact one by at most
// gamma * sum|terms| (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 4.4);
// 1.01 bounds 1/(1 - n*u) for any dimensions up to kMaxDimensions.
double FloatKernelGamma(size_t dimensions) {
  return 1.01 * static_cast<double>(dimensions / 16 + 40) * kFloatRoundoff;
}

// --- float32 accumulation kernels: the scan (approximate scores with a known bound) ---

// Dot product of two float32 vectors, accumulated in float32.
float DotFloat32(const float* a, const float* b, size_t dims) {
  size_t i = 0;
  float sum = 0;
#ifdef __wasm_simd128__
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (; i + 16 <= dims; i += 16) {
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3));
  sum = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
        (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
#else
  float lanes[16] = {};
  for (; i + 16 <= dims; i += 16) {
    for (size_t l = 0; l < 16; ++l) lanes[l] += a[i + l] * b[i + l];
  }
  for (float lane : lanes) sum += lane;
#endif
  for (; i < dims; ++i) sum += a[i] * b[i];
  return sum;
}

// The weight layout DotCodes reads. The SIMD kernel widens 16 codes to float32 by shifting
// within 32-bit lanes (byte k of each lane to the top, then back down with sign or zero fill):
// half the instructions of the i8 -> i16 -> i32 extend chain, and 2x the speed in V8. Its four
// vectors then hold dimensions {k, 4+k, 8+k, 12+k}, so each 16-dimension block of weights is
// stored in that order. The scalar build and the tail keep the natural order.
template <typename T>
void LayOutWeights(const T* weights, size_t dims, std::vector<float>* out) {
  out->resize(dims);
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + 16 <= dims; i += 16) {
    for (size_t k = 0; k < 4; ++k) {
      for (size_t j = 0; j < 4; ++j) (*out)[i + 4 * k + j] = static_cast<float>(weights[i + 4 * j + k]);
    }
  }
#endif
  for (; i < dims; ++i) (*out)[i] = static_cast<float>(weights[i]);
}

inline float CodeValue(const uint8_t* codes, size_t i, bool is_signed) {
  return is_signed ? static_cast<float>(static_cast<int8_t>(codes[i])) : static_cast<float>(codes[i]);
}

// Sum of weights[d] * codes[d] over int8 (kSigned) or uint8 codes, accumulated in float32:
// the codes widen exactly, so only the products and the additions round.
template <bool kSigned>
float DotCodes(const uint8_t* codes, const float* weights, size_t dims) {
  size_t i = 0;
  float sum = 0;
#ifdef __wasm_simd128__
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (; i + 16 <= dims; i += 16) {
    const v128_t v = wasm_v128_load(codes + i);
    const v128_t b0 = wasm_i32x4_shl(v, 24), b1 = wasm_i32x4_shl(v, 16), b2 = wasm_i32x4_shl(v, 8);
    const v128_t c0 = kSigned ? wasm_i32x4_shr(b0, 24) : wasm_u32x4_shr(b0, 24);
    const v128_t c1 = kSigned ? wasm_i32x4_shr(b1, 24) : wasm_u32x4_shr(b1, 24);
    const v128_t c2 = kSigned ? wasm_i32x4_shr(b2, 24) : wasm_u32x4_shr(b2, 24);
    const v128_t c3 = kSigned ? wasm_i32x4_shr(v, 24) : wasm_u32x4_shr(v, 24);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c0), wasm_v128_load(weights + i)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c1), wasm_v128_load(weights + i + 4)));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c2), wasm_v128_load(weights + i + 8)));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c3), wasm_v128_load(weights + i + 12)));
  }
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3));
  sum = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
        (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
#else
  float lanes[16] = {};
  for (; i + 16 <= dims; i += 16) {
    for (size_t l = 0; l < 16; ++l) lanes[l] += weights[i + l] * CodeValue(codes, i + l, kSigned);
  }
  for (float lane : lanes) sum += lane;
#endif
  for (; i < dims; ++i) sum += weights[i] * CodeValue(codes, i, kSigned);
  return sum;
}

// The squared norm of a dequantized row, x_d = base_d + step_d * q_d (base and step in
// LayOutWeights' layout), in float32, and the squared norm of its codes, exact in int32 lanes
// (at most 2^14 * 2^20 / 16).
template <bool kSigned>
float DequantizedSquares(const uint8_t* codes, const float* base, const float* step, size_t dims,
                         int64_t* code_squares) {
  size_t i = 0;
  float sum = 0;
  int64_t codes_sum = 0;
#ifdef __wasm_simd128__
  v128_t acc[4] = {wasm_f32x4_splat(0), wasm_f32x4_splat(0), wasm_f32x4_splat(0), wasm_f32x4_splat(0)};
  v128_t code_acc = wasm_i32x4_splat(0);
  for (; i + 16 <= dims; i += 16) {
    const v128_t v = wasm_v128_load(codes + i);
    const v128_t bytes[4] = {wasm_i32x4_shl(v, 24), wasm_i32x4_shl(v, 16), wasm_i32x4_shl(v, 8), v};
    for (size_t k = 0; k < 4; ++k) {
      const v128_t c = kSigned ? wasm_i32x4_shr(bytes[k], 24) : wasm_u32x4_shr(bytes[k], 24);
      const v128_t x = wasm_f32x4_add(wasm_v128_load(base + i + 4 * k),
                                      wasm_f32x4_mul(wasm_v128_load(step + i + 4 * k), wasm_f32x4_convert_i32x4(c)));
      acc[k] = wasm_f32x4_add(acc[k], wasm_f32x4_mul(x, x));
      code_acc = wasm_i32x4_add(code_acc, wasm_i32x4_mul(c, c));
    }
  }
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(acc[0], acc[1]), wasm_f32x4_add(acc[2], acc[3]));
  sum = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
        (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
  for (int lane = 0; lane < 4; ++lane) {
    codes_sum += static_cast<uint32_t>(wasm_i32x4_extract_lane(code_acc, 0));
    code_acc = wasm_i32x4_shuffle(code_acc, code_acc, 1, 2, 3, 0);
  }
#else
  float lanes[16] = {};
  for (; i + 16 <= dims; i += 16) {
    for (size_t l = 0; l < 16; ++l) {
      const float c = CodeValue(codes, i + l, kSigned);
      const float x = base[i + l] + step[i + l] * c;
      lanes[l] += x * x;
      codes_sum += static_cast<int64_t>(c) * static_cast<int64_t>(c);
    }
  }
  for (float lane : lanes) sum += lane;
#endif
  for (; i < dims; ++i) {
    const float c = CodeValue(codes, i, kSigned);
    const float x = base[i] + step[i] * c;
    sum += x * x;
    codes_sum += static_cast<int64_t>(c) * static_cast<int64_t>(c);
  }
  *code_squares = codes_sum;
  return sum;
}

// Bits that differ between two packed rows. 64-bit popcount (one x86 POPCNT per word in V8)
// measured 1.25x faster than i8x16.popcnt, which V8 emulates with byte shuffles.
uint32_t HammingDistance(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint32_t distance = 0;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    distance += static_cast<uint32_t>(__builtin_popcountll(x ^ y));
  }
  for (; i < bytes; ++i) distance += static_cast<uint32_t>(__builtin_popcount(a[i] ^ b[i]));
  return distance;
}

// The score of a Hamming distance, negated as an integer so that identical bits score 0, not -0
// (compilers may rewrite a floating-point 0 - d as -d).
inline double NegatedDistance(uint32_t distance) {
  return static_cast<double>(-static_cast<int64_t>(distance));
}

// --- float64 arithmetic: the exact scores (candidates only) and the norms ---

// Products of two floats are exact in float64; four sums keep the additions independent.
double DotFloat64(const float* row, const double* query, size_t dims) {
  double s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= dims; i += 4) {
    for (size_t l = 0; l < 4; ++l) s[l] += row[i + l] * query[i + l];
  }
  for (; i < dims; ++i) s[0] += row[i] * query[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

double SquaredNorm64(const float* row, size_t dims) {
  double s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= dims; i += 4) {
    for (size_t l = 0; l < 4; ++l) s[l] += static_cast<double>(row[i + l]) * row[i + l];
  }
  for (; i < dims; ++i) s[0] += static_cast<double>(row[i]) * row[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// --- top-k selection ---

struct Hit {
  double score;
  uint32_t row;
};

// Higher score first; equal scores go to the lower row, so results never depend on the order
// in which candidates were met.
bool Better(const Hit& a, const Hit& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

// A row whose float64 score lies within [lower, upper] (the float32 score -+ its bound).
struct Candidate {
  double lower, upper;
  uint32_t row;
};

// Keeps the candidates that can still be among the k best: if `threshold` is the k-th largest
// lower bound so far, a row whose upper bound is below it is beaten by k rows for sure. The
// threshold only rises, so rows dropped now stay dropped. Returns the new threshold.
double Prune(size_t k, double threshold, std::vector<Candidate>* pool) {
  if (pool->size() < k) return threshold;
  std::nth_element(pool->begin(), pool->begin() + (k - 1), pool->end(),
                   [](const Candidate& a, const Candidate& b) { return a.lower > b.lower; });
  threshold = std::max(threshold, (*pool)[k - 1].lower);
  pool->erase(std::remove_if(pool->begin(), pool->end(),
                             [threshold](const Candidate& c) { return c.upper < threshold; }),
              pool->end());
  return threshold;
}

void SortBest(size_t k, std::vector<Hit>* hits) {
  for (Hit& hit : *hits) {
    if (std::isnan(hit.score)) hit.score = -kInfinity;  // NaN would break the ordering
  }
  k = std::min(k, hits->size());
  std::partial_sort(hits->begin(), hits->begin() + k, hits->end(), Better);
  hits->resize(k);
}

// The k best rows of an index by the scorer's float64 scores, best first. Rows are scanned in
// blocks with the float32 kernels; only the rows that could still make the top k are rescored
// in float64 (typically k plus a few), so the result is the float64 ranking at float32 speed.
template <typename ScorerT>
void SelectTopK(const ScorerT& scorer, size_t rows, size_t k, std::vector<Hit>* out) {
  out->clear();
  if (k == 0) return;
  const bool exact = scorer.exact_scan();
  std::vector<Candidate> pool;
  std::vector<uint32_t> unsure;  // non-finite float32 scores (overflow, NaN): float64 decides
  double threshold = -kInfinity;
  size_t prune_at = std::max<size_t>(4 * k, 1024);
  double scores[kBlockRows], bounds[kBlockRows];
  for (size_t begin = 0; begin < rows; begin += kBlockRows) {
    const size_t end = std::min(rows, begin + kBlockRows);
    scorer.Approximate(begin, end, scores, bounds);
    const size_t count = end - begin;
    if (exact) {
      // Exact scores (binary): a later row that only ties the threshold loses to the k earlier
      // rows holding it (ties go to the lower row), so it need not be kept.
      for (size_t i = 0; i < count; ++i) {
        if (scores[i] > threshold) {
          pool.push_back({scores[i], scores[i], static_cast<uint32_t>(begin + i)});
          if (pool.size() >= prune_at) {
            threshold = Prune(k, threshold, &pool);
            prune_at = std::max(prune_at, 2 * pool.size());
          }
        }
      }
      continue;
    }
    for (size_t i = 0; i < count; ++i) {
      const uint32_t row = static_cast<uint32_t>(begin + i);
      const double score = scores[i];
      if (!std::isfinite(score)) {
        unsure.push_back(row);
        continue;
      }
      const double upper = score + bounds[i];
      if (upper >= threshold) {
        pool.push_back({score - bounds[i], upper, row});
        if (pool.size() >= prune_at) {
          threshold = Prune(k, threshold, &pool);
          prune_at = std::max(prune_at, 2 * pool.size());
        }
      }
    }
  }
  Prune(k, threshold, &pool);
  out->reserve(pool.size() + unsure.size());
  for (const Candidate& c : pool) out->push_back({exact ? c.lower : scorer.Exact(c.row), c.row});
  for (uint32_t row : unsure) out->push_back({scorer.Exact(row), row});
  SortBest(k, out);
}

}  // namespace

// One query prepared against one index: the per-query constants of its precision.
class VectorIndex::Scorer {
 public:
  Scorer(const VectorIndex& index, Metric metric)
      : index_(index), cosine_(metric == Metric::kCosine), gamma_(FloatKernelGamma(index.dimensions_)) {}

  void SetQuery(const float* query) {
    const size_t dims = index_.dimensions_;
    double squares = 0;
    for (size_t d = 0; d < dims; ++d) squares += static_cast<double>(query[d]) * query[d];
    query_norm_ = std::sqrt(squares);
    query_scale_ = std::max(query_norm_, kMinNorm);
    switch (index_.precision_) {
      case Precision::kFloat32:
        query_.assign(query, query + dims);
        query64_.assign(query, query + dims);
        break;
      case Precision::kInt8:
      case Precision::kUint8: {
        // x_d = base_d + step_d * q_d with base_d = start_d (+ 128 step_d for int8), so
        // query . x = sum(query_d * base_d) + sum(w_d * q_d), w_d = query_d * step_d: one
        // constant and one weighted sum of the codes per row.
        const double shift = index_.precision_ == Precision::kInt8 ? 128.0 : 0.0;
        query64_.assign(query, query + dims);
        std::vector<double> weights(dims);
        constant_ = 0;
        abs_constant_ = 0;
        double weight_squares = 0;
        for (size_t d = 0; d < dims; ++d) {
          const double base = static_cast<double>(index_.start_[d]) + shift * index_.step_[d];
          const double term = query64_[d] * base;
          constant_ += term;
          abs_constant_ += std::fabs(term);
          weights[d] = query64_[d] * index_.step_[d];  // exact: a product of two floats
          weight_squares += weights[d] * weights[d];
        }
        weight_norm_ = std::sqrt(weight_squares);
        LayOutWeights(weights.data(), dims, &weights32_);
        break;
      }
      case Precision::kBinary:
      case Precision::kUbinary: {
        // numpy.packbits order: dimension 0 is the most significant bit of byte 0. Stored
        // binary bytes are ubinary - 128, i.e. the top bit flipped; flipping it in the query too
        // leaves every XOR, hence every distance, unchanged.
        const uint8_t flip = index_.precision_ == Precision::kBinary ? 0x80 : 0x00;
        bits_.assign(index_.row_bytes_, 0);
        for (size_t d = 0; d < dims; ++d) {
          if (query[d] > 0) bits_[d / 8] |= static_cast<uint8_t>(0x80u >> (d % 8));
        }
        for (uint8_t& byte : bits_) byte ^= flip;
        break;
      }
    }
  }

  // Binary distances are exact integers: the scan's scores are final.
  bool exact_scan() const { return IsBinary(index_.precision_); }

  // Scores of rows [begin, end) from the float32 kernels, each with a bound on its distance from
  // the float64 score Exact(row) computes. Non-finite when the kernel overflowed or the row
  // holds NaN or infinity.
  void Approximate(size_t begin, size_t end, double* scores, double* bounds) const {
    const uint8_t* storage = index_.storage_.get();
    const size_t dims = index_.dimensions_, row_bytes = index_.row_bytes_;
    switch (index_.precision_) {
      case Precision::kFloat32:
        for (size_t r = begin; r < end; ++r) {
          const double dot = DotFloat32(reinterpret_cast<const float*>(storage + r * row_bytes),
                                        query_.data(), dims);
          // |sum of terms| <= ||query|| ||row|| (Cauchy-Schwarz).
          const double bound = (gamma_ + kDoubleSlack) * query_norm_ * index_.norms_[r];
          const double scale = cosine_ ? 1 / (query_scale_ * std::max(index_.norms_[r], kMinNorm)) : 1;
          scores[r - begin] = dot * scale;
          bounds[r - begin] = bound * scale;
        }
        break;
      case Precision::kInt8:
      case Precision::kUint8: {
        const bool is_signed = index_.precision_ == Precision::kInt8;
        for (size_t r = begin; r < end; ++r) {
          const uint8_t* codes = storage + r * row_bytes;
          const VectorIndex::QuantizedNorms& norms = index_.quantized_norms_[r];
          const float sum = is_signed ? DotCodes<true>(codes, weights32_.data(), dims)
                                      : DotCodes<false>(codes, weights32_.data(), dims);
          const double dot = constant_ + sum;
          // |sum of w_d q_d| <= ||w|| ||q|| (Cauchy-Schwarz); the constant is float64.
          const double bound = (gamma_ + kDoubleSlack) * weight_norm_ * norms.code_norm +
                               kDoubleSlack * abs_constant_;
          if (!cosine_) {
            scores[r - begin] = dot;
            bounds[r - begin] = bound;
            continue;
          }
          // The norm n lies within norm -+ norm_bound, so with m = its least clamped value:
          // |dot*/n* - dot/norm| <= (bound + |dot| norm_bound / norm) / m.
          const double norm = std::max<double>(norms.norm, kMinNorm);
          const double least = std::max<double>(norms.norm - norms.norm_bound, kMinNorm);
          const double slack = bound + std::fabs(dot) * (norms.norm_bound / norm + kDoubleSlack);
          scores[r - begin] = dot / (query_scale_ * norm);
          bounds[r - begin] = slack / (query_scale_ * least);
        }
        break;
      }
      case Precision::kBinary:
      case Precision::kUbinary:
        // Exact: SelectTopK reads no bounds.
        for (size_t r = begin; r < end; ++r) {
          scores[r - begin] = NegatedDistance(HammingDistance(storage + r * row_bytes, bits_.data(), row_bytes));
        }
        break;
    }
  }

  // The score in float64: cosine or dot with the row (dequantized: start + step * (q + 128)
  // for int8), or the negated Hamming distance.
  double Exact(size_t row) const {
    const uint8_t* data = index_.storage_.get() + row * index_.row_bytes_;
    const size_t dims = index_.dimensions_;
    double dot = 0;
    switch (index_.precision_) {
      case Precision::kFloat32:
        dot = DotFloat64(reinterpret_cast<const float*>(data), query64_.data(), dims);
        break;
      case Precision::kInt8:
      case Precision::kUint8: {
        // The dequantized row as written: start + step * (q + 128) for int8, start + step * q.
        const bool is_signed = index_.precision_ == Precision::kInt8;
        const double shift = is_signed ? 128.0 : 0.0;
        double squares = 0;
        for (size_t d = 0; d < dims; ++d) {
          const double code = is_signed ? static_cast<int8_t>(data[d]) : data[d];
          const double x = static_cast<double>(index_.start_[d]) + index_.step_[d] * (code + shift);
          dot += query64_[d] * x;
          squares += x * x;
        }
        return cosine_ ? dot / (query_scale_ * std::max(std::sqrt(squares), kMinNorm)) : dot;
      }
      case Precision::kBinary:
      case Precision::kUbinary:
        return NegatedDistance(HammingDistance(data, bits_.data(), index_.row_bytes_));
    }
    // float32 rows.
    return cosine_ ? dot / (query_scale_ * std::max(index_.norms_[row], kMinNorm)) : dot;
  }

 private:
  const VectorIndex& index_;
  const bool cosine_;
  const double gamma_;
  double query_norm_ = 0, query_scale_ = 1;
  std::vector<float> query_;      // float32: the query
  std::vector<double> query64_;   // float32, int8/uint8: the query in float64
  std::vector<float> weights32_;  // int8/uint8: query_d * step_d, in DotCodes' layout
  double constant_ = 0, abs_constant_ = 0, weight_norm_ = 0;
  std::vector<uint8_t> bits_;     // binary: the packed query
};

Status ParsePrecision(std::string_view name, Precision* precision) {
  if (name == "float32") *precision = Precision::kFloat32;
  else if (name == "int8") *precision = Precision::kInt8;
  else if (name == "uint8") *precision = Precision::kUint8;
  else if (name == "binary") *precision = Precision::kBinary;
  else if (name == "ubinary") *precision = Precision::kUbinary;
  else {
    return InvalidArgument("Unknown precision '" + std::string(name) +
                           "'; use one of float32, int8, uint8, binary, ubinary.");
  }
  return Status::Ok();
}

const char* PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kFloat32: return "float32";
    case Precision::kInt8: return "int8";
    case Precision::kUint8: return "uint8";
    case Precision::kBinary: return "binary";
    case Precision::kUbinary: return "ubinary";
  }
  return "unknown";
}

bool IsBinary(Precision precision) {
  return precision == Precision::kBinary || precision == Precision::kUbinary;
}

VectorIndex::VectorIndex(Precision precision, size_t rows, size_t dimensions, size_t row_bytes)
    : precision_(precision), rows_(rows), dimensions_(dimensions), row_bytes_(row_bytes) {}

VectorIndex::~VectorIndex() = default;

Status VectorIndex::Create(Precision precision, size_t rows, size_t dimensions,
                           std::unique_ptr<VectorIndex>* out) {
  if (dimensions == 0 || dimensions > kMaxDimensions) {
    return InvalidArgument("A search index needs between 1 and " + std::to_string(kMaxDimensions) +
                           " dimensions per vector, not " + std::to_string(dimensions) + ".");
  }
  if (rows > kMaxRows) {
    return InvalidArgument("A search index holds at most " + std::to_string(kMaxRows) +
                           " rows; split the vectors into several indexes.");
  }
  const size_t row_bytes = precision == Precision::kFloat32 ? dimensions * 4
                           : IsBinary(precision)            ? (dimensions + 7) / 8
                                                            : dimensions;
  // Norms: 8 bytes per row (float32, int8, uint8), plus 4 for the code norms (int8, uint8).
  const uint64_t side_bytes = precision == Precision::kFloat32 ? 8 : IsBinary(precision) ? 0 : 12;
  const uint64_t bytes = static_cast<uint64_t>(rows) * (row_bytes + side_bytes);
  if (bytes >= kMaxStorageBytes) {
    return InvalidArgument(std::to_string(rows) + " " + PrecisionName(precision) + " vectors of " +
                           std::to_string(dimensions) + " dimensions need " + FormatMegabytes(bytes) +
                           ", more than WebAssembly's 2 GB of memory can hold; use int8 or binary "
                           "precision, or split the vectors into several indexes.");
  }
  std::unique_ptr<VectorIndex> index(new VectorIndex(precision, rows, dimensions, row_bytes));
  bool allocated = true;
  if (rows > 0) {
    index->storage_.reset(static_cast<uint8_t*>(std::malloc(rows * row_bytes)));
    allocated = index->storage_ != nullptr;
    if (allocated && precision == Precision::kFloat32) {
      index->norms_.reset(static_cast<double*>(std::malloc(rows * sizeof(double))));
      allocated = index->norms_ != nullptr;
    }
    if (allocated && !IsBinary(precision) && precision != Precision::kFloat32) {
      index->quantized_norms_.reset(static_cast<QuantizedNorms*>(std::malloc(rows * sizeof(QuantizedNorms))));
      allocated = index->quantized_norms_ != nullptr;
    }
  }
  if (!allocated) {
    return InvalidArgument("Could not allocate " + FormatMegabytes(bytes) + " of WebAssembly memory for " +
                           std::to_string(rows) + " " + PrecisionName(precision) +
                           " vectors: other indexes or models hold the rest of its 2 GB; dispose of "
                           "those no longer needed, or use a smaller precision.");
  }
  *out = std::move(index);
  return Status::Ok();
}

Status VectorIndex::SetRanges(const float* min, const float* max) {
  if (precision_ != Precision::kInt8 && precision_ != Precision::kUint8) {
    return InvalidArgument(std::string("Calibration ranges apply to int8 and uint8 indexes, not ") +
                           PrecisionName(precision_) + ".");
  }
  start_.resize(dimensions_);
  step_.resize(dimensions_);
  for (size_t d = 0; d < dimensions_; ++d) {
    if (!std::isfinite(min[d]) || !std::isfinite(max[d]) || max[d] < min[d]) {
      return InvalidArgument("Calibration range of dimension " + std::to_string(d) +
                             " is not a finite interval min <= max; pass the ranges the vectors "
                             "were quantized with.");
    }
    start_[d] = min[d];
    // float32 arithmetic, as numpy computes (ranges[1] - ranges[0]) / 255 on float32 ranges.
    step_[d] = (max[d] - min[d]) / 255.0f;
  }
  return Status::Ok();
}

Status VectorIndex::Seal() {
  const bool quantized = precision_ == Precision::kInt8 || precision_ == Precision::kUint8;
  if (quantized && start_.empty()) {
    return InvalidArgument(std::string("An ") + PrecisionName(precision_) +
                           " index needs the calibration ranges its vectors were quantized with.");
  }
  const uint8_t* storage = storage_.get();
  if (precision_ == Precision::kFloat32) {
    for (size_t r = 0; r < rows_; ++r) {
      norms_[r] = std::sqrt(SquaredNorm64(reinterpret_cast<const float*>(storage + r * row_bytes_), dimensions_));
    }
  } else if (quantized) {
    // Norms in float32 SIMD (a double pass took 1.5 s for 1M rows of 768 dimensions in V8),
    // each with a bound on its error: x_d = fl(base_d + fl(step_d q_d)) is off by at most
    // 2.01 u (|base_d| + |step_d q_d|), so the vector by at most
    // e = 2.01 u (||base|| + max(step) ||q||) (triangle inequality), and the float32 sum of
    // squares, all positive, by a relative gamma, which its square root at most keeps.
    const bool is_signed = precision_ == Precision::kInt8;
    const double shift = is_signed ? 128.0 : 0.0;
    std::vector<double> base64(dimensions_);
    double base_squares = 0, max_step = 0;
    for (size_t d = 0; d < dimensions_; ++d) {
      base64[d] = static_cast<double>(start_[d]) + shift * step_[d];
      base_squares += base64[d] * base64[d];
      max_step = std::max<double>(max_step, step_[d]);
    }
    std::vector<float> base, step;
    LayOutWeights(base64.data(), dimensions_, &base);
    LayOutWeights(step_.data(), dimensions_, &step);
    const double gamma = FloatKernelGamma(dimensions_);
    const double base_norm = std::sqrt(base_squares) * (1 + kDoubleSlack);
    for (size_t r = 0; r < rows_; ++r) {
      const uint8_t* codes = storage + r * row_bytes_;
      int64_t code_squares = 0;
      const float squares = is_signed
          ? DequantizedSquares<true>(codes, base.data(), step.data(), dimensions_, &code_squares)
          : DequantizedSquares<false>(codes, base.data(), step.data(), dimensions_, &code_squares);
      const double norm = std::sqrt(static_cast<double>(squares));
      const double code_norm = std::sqrt(static_cast<double>(code_squares));
      const double error = 1.01 * gamma * norm + 2.01 * kFloatRoundoff * (base_norm + max_step * code_norm);
      // The bounds rounded up to float32, so that they stay bounds.
      const float up = std::numeric_limits<float>::infinity();
      quantized_norms_[r] = {static_cast<float>(norm),
                             std::nextafter(static_cast<float>(error + 1e-6 * norm), up),
                             std::nextafter(static_cast<float>(code_norm), up)};
    }
  }
  sealed_ = true;
  return Status::Ok();
}

Status VectorIndex::Search(const float* queries, size_t count, const SearchOptions& options,
                           SearchHits* hits) const {
  if (!sealed_) {
    return InvalidArgument("The search index is not filled yet; seal it after writing its rows.");
  }
  if (options.top_k == 0) return InvalidArgument("topK must be a positive integer.");
  if (options.metric != Metric::kCosine && options.metric != Metric::kDot) {
    return InvalidArgument("Search scores by 'cosine' or 'dot'; euclidean and manhattan are not "
                           "supported by the index.");
  }
  const VectorIndex* rescore = options.rescore;
  if (rescore != nullptr) {
    if (IsBinary(rescore->precision_)) {
      return InvalidArgument(std::string("A rescore index holds float32, int8 or uint8 vectors, not ") +
                             PrecisionName(rescore->precision_) + "; pass the index of the same "
                             "rows in higher precision.");
    }
    if (rescore->rows_ != rows_ || rescore->dimensions_ != dimensions_) {
      return InvalidArgument("The rescore index holds " + std::to_string(rescore->rows_) + " x " +
                             std::to_string(rescore->dimensions_) + " vectors but the index " +
                             std::to_string(rows_) + " x " + std::to_string(dimensions_) +
                             "; rescore with the same rows in another precision.");
    }
    if (!rescore->sealed_) return InvalidArgument("The rescore index is not filled yet.");
    if (options.rescore_multiplier == 0) {
      return InvalidArgument("rescoreMultiplier must be a positive integer.");
    }
  }
  const size_t per_query = std::min(options.top_k, rows_);
  if (static_cast<uint64_t>(count) * per_query > kMaxResults) {
    return InvalidArgument("Asked for " + std::to_string(count) + " x " + std::to_string(per_query) +
                           " results, more than " + std::to_string(kMaxResults) +
                           " at once; lower topK or search fewer queries per call.");
  }
  // top_k * multiplier candidates, computed without overflow.
  const size_t candidates =
      rescore == nullptr ? per_query
                         : static_cast<size_t>(std::min<uint64_t>(
                               static_cast<uint64_t>(options.top_k) * options.rescore_multiplier, rows_));

  hits->per_query = per_query;
  hits->rows.assign(count * per_query, 0);
  hits->scores.assign(count * per_query, 0);
  Scorer scorer(*this, options.metric);
  std::unique_ptr<Scorer> rescorer;
  if (rescore != nullptr) rescorer.reset(new Scorer(*rescore, options.metric));
  std::vector<Hit> best;
  for (size_t q = 0; q < count; ++q) {
    const float* query = queries + q * dimensions_;
    scorer.SetQuery(query);
    SelectTopK(scorer, rows_, candidates, &best);
    if (rescorer) {
      rescorer->SetQuery(query);
      for (Hit& hit : best) hit.score = rescorer->Exact(hit.row);
      SortBest(per_query, &best);
    }
    for (size_t i = 0; i < per_query; ++i) {
      hits->rows[q * per_query + i] = best[i].row;
      hits->scores[q * per_query + i] = best[i].score;
    }
  }
  return Status::Ok();
}

}  // namespace gmatrix
