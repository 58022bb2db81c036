#include "tokenizer/post_processor.h"

#include <gtest/gtest.h>

namespace gmatrix {
namespace {

TEST(PostProcessorTest, WrapsAndTruncatesKeepingTheFirstPieces) {
  BertPostProcessor post_processor(2, 3, 5);
  Encoding short_one = post_processor.Apply({10, 11});
  EXPECT_EQ(short_one.ids, (std::vector<int32_t>{2, 10, 11, 3}));
  EXPECT_FALSE(short_one.truncated());
  Encoding long_one = post_processor.Apply({10, 11, 12, 13});
  EXPECT_EQ(long_one.ids, (std::vector<int32_t>{2, 10, 11, 12, 3}));
  EXPECT_EQ(long_one.untruncated_length, 6u);
  EXPECT_TRUE(long_one.truncated());
  EXPECT_EQ(post_processor.Apply({}).ids, (std::vector<int32_t>{2, 3}));
}

TEST(PostProcessorTest, PadsToTheLongestRowWithMask) {
  Encoding a, b;
  a.ids = {2, 7, 3};
  b.ids = {2, 3};
  BatchEncoding batch = PadBatch({a, b}, 0);
  EXPECT_EQ(batch.rows, 2u);
  EXPECT_EQ(batch.sequence_length, 3u);
  EXPECT_EQ(batch.ids, (std::vector<int32_t>{2, 7, 3, 2, 3, 0}));
  EXPECT_EQ(batch.attention_mask, (std::vector<int32_t>{1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(batch.lengths, (std::vector<int32_t>{3, 2}));
}

}  // namespace
}  // namespace gmatrix
