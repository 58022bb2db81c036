#include "embedding/pooling.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace gmatrix {
namespace {

// Sums are taken in double: the reference pools in float64, and float32 sums over 128
// tokens would drift past the 1e-5 budget with large activations.
void MaskedSum(const float* hidden, const int32_t* mask, size_t sequence, size_t dims,
               bool position_weighted, std::vector<double>* sum, double* weight) {
  sum->assign(dims, 0.0);
  *weight = 0.0;
  for (size_t t = 0; t < sequence; ++t) {
    if (!mask[t]) continue;
    // weightedmean weighs token t (0-based) by t + 1 over the whole padded row.
    const double w = position_weighted ? static_cast<double>(t + 1) : 1.0;
    const float* token = hidden + t * dims;
    for (size_t d = 0; d < dims; ++d) (*sum)[d] += w * token[d];
    *weight += w;
  }
}

}  // namespace

Status Pool(const PoolingConfig& config, const float* hidden, const int32_t* mask, size_t rows,
            size_t sequence, size_t dims, std::vector<float>* out) {
  if (config.ModeCount() == 0) {
    return InvalidArgument("The pooling config enables no mode; set one pooling_mode_* to true "
                           "in 1_Pooling/config.json.");
  }
  const size_t out_dims = dims * config.ModeCount();
  out->assign(rows * out_dims, 0.0f);
  std::vector<double> sum;
  for (size_t r = 0; r < rows; ++r) {
    const float* row_hidden = hidden + r * sequence * dims;
    const int32_t* row_mask = mask + r * sequence;
    float* dst = out->data() + r * out_dims;
    if (config.cls) {
      std::copy(row_hidden, row_hidden + dims, dst);
      dst += dims;
    }
    if (config.max) {
      // Padding is set to -1e9 before the max, as sentence-transformers does.
      std::fill(dst, dst + dims, -1e9f);
      for (size_t t = 0; t < sequence; ++t) {
        const float* token = row_hidden + t * dims;
        for (size_t d = 0; d < dims; ++d) dst[d] = std::max(dst[d], row_mask[t] ? token[d] : -1e9f);
      }
      dst += dims;
    }
    if (config.mean || config.mean_sqrt_len) {
      double count;
      MaskedSum(row_hidden, row_mask, sequence, dims, false, &sum, &count);
      // The clamp to 1e-9 mirrors the reference, so an all-padding row gives zeros, not NaN.
      const double clamped = std::max(count, 1e-9);
      if (config.mean) {
        for (size_t d = 0; d < dims; ++d) dst[d] = static_cast<float>(sum[d] / clamped);
        dst += dims;
      }
      if (config.mean_sqrt_len) {
        const double root = std::sqrt(clamped);
        for (size_t d = 0; d < dims; ++d) dst[d] = static_cast<float>(sum[d] / root);
        dst += dims;
      }
    }
    if (config.weighted_mean) {
      double weight;
      MaskedSum(row_hidden, row_mask, sequence, dims, true, &sum, &weight);
      const double clamped = std::max(weight, 1e-9);
      for (size_t d = 0; d < dims; ++d) dst[d] = static_cast<float>(sum[d] / clamped);
      dst += dims;
    }
    if (config.last_token) {
      // The last position whose mask is 1 (right padding).
      size_t last = 0;
      for (size_t t = 0; t < sequence; ++t) {
        if (row_mask[t]) last = t;
      }
      std::copy(row_hidden + last * dims, row_hidden + (last + 1) * dims, dst);
      dst += dims;
    }
  }
  return Status::Ok();
}

void NormalizeRows(float* data, size_t rows, size_t dims) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = data + r * dims;
    double squares = 0.0;
    for (size_t d = 0; d < dims; ++d) squares += static_cast<double>(row[d]) * row[d];
    const double scale = 1.0 / std::max(std::sqrt(squares), 1e-12);
    for (size_t d = 0; d < dims; ++d) row[d] = static_cast<float>(row[d] * scale);
  }
}

}  // namespace gmatrix
