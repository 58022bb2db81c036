#include "embedding/pooling.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gmatrix {
namespace {

// One row, 3 positions (the last is padding), 2 dims.
const float kHidden[] = {1, 2, 3, -4, 100, 100};
const int32_t kMask[] = {1, 1, 0};

std::vector<float> PoolWith(PoolingConfig config) {
  std::vector<float> out;
  EXPECT_TRUE(Pool(config, kHidden, kMask, 1, 3, 2, &out).ok());
  return out;
}

TEST(PoolingTest, MeanIgnoresPadding) {
  EXPECT_EQ(PoolWith(PoolingConfig()), (std::vector<float>{2, -1}));
}

TEST(PoolingTest, EachModeAndTheirConcatenationOrder) {
  PoolingConfig config;
  config.mean = false;
  config.cls = true;
  config.max = true;
  config.mean_sqrt_len = true;
  config.weighted_mean = true;
  config.last_token = true;
  const std::vector<float> out = PoolWith(config);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 2), (std::vector<float>{1, 2}));   // cls
  EXPECT_EQ(std::vector<float>(out.begin() + 2, out.begin() + 4), (std::vector<float>{3, 2}));  // max
  EXPECT_FLOAT_EQ(out[4], 4 / std::sqrt(2.0f));  // mean_sqrt_len
  EXPECT_FLOAT_EQ(out[6], (1 * 1 + 2 * 3) / 3.0f);  // weighted mean: weights 1, 2
  EXPECT_EQ(std::vector<float>(out.begin() + 8, out.end()), (std::vector<float>{3, -4}));  // last token
}

TEST(PoolingTest, AllPaddingRowGivesZerosNotNan) {
  const int32_t mask[] = {0, 0, 0};
  std::vector<float> out;
  ASSERT_TRUE(Pool(PoolingConfig(), kHidden, mask, 1, 3, 2, &out).ok());
  EXPECT_EQ(out, (std::vector<float>{0, 0}));
}

TEST(PoolingTest, NoModeIsAnError) {
  PoolingConfig config;
  config.mean = false;
  std::vector<float> out;
  EXPECT_FALSE(Pool(config, kHidden, kMask, 1, 3, 2, &out).ok());
}

TEST(PoolingTest, NormalizeRowsGivesUnitLengthAndLeavesZerosAlone) {
  float data[] = {3, 4, 0, 0};
  NormalizeRows(data, 2, 2);
  EXPECT_FLOAT_EQ(data[0], 0.6f);
  EXPECT_FLOAT_EQ(data[1], 0.8f);
  EXPECT_EQ(data[2], 0.0f);
}

}  // namespace
}  // namespace gmatrix
