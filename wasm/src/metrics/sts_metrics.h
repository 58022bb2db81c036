// Correlation metrics for semantic textual similarity, computed as scipy.stats computes them:
// Pearson's r, and Spearman's rho as Pearson's r of the ranks, ties given their average rank.
#ifndef GMATRIX_METRICS_STS_METRICS_H_
#define GMATRIX_METRICS_STS_METRICS_H_

#include <vector>

#include "status.h"

namespace gmatrix {

Status Pearson(const std::vector<double>& x, const std::vector<double>& y, double* r);
Status Spearman(const std::vector<double>& x, const std::vector<double>& y, double* rho);
// scipy.stats.rankdata(method='average'): 1-based ranks, ties share their mean rank.
std::vector<double> AverageRanks(const std::vector<double>& values);

}  // namespace gmatrix

#endif  // GMATRIX_METRICS_STS_METRICS_H_
