#include "embedding/similarity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace gmatrix {
namespace {

// 7 dims: exercises both the 4-wide body and the scalar tail.
const float kA[] = {1, 2, 3, 4, 5, 6, 7};
const float kB[] = {7, -6, 5, -4, 3, -2, 1};

TEST(SimilarityTest, PairMetricsMatchHandComputedValues) {
  EXPECT_DOUBLE_EQ(Dot(kA, kB, 7), 7 - 12 + 15 - 16 + 15 - 12 + 7);
  EXPECT_DOUBLE_EQ(ManhattanDistance(kA, kB, 7), 6 + 8 + 2 + 8 + 2 + 8 + 6);
  EXPECT_DOUBLE_EQ(EuclideanDistance(kA, kB, 7), std::sqrt(36.0 + 64 + 4 + 64 + 4 + 64 + 36));
  EXPECT_NEAR(Cosine(kA, kB, 7), 4.0 / 140.0, 1e-15);  // |a|^2 = |b|^2 = 140
  EXPECT_NEAR(Cosine(kA, kA, 7), 1.0, 1e-15);
}

TEST(SimilarityTest, ZeroVectorHasCosineZero) {
  const float zero[7] = {};
  EXPECT_EQ(Cosine(kA, zero, 7), 0.0);
}

TEST(SimilarityTest, MatrixAgreesWithPairs) {
  std::vector<float> a(kA, kA + 7), b;
  b.insert(b.end(), kA, kA + 7);
  b.insert(b.end(), kB, kB + 7);
  for (Metric metric : {Metric::kCosine, Metric::kDot, Metric::kEuclidean, Metric::kManhattan}) {
    float out[2];
    SimilarityMatrix(metric, a.data(), 1, b.data(), 2, 7, out);
    EXPECT_FLOAT_EQ(out[0], static_cast<float>(Similarity(metric, kA, kA, 7)));
    EXPECT_FLOAT_EQ(out[1], static_cast<float>(Similarity(metric, kA, kB, 7)));
  }
}

TEST(SimilarityTest, ParsesMetricNames) {
  Metric metric;
  EXPECT_TRUE(ParseMetric("manhattan", &metric).ok());
  EXPECT_EQ(metric, Metric::kManhattan);
  Status status = ParseMetric("cosin", &metric);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("cosine"), std::string::npos);
}

}  // namespace
}  // namespace gmatrix
