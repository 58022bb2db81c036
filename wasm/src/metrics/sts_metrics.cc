#include "metrics/sts_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace gmatrix {
namespace {

Status CheckInputs(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    return InvalidArgument("Correlation needs two lists of the same length; got " +
                           std::to_string(x.size()) + " and " + std::to_string(y.size()) + ".");
  }
  if (x.size() < 2) {
    return InvalidArgument("Correlation needs at least 2 pairs; got " + std::to_string(x.size()) + ".");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      return InvalidArgument("Correlation inputs must be finite numbers; item " + std::to_string(i) +
                             " is not.");
    }
  }
  return Status::Ok();
}

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

Status Pearson(const std::vector<double>& x, const std::vector<double>& y, double* r) {
  Status status = CheckInputs(x, y);
  if (!status.ok()) return status;
  // Centre first, then normalise each centred vector, as scipy.stats.pearsonr does; this
  // keeps the result accurate when the values share a large offset.
  const double mean_x = Mean(x), mean_y = Mean(y);
  double sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    syy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  if (sxx == 0 || syy == 0) {
    // scipy returns NaN (with a warning) for a constant input: the correlation is undefined.
    *r = std::nan("");
    return Status::Ok();
  }
  const double norm_x = std::sqrt(sxx), norm_y = std::sqrt(syy);
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += ((x[i] - mean_x) / norm_x) * ((y[i] - mean_y) / norm_y);
  *r = std::max(-1.0, std::min(1.0, sum));
  return Status::Ok();
}

std::vector<double> AverageRanks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double average = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = average;
    i = j + 1;
  }
  return ranks;
}

Status Spearman(const std::vector<double>& x, const std::vector<double>& y, double* rho) {
  Status status = CheckInputs(x, y);
  if (!status.ok()) return status;
  return Pearson(AverageRanks(x), AverageRanks(y), rho);
}

}  // namespace gmatrix
