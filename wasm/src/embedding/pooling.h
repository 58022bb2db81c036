// Pooling of token vectors into one sentence vector, as sentence-transformers' Pooling module
// does from 1_Pooling/config.json. Several modes may be on: their results are concatenated in
// sentence-transformers' order (cls, max, mean, mean_sqrt_len, weightedmean, lasttoken).
#ifndef GMATRIX_EMBEDDING_POOLING_H_
#define GMATRIX_EMBEDDING_POOLING_H_

#include <cstdint>
#include <vector>

#include "status.h"

namespace gmatrix {

struct PoolingConfig {
  bool cls = false;
  bool max = false;
  bool mean = true;
  bool mean_sqrt_len = false;
  bool weighted_mean = false;
  bool last_token = false;
  int ModeCount() const { return cls + max + mean + mean_sqrt_len + weighted_mean + last_token; }
};

// hidden: [rows, sequence, dims] row-major; mask: [rows, sequence] (1 real, 0 padding).
// Writes [rows, dims * ModeCount()] to `out`.
Status Pool(const PoolingConfig& config, const float* hidden, const int32_t* mask, size_t rows,
            size_t sequence, size_t dims, std::vector<float>* out);

// In-place L2 normalization of each row, x / max(||x||, 1e-12) like torch's F.normalize.
void NormalizeRows(float* data, size_t rows, size_t dims);

}  // namespace gmatrix

#endif  // GMATRIX_EMBEDDING_POOLING_H_
