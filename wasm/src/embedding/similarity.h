// Vector similarity for pairs and for whole matrices. Euclidean and Manhattan are distances
// (smaller is closer), as in sentence-transformers' evaluator, which correlates their negation.
// Kernels read float32 and accumulate in float64 so results match a float64 reference to
// rounding; in WebAssembly they run as 128-bit SIMD.
#ifndef GMATRIX_EMBEDDING_SIMILARITY_H_
#define GMATRIX_EMBEDDING_SIMILARITY_H_

#include <cstddef>
#include <string_view>

#include "status.h"

namespace gmatrix {

enum class Metric { kCosine, kDot, kEuclidean, kManhattan };

Status ParseMetric(std::string_view name, Metric* metric);

double Dot(const float* a, const float* b, size_t dims);
double Cosine(const float* a, const float* b, size_t dims);
double EuclideanDistance(const float* a, const float* b, size_t dims);
double ManhattanDistance(const float* a, const float* b, size_t dims);
double Similarity(Metric metric, const float* a, const float* b, size_t dims);

// a: [rows_a, dims], b: [rows_b, dims] -> out: [rows_a, rows_b].
void SimilarityMatrix(Metric metric, const float* a, size_t rows_a, const float* b, size_t rows_b,
                      size_t dims, float* out);

// Whether this build's kernels were compiled to SIMD instructions.
bool SimdEnabled();

}  // namespace gmatrix

#endif  // GMATRIX_EMBEDDING_SIMILARITY_H_
