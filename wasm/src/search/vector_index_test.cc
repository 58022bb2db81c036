#include "search/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace gmatrix {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The rows and ranges of one index as plain data, so a scalar reference can score them.
struct Data {
  Precision precision;
  size_t rows, dims;
  std::vector<float> floats;     // float32 rows
  std::vector<uint8_t> bytes;    // int8/uint8 codes or packed bits
  std::vector<float> min, max;   // int8/uint8 ranges
};

size_t RowBytes(Precision precision, size_t dims) {
  return precision == Precision::kFloat32 ? dims * 4 : IsBinary(precision) ? (dims + 7) / 8 : dims;
}

Data RandomData(Precision precision, size_t rows, size_t dims, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Data data{precision, rows, dims, {}, {}, {}, {}};
  if (precision == Precision::kFloat32) {
    data.floats.resize(rows * dims);
    for (float& x : data.floats) x = normal(rng);
    return data;
  }
  const size_t row_bytes = RowBytes(precision, dims);
  data.bytes.resize(rows * row_bytes);
  for (uint8_t& b : data.bytes) b = static_cast<uint8_t>(rng());
  if (IsBinary(precision) && dims % 8 != 0) {
    // packbits pads the last byte with zero bits (binary: minus 128 flips only the top bit).
    for (size_t r = 0; r < rows; ++r) data.bytes[r * row_bytes + row_bytes - 1] &= static_cast<uint8_t>(0xff00u >> (dims % 8));
  }
  if (!IsBinary(precision)) {
    for (size_t d = 0; d < dims; ++d) {
      data.min.push_back(-1.0f - 0.01f * d);
      data.max.push_back(1.0f + 0.02f * d);
    }
  }
  return data;
}

std::unique_ptr<VectorIndex> Build(const Data& data) {
  std::unique_ptr<VectorIndex> index;
  EXPECT_TRUE(VectorIndex::Create(data.precision, data.rows, data.dims, &index).ok());
  if (data.precision == Precision::kFloat32) {
    std::memcpy(index->mutable_storage(), data.floats.data(), data.floats.size() * 4);
  } else {
    std::memcpy(index->mutable_storage(), data.bytes.data(), data.bytes.size());
  }
  if (!data.min.empty()) EXPECT_TRUE(index->SetRanges(data.min.data(), data.max.data()).ok());
  EXPECT_TRUE(index->Seal().ok());
  return index;
}

// Scalar float64 reference: the score of one row, exactly as the header defines it.
double ReferenceScore(const Data& data, size_t row, const float* query, Metric metric) {
  const size_t dims = data.dims;
  if (IsBinary(data.precision)) {
    int distance = 0;
    for (size_t d = 0; d < dims; ++d) {
      uint8_t byte = data.bytes[row * RowBytes(data.precision, dims) + d / 8];
      if (data.precision == Precision::kBinary) byte ^= 0x80;  // binary = ubinary - 128
      const bool stored = (byte >> (7 - d % 8)) & 1;
      distance += stored != (query[d] > 0);
    }
    return -distance;
  }
  std::vector<double> x(dims);
  for (size_t d = 0; d < dims; ++d) {
    if (data.precision == Precision::kFloat32) {
      x[d] = data.floats[row * dims + d];
    } else {
      const uint8_t code = data.bytes[row * dims + d];
      const double q = data.precision == Precision::kInt8 ? static_cast<int8_t>(code) + 128.0 : code;
      const double step = static_cast<float>((data.max[d] - data.min[d]) / 255.0f);
      x[d] = data.min[d] + step * q;
    }
  }
  double dot = 0, xx = 0, qq = 0;
  for (size_t d = 0; d < dims; ++d) {
    dot += query[d] * x[d];
    xx += x[d] * x[d];
    qq += static_cast<double>(query[d]) * query[d];
  }
  if (metric == Metric::kDot) return dot;
  return dot / (std::max(std::sqrt(qq), 1e-8) * std::max(std::sqrt(xx), 1e-8));
}

struct RefHit {
  double score;
  uint32_t row;
};

// Brute force: every row scored, sorted by score (higher first), ties to the lower row.
std::vector<RefHit> ReferenceTopK(const Data& data, const float* query, Metric metric, size_t k) {
  std::vector<RefHit> all;
  for (size_t r = 0; r < data.rows; ++r) {
    double s = ReferenceScore(data, r, query, metric);
    all.push_back({std::isnan(s) ? -kInf : s, static_cast<uint32_t>(r)});
  }
  std::stable_sort(all.begin(), all.end(), [](const RefHit& a, const RefHit& b) { return a.score > b.score; });
  all.resize(std::min(k, all.size()));
  return all;
}

std::vector<float> RandomQueries(size_t count, size_t dims, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> queries(count * dims);
  for (float& x : queries) x = normal(rng);
  return queries;
}

void ExpectMatchesReference(const Data& data, Metric metric, size_t k, size_t queries) {
  std::unique_ptr<VectorIndex> index = Build(data);
  const std::vector<float> q = RandomQueries(queries, data.dims, 99);
  SearchOptions options;
  options.top_k = k;
  options.metric = metric;
  SearchHits hits;
  ASSERT_TRUE(index->Search(q.data(), queries, options, &hits).ok());
  ASSERT_EQ(hits.per_query, std::min(k, data.rows));
  for (size_t i = 0; i < queries; ++i) {
    const std::vector<RefHit> expected = ReferenceTopK(data, &q[i * data.dims], metric, k);
    for (size_t j = 0; j < expected.size(); ++j) {
      SCOPED_TRACE(testing::Message() << PrecisionName(data.precision) << " dims " << data.dims
                                      << " query " << i << " rank " << j);
      EXPECT_EQ(hits.rows[i * hits.per_query + j], expected[j].row);
      EXPECT_NEAR(hits.scores[i * hits.per_query + j], expected[j].score,
                  1e-12 * std::max(1.0, std::fabs(expected[j].score)));
    }
  }
}

// Every kernel against the scalar reference, with all rows ranked (k = rows) and a top 10 over
// enough rows that the scan prunes its candidates; dimension counts that leave SIMD tails.
TEST(VectorIndexTest, EveryPrecisionMatchesScalarReference) {
  for (Precision precision : {Precision::kFloat32, Precision::kInt8, Precision::kUint8,
                              Precision::kBinary, Precision::kUbinary}) {
    for (size_t dims : {1, 7, 16, 37, 100, 768}) {
      const Data data = RandomData(precision, 60, dims, static_cast<uint32_t>(dims));
      ExpectMatchesReference(data, Metric::kCosine, 60, 3);
      if (!IsBinary(precision)) ExpectMatchesReference(data, Metric::kDot, 60, 3);
    }
    const Data many = RandomData(precision, 5000, 64, 7);
    ExpectMatchesReference(many, Metric::kCosine, 10, 4);
    ExpectMatchesReference(many, Metric::kDot, 1, 2);
  }
}

// Two large components that cancel (+-30000) hide the rows' differences from float32 sums
// (whose rounding is ~0.002 there, near the gaps between scores): the candidates must be kept
// by the rounding bound and ranked in float64 to come out in the reference order.
TEST(VectorIndexTest, CancellationIsRankedInFloat64) {
  const size_t dims = 64, rows = 2000;
  Data data{Precision::kFloat32, rows, dims, {}, {}, {}, {}};
  std::mt19937 rng(17);
  std::normal_distribution<float> small(0, 0.003f);
  for (size_t r = 0; r < rows; ++r) {
    data.floats.push_back(30000);
    data.floats.push_back(-30000);
    for (size_t d = 2; d < dims; ++d) data.floats.push_back(small(rng));
  }
  // The same for int8 codes: ranges +-30000 in the first two dimensions, +-0.01 elsewhere.
  Data int8{Precision::kInt8, rows, dims, {}, {}, std::vector<float>(dims, -0.01f), std::vector<float>(dims, 0.01f)};
  int8.min[0] = int8.min[1] = -30000;
  int8.max[0] = int8.max[1] = 30000;
  for (size_t r = 0; r < rows; ++r) {
    int8.bytes.push_back(127);
    int8.bytes.push_back(static_cast<uint8_t>(-128));
    for (size_t d = 2; d < dims; ++d) int8.bytes.push_back(static_cast<uint8_t>(rng()));
  }
  std::vector<float> query = RandomQueries(1, dims, 4);
  query[0] = query[1] = 1;
  for (const Data* d : {&data, &int8}) {
    std::unique_ptr<VectorIndex> index = Build(*d);
    for (Metric metric : {Metric::kDot, Metric::kCosine}) {
      SearchOptions options;
      options.top_k = 20;
      options.metric = metric;
      SearchHits hits;
      ASSERT_TRUE(index->Search(query.data(), 1, options, &hits).ok());
      const std::vector<RefHit> expected = ReferenceTopK(*d, query.data(), metric, 20);
      for (size_t j = 0; j < expected.size(); ++j) {
        EXPECT_EQ(hits.rows[j], expected[j].row) << PrecisionName(d->precision) << " rank " << j;
      }
    }
  }
}

// uint8 cosine where every row has the same dot product with the query (it reads only
// dimension 0, whose code is the same everywhere), so only the norms rank the rows: ~40 from 24
// fixed dimensions plus up to 2e-5 from 23 small ones. float32 sums of squares (rounding ~2e-7 per addition)
// cannot order them; the norms' error bound must keep the candidates for float64.
TEST(VectorIndexTest, QuantizedCosineNormsAreRankedInFloat64) {
  const size_t dims = 48, rows = 2000;
  Data data{Precision::kUint8, rows, dims, {}, {}, std::vector<float>(dims, 0), std::vector<float>(dims, 1e-3f)};
  data.min[0] = 2.54f;
  data.max[0] = 2.54f + 1e-6f;
  for (size_t d = 1; d <= 24; ++d) {
    data.min[d] = -1.18f;
    data.max[d] = 600;
  }
  std::mt19937 rng(23);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d <= 24; ++d) data.bytes.push_back(0);
    for (size_t d = 25; d < dims; ++d) data.bytes.push_back(static_cast<uint8_t>(rng()));
  }
  std::vector<float> query(dims, 0);
  query[0] = 1;
  SearchOptions options;
  options.top_k = 20;
  SearchHits hits;
  ASSERT_TRUE(Build(data)->Search(query.data(), 1, options, &hits).ok());
  const std::vector<RefHit> expected = ReferenceTopK(data, query.data(), Metric::kCosine, 20);
  for (size_t j = 0; j < expected.size(); ++j) EXPECT_EQ(hits.rows[j], expected[j].row) << "rank " << j;
}

TEST(VectorIndexTest, TiesGoToTheLowerRow) {
  // Rows 0..9 repeat one vector, rows 10..19 another: equal scores in each group.
  Data data = RandomData(Precision::kFloat32, 2, 8, 11);
  std::vector<float> floats;
  for (int r = 0; r < 20; ++r) {
    floats.insert(floats.end(), data.floats.begin() + (r / 10) * 8, data.floats.begin() + (r / 10 + 1) * 8);
  }
  data.floats = floats;
  data.rows = 20;
  std::unique_ptr<VectorIndex> index = Build(data);
  SearchOptions options;
  options.top_k = 12;
  SearchHits hits;
  ASSERT_TRUE(index->Search(&data.floats[0], 1, options, &hits).ok());
  for (uint32_t j = 0; j < 10; ++j) EXPECT_EQ(hits.rows[j], j);
  EXPECT_EQ(hits.rows[10], 10u);
  EXPECT_EQ(hits.rows[11], 11u);
  EXPECT_EQ(hits.scores[0], hits.scores[9]);

  // Binary: 3000 identical rows all tie; the first ones win.
  Data bits{Precision::kUbinary, 3000, 16, {}, std::vector<uint8_t>(6000, 0x5a), {}, {}};
  std::unique_ptr<VectorIndex> binary = Build(bits);
  const std::vector<float> query = RandomQueries(1, 16, 1);
  options.top_k = 5;
  ASSERT_TRUE(binary->Search(query.data(), 1, options, &hits).ok());
  EXPECT_EQ(hits.rows, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(VectorIndexTest, BinaryPacksLikeNumpyPackbits) {
  // 10 dimensions: two bytes, dimension 0 in the top bit of byte 0, dimension 8 in the top bit
  // of byte 1; the unused low bits of byte 1 are zero in both.
  std::vector<float> query = {1, -1, -1, -1, -1, -1, -1, 2, 3, -1};
  // Row 0: exactly the query's bits; row 1: all bits set; row 2: none.
  Data ubinary{Precision::kUbinary, 3, 10, {}, {0x81, 0x80, 0xff, 0xc0, 0x00, 0x00}, {}, {}};
  SearchOptions options;
  options.top_k = 3;
  SearchHits hits;
  ASSERT_TRUE(Build(ubinary)->Search(query.data(), 1, options, &hits).ok());
  EXPECT_EQ(hits.rows, (std::vector<uint32_t>{0, 2, 1}));
  EXPECT_EQ(hits.scores, (std::vector<double>{0, -3, -7}));
  EXPECT_FALSE(std::signbit(hits.scores[0]));  // 0, not -0
  // The same rows as binary (ubinary - 128) give the same distances.
  Data binary = ubinary;
  binary.precision = Precision::kBinary;
  for (uint8_t& b : binary.bytes) b ^= 0x80;
  ASSERT_TRUE(Build(binary)->Search(query.data(), 1, options, &hits).ok());
  EXPECT_EQ(hits.scores, (std::vector<double>{0, -3, -7}));
}

TEST(VectorIndexTest, DequantizesInt8AndUint8LikeQuantizeEmbeddings) {
  // One dimension, range [-1, 1.55]: step 0.01 (in float32). int8 code q is -1 + 0.01 (q + 128).
  const float min = -1.0f, max = 1.55f;
  const double step = static_cast<float>((max - min) / 255.0f);
  const float query[] = {2};
  Data int8{Precision::kInt8, 2, 1, {}, {static_cast<uint8_t>(-128), 127}, {min}, {max}};
  SearchOptions options;
  options.top_k = 2;
  options.metric = Metric::kDot;
  SearchHits hits;
  ASSERT_TRUE(Build(int8)->Search(query, 1, options, &hits).ok());
  EXPECT_EQ(hits.rows, (std::vector<uint32_t>{1, 0}));
  EXPECT_NEAR(hits.scores[0], 2 * (min + 255 * step), 1e-12);
  EXPECT_NEAR(hits.scores[1], 2 * min, 1e-12);
  Data uint8{Precision::kUint8, 2, 1, {}, {0, 255}, {min}, {max}};
  ASSERT_TRUE(Build(uint8)->Search(query, 1, options, &hits).ok());
  EXPECT_NEAR(hits.scores[0], 2 * (min + 255 * step), 1e-12);
  EXPECT_NEAR(hits.scores[1], 2 * min, 1e-12);
}

// Reference for rescoring: the k * multiplier best by the coarse index, re-ranked by the fine
// index's float64 score.
std::vector<RefHit> ReferenceRescored(const Data& coarse, const Data& fine, const float* query,
                                      Metric metric, size_t k, size_t multiplier) {
  std::vector<RefHit> candidates = ReferenceTopK(coarse, query, metric, k * multiplier);
  for (RefHit& hit : candidates) hit.score = ReferenceScore(fine, hit.row, query, metric);
  std::sort(candidates.begin(), candidates.end(), [](const RefHit& a, const RefHit& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  });
  candidates.resize(std::min(k, candidates.size()));
  return candidates;
}

TEST(VectorIndexTest, RescoresBinaryAndInt8Candidates) {
  const size_t rows = 3000, dims = 96;
  const Data floats = RandomData(Precision::kFloat32, rows, dims, 21);
  // Quantize the same rows: int8 over [-3, 3], binary of x > 0.
  Data int8{Precision::kInt8, rows, dims, {}, {}, std::vector<float>(dims, -3), std::vector<float>(dims, 3)};
  Data binary{Precision::kBinary, rows, dims, {}, std::vector<uint8_t>(rows * dims / 8, 0), {}, {}};
  for (size_t i = 0; i < rows * dims; ++i) {
    const float x = std::min(std::max(floats.floats[i], -3.0f), 3.0f);
    const float step = 6.0f / 255.0f;
    int8.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(std::min(127.0f, std::trunc((x + 3) / step - 128)))));
    if (floats.floats[i] > 0) binary.bytes[i / 8] |= 0x80 >> (i % 8);
  }
  for (uint8_t& b : binary.bytes) b ^= 0x80;
  std::unique_ptr<VectorIndex> float_index = Build(floats), int8_index = Build(int8), binary_index = Build(binary);
  const std::vector<float> queries = RandomQueries(3, dims, 8);
  struct Case {
    const Data* coarse;
    const VectorIndex* coarse_index;
    const Data* fine;
    const VectorIndex* fine_index;
  };
  for (const Case& c : {Case{&binary, binary_index.get(), &floats, float_index.get()},
                        Case{&binary, binary_index.get(), &int8, int8_index.get()},
                        Case{&int8, int8_index.get(), &floats, float_index.get()}}) {
    for (Metric metric : {Metric::kCosine, Metric::kDot}) {
      SearchOptions options;
      options.top_k = 10;
      options.metric = metric;
      options.rescore = c.fine_index;
      options.rescore_multiplier = 3;
      SearchHits hits;
      ASSERT_TRUE(c.coarse_index->Search(queries.data(), 3, options, &hits).ok());
      for (size_t q = 0; q < 3; ++q) {
        const std::vector<RefHit> expected = ReferenceRescored(*c.coarse, *c.fine, &queries[q * dims], metric, 10, 3);
        for (size_t j = 0; j < 10; ++j) {
          EXPECT_EQ(hits.rows[q * 10 + j], expected[j].row);
          EXPECT_NEAR(hits.scores[q * 10 + j], expected[j].score, 1e-12 * std::max(1.0, std::fabs(expected[j].score)));
        }
      }
    }
  }
}

TEST(VectorIndexTest, RowsHoldingNanRankLast) {
  Data data = RandomData(Precision::kFloat32, 4, 5, 2);
  data.floats[0] = std::numeric_limits<float>::quiet_NaN();
  SearchOptions options;
  options.top_k = 4;
  SearchHits hits;
  ASSERT_TRUE(Build(data)->Search(&data.floats[5], 1, options, &hits).ok());
  EXPECT_EQ(hits.rows[0], 1u);
  EXPECT_EQ(hits.rows[3], 0u);
  EXPECT_EQ(hits.scores[3], -kInf);
}

TEST(VectorIndexTest, TopKLargerThanRowsReturnsAllRows) {
  const Data data = RandomData(Precision::kUbinary, 3, 64, 1);
  SearchOptions options;
  options.top_k = 100;
  SearchHits hits;
  const std::vector<float> query = RandomQueries(2, 64, 3);
  ASSERT_TRUE(Build(data)->Search(query.data(), 2, options, &hits).ok());
  EXPECT_EQ(hits.per_query, 3u);
  EXPECT_EQ(hits.rows.size(), 6u);
}

TEST(VectorIndexTest, RefusesBadArguments) {
  Precision precision;
  Status status = ParsePrecision("int4", &precision);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("ubinary"), std::string::npos);

  std::unique_ptr<VectorIndex> index;
  EXPECT_EQ(VectorIndex::Create(Precision::kFloat32, 10, 0, &index).code(), StatusCode::kInvalidArgument);
  // 1M float32 vectors of 768 dimensions: 3 GB, more than WebAssembly memory.
  status = VectorIndex::Create(Precision::kFloat32, 1000000, 768, &index);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("2 GB"), std::string::npos);
  EXPECT_EQ(index, nullptr);

  ASSERT_TRUE(VectorIndex::Create(Precision::kInt8, 2, 4, &index).ok());
  EXPECT_EQ(index->row_bytes(), 4u);
  EXPECT_EQ(index->Seal().code(), StatusCode::kInvalidArgument);  // no ranges
  const float min[] = {0, 0, 0, 0}, bad_max[] = {1, 1, -1, 1};
  EXPECT_EQ(index->SetRanges(min, bad_max).code(), StatusCode::kInvalidArgument);
  const float query[] = {1, 2, 3, 4};
  SearchHits hits;
  EXPECT_EQ(index->Search(query, 1, SearchOptions(), &hits).code(), StatusCode::kInvalidArgument);  // unsealed

  const Data floats = RandomData(Precision::kFloat32, 5, 4, 1);
  const Data bits = RandomData(Precision::kBinary, 5, 4, 1);
  const Data other = RandomData(Precision::kFloat32, 6, 4, 1);
  std::unique_ptr<VectorIndex> f = Build(floats), b = Build(bits), o = Build(other);
  SearchOptions options;
  options.top_k = 0;
  EXPECT_EQ(f->Search(query, 1, options, &hits).code(), StatusCode::kInvalidArgument);
  options = SearchOptions();
  options.metric = Metric::kEuclidean;
  EXPECT_EQ(f->Search(query, 1, options, &hits).code(), StatusCode::kInvalidArgument);
  options = SearchOptions();
  options.rescore = b.get();
  status = f->Search(query, 1, options, &hits);
  EXPECT_NE(status.message().find("not binary"), std::string::npos);
  options.rescore = o.get();
  status = b->Search(query, 1, options, &hits);
  EXPECT_NE(status.message().find("same rows"), std::string::npos);
  options.rescore = f.get();
  options.rescore_multiplier = 0;
  EXPECT_EQ(b->Search(query, 1, options, &hits).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gmatrix
