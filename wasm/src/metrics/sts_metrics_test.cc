#include "metrics/sts_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gmatrix {
namespace {

TEST(StsMetricsTest, AverageRanksShareTies) {
  EXPECT_EQ(AverageRanks({10, 20, 20, 5}), (std::vector<double>{2, 3.5, 3.5, 1}));
}

TEST(StsMetricsTest, PearsonMatchesScipy) {
  double r;
  ASSERT_TRUE(Pearson({1, 2, 3, 4, 5}, {2, 4, 5, 4, 5}, &r).ok());
  // scipy.stats.pearsonr([1,2,3,4,5],[2,4,5,4,5]).statistic
  EXPECT_NEAR(r, 0.7745966692414834, 1e-15);
  ASSERT_TRUE(Pearson({1, 2, 3}, {3, 2, 1}, &r).ok());
  EXPECT_DOUBLE_EQ(r, -1.0);
}

TEST(StsMetricsTest, SpearmanUsesAverageRanks) {
  double rho;
  ASSERT_TRUE(Spearman({1, 2, 2, 3}, {10, 30, 20, 40}, &rho).ok());
  // scipy.stats.spearmanr([1,2,2,3],[10,30,20,40]).statistic
  EXPECT_NEAR(rho, 0.9486832980505138, 1e-15);
}

TEST(StsMetricsTest, ConstantInputIsNanAndBadInputsAreErrors) {
  double r;
  ASSERT_TRUE(Pearson({1, 1, 1}, {1, 2, 3}, &r).ok());
  EXPECT_TRUE(std::isnan(r));
  EXPECT_EQ(Pearson({1, 2}, {1}, &r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Pearson({1}, {1}, &r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Spearman({1, NAN}, {1, 2}, &r).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gmatrix
