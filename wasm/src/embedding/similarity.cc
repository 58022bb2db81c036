#include "embedding/similarity.h"

#include <cmath>
#include <string>
#include <vector>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace gmatrix {
namespace {

// The sums one pass over two vectors yields; each metric reads the ones it needs.
struct PairSums {
  double dot = 0, norm_a = 0, norm_b = 0, squared_diff = 0, abs_diff = 0;
};

#ifdef __wasm_simd128__
// Widening float32 lanes to float64 before arithmetic makes products and differences exact,
// so only the final additions round — as in a float64 reference.
inline void Accumulate(v128_t a, v128_t b, v128_t* dot, v128_t* norm_a, v128_t* norm_b,
                       v128_t* squared, v128_t* absolute) {
  const v128_t a_lo = wasm_f64x2_promote_low_f32x4(a);
  const v128_t b_lo = wasm_f64x2_promote_low_f32x4(b);
  const v128_t a_hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  const v128_t b_hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 0, 1));
  const v128_t d_lo = wasm_f64x2_sub(a_lo, b_lo);
  const v128_t d_hi = wasm_f64x2_sub(a_hi, b_hi);
  *dot = wasm_f64x2_add(*dot, wasm_f64x2_add(wasm_f64x2_mul(a_lo, b_lo), wasm_f64x2_mul(a_hi, b_hi)));
  *norm_a = wasm_f64x2_add(*norm_a, wasm_f64x2_add(wasm_f64x2_mul(a_lo, a_lo), wasm_f64x2_mul(a_hi, a_hi)));
  *norm_b = wasm_f64x2_add(*norm_b, wasm_f64x2_add(wasm_f64x2_mul(b_lo, b_lo), wasm_f64x2_mul(b_hi, b_hi)));
  *squared = wasm_f64x2_add(*squared, wasm_f64x2_add(wasm_f64x2_mul(d_lo, d_lo), wasm_f64x2_mul(d_hi, d_hi)));
  *absolute = wasm_f64x2_add(*absolute, wasm_f64x2_add(wasm_f64x2_abs(d_lo), wasm_f64x2_abs(d_hi)));
}

inline double HorizontalSum(v128_t v) {
  return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1);
}
#endif

PairSums ComputeSums(const float* a, const float* b, size_t dims) {
  PairSums sums;
  size_t i = 0;
#ifdef __wasm_simd128__
  v128_t dot = wasm_f64x2_splat(0), norm_a = dot, norm_b = dot, squared = dot, absolute = dot;
  for (; i + 4 <= dims; i += 4) {
    Accumulate(wasm_v128_load(a + i), wasm_v128_load(b + i), &dot, &norm_a, &norm_b, &squared,
               &absolute);
  }
  sums.dot = HorizontalSum(dot);
  sums.norm_a = HorizontalSum(norm_a);
  sums.norm_b = HorizontalSum(norm_b);
  sums.squared_diff = HorizontalSum(squared);
  sums.abs_diff = HorizontalSum(absolute);
#endif
  for (; i < dims; ++i) {  // The tail, and the whole vector where SIMD is not compiled in.
    const double x = a[i], y = b[i], diff = x - y;
    sums.dot += x * y;
    sums.norm_a += x * x;
    sums.norm_b += y * y;
    sums.squared_diff += diff * diff;
    sums.abs_diff += std::fabs(diff);
  }
  return sums;
}

double CosineFromSums(const PairSums& s) {
  // A zero vector has no direction; like sentence-transformers' util.cos_sim (which clamps
  // the norms to 1e-8 before dividing) it gets cosine 0 rather than NaN.
  const double denominator = std::max(std::sqrt(s.norm_a), 1e-8) * std::max(std::sqrt(s.norm_b), 1e-8);
  return s.dot / denominator;
}

double FromSums(Metric metric, const PairSums& s) {
  switch (metric) {
    case Metric::kCosine: return CosineFromSums(s);
    case Metric::kDot: return s.dot;
    case Metric::kEuclidean: return std::sqrt(s.squared_diff);
    case Metric::kManhattan: return s.abs_diff;
  }
  return 0;
}

}  // namespace

Status ParseMetric(std::string_view name, Metric* metric) {
  if (name == "cosine") *metric = Metric::kCosine;
  else if (name == "dot") *metric = Metric::kDot;
  else if (name == "euclidean") *metric = Metric::kEuclidean;
  else if (name == "manhattan") *metric = Metric::kManhattan;
  else {
    return InvalidArgument("Unknown similarity metric '" + std::string(name) +
                           "'; use one of cosine, dot, euclidean, manhattan.");
  }
  return Status::Ok();
}

double Dot(const float* a, const float* b, size_t dims) { return ComputeSums(a, b, dims).dot; }
double Cosine(const float* a, const float* b, size_t dims) {
  return CosineFromSums(ComputeSums(a, b, dims));
}
double EuclideanDistance(const float* a, const float* b, size_t dims) {
  return std::sqrt(ComputeSums(a, b, dims).squared_diff);
}
double ManhattanDistance(const float* a, const float* b, size_t dims) {
  return ComputeSums(a, b, dims).abs_diff;
}
double Similarity(Metric metric, const float* a, const float* b, size_t dims) {
  return FromSums(metric, ComputeSums(a, b, dims));
}

void SimilarityMatrix(Metric metric, const float* a, size_t rows_a, const float* b, size_t rows_b,
                      size_t dims, float* out) {
  for (size_t i = 0; i < rows_a; ++i) {
    for (size_t j = 0; j < rows_b; ++j) {
      out[i * rows_b + j] =
          static_cast<float>(FromSums(metric, ComputeSums(a + i * dims, b + j * dims, dims)));
    }
  }
}

bool SimdEnabled() {
#ifdef __wasm_simd128__
  return true;
#else
  return false;
#endif
}

}  // namespace gmatrix
