// RandomStream: keyed, counter-based, reproducible draws.
#include <descent/sdk/random.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

using descent::sdk::RandomStream;

namespace {

// Vigna's splitmix64.c, written out from the published algorithm, as the
// reference the SDK's mix must reproduce.
struct ReferenceSplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

std::vector<std::uint64_t> draws(RandomStream stream, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  for (auto& x : out) x = stream.next_u64();
  return out;
}

// Number of positions where two sequences agree.
std::size_t agreements(const std::vector<std::uint64_t>& a,
                       const std::vector<std::uint64_t>& b) {
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  return same;
}

}  // namespace

TEST_CASE("SplitMix64 matches the published reference", "[sdk][random]") {
  ReferenceSplitMix64 reference{0};
  // First output of splitmix64.c seeded with 0 (published value).
  const std::uint64_t first = reference.next();
  REQUIRE(first == 0xe220a8397b1dcdafULL);
  CHECK(descent::sdk::splitmix64_mix(0x9e3779b97f4a7c15ULL) == first);

  // With an empty key the stream's k-th draw is mix(start + k * gamma):
  // exactly the reference generator seeded with the stream's documented
  // non-zero start (the first 64 bits of the SHA-512 IV, 0x6a09e667f3bcc909).
  RandomStream stream({});
  ReferenceSplitMix64 again{0x6a09e667f3bcc909ULL};
  for (int i = 0; i < 8; ++i) {
    INFO("draw " << i);
    CHECK(stream.next_u64() == again.next());
  }
}

TEST_CASE("the same key gives the same sequence", "[sdk][random]") {
  CHECK(draws(RandomStream({42, 7, 3}), 1000) ==
        draws(RandomStream({42, 7, 3}), 1000));
}

TEST_CASE("different keys give unrelated sequences", "[sdk][random]") {
  const auto base = draws(RandomStream({42, 7, 3}), 256);
  CHECK(agreements(base, draws(RandomStream({42, 7, 4}), 256)) == 0);
  CHECK(agreements(base, draws(RandomStream({43, 7, 3}), 256)) == 0);
  CHECK(agreements(base, draws(RandomStream({42, 7}), 256)) == 0);
  CHECK(agreements(base, draws(RandomStream({42, 7, 3, 0}), 256)) == 0);
  // An empty key and the key {0} share no draw, not even shifted.
  {
    const auto empty_key = draws(RandomStream({}), 256);
    const auto zero_key = draws(RandomStream({0}), 256);
    std::size_t shared = 0;
    for (std::uint64_t x : empty_key)
      shared += std::count(zero_key.begin(), zero_key.end(), x);
    CHECK(shared == 0);
  }
  // Key order matters.
  CHECK(agreements(draws(RandomStream({1, 2}), 256),
                   draws(RandomStream({2, 1}), 256)) == 0);
}

TEST_CASE("uniform() lies in the half-open unit interval, mean 1/2",
          "[sdk][random]") {
  RandomStream stream({2024, 1, 17});
  const int n = 100000;
  double sum = 0.0;
  double sum_sq = 0.0;
  int outside = 0;
  for (int i = 0; i < n; ++i) {
    const double u = stream.uniform();
    if (!(u >= 0.0 && u < 1.0)) ++outside;
    sum += u;
    sum_sq += u * u;
  }
  CHECK(outside == 0);
  const double mean = sum / n;
  const double variance = sum_sq / n - mean * mean;
  // Standard error of the mean: sqrt(1/12 / 1e5) ~ 0.0009; allow ~5 sigma.
  CHECK(mean == Approx(0.5).margin(0.005));
  CHECK(variance == Approx(1.0 / 12.0).margin(0.003));
}

TEST_CASE("below(n) stays in range and is close to uniform", "[sdk][random]") {
  RandomStream stream({5, 5, 5});
  constexpr std::uint64_t bins = 10;
  const int n = 100000;
  std::array<int, bins> counts{};
  bool in_range = true;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t k = stream.below(bins);
    if (k >= bins) {
      in_range = false;
      break;
    }
    ++counts[k];
  }
  REQUIRE(in_range);
  const double expected = static_cast<double>(n) / bins;
  double chi2 = 0.0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // Chi-square with 9 degrees of freedom: P(chi2 > 27.9) = 0.001.
  CHECK(chi2 < 27.9);

  for (int i = 0; i < 100; ++i) CHECK(stream.below(1) == 0);
  // Near 2^64 most raw draws need the rejection path.
  const std::uint64_t huge = (std::uint64_t{1} << 63) + 1;
  for (int i = 0; i < 100; ++i) CHECK(stream.below(huge) < huge);
}

TEST_CASE("normal() has mean 0 and variance 1", "[sdk][random]") {
  RandomStream stream({9, 9});
  const int n = 100000;
  double sum = 0.0;
  double sum_sq = 0.0;
  bool finite = true;
  for (int i = 0; i < n; ++i) {
    const double z = stream.normal();
    finite = finite && std::isfinite(z);
    sum += z;
    sum_sq += z * z;
  }
  CHECK(finite);
  const double mean = sum / n;
  const double variance = sum_sq / n - mean * mean;
  // Standard errors: 0.0032 for the mean, 0.0045 for the variance.
  CHECK(mean == Approx(0.0).margin(0.02));
  CHECK(variance == Approx(1.0).margin(0.03));
}

TEST_CASE("shuffle is a deterministic permutation", "[sdk][random]") {
  std::vector<int> identity(100);
  std::iota(identity.begin(), identity.end(), 0);

  auto shuffled = [&](std::initializer_list<std::uint64_t> key) {
    std::vector<int> v = identity;
    RandomStream stream(key);
    stream.shuffle(std::span<int>(v));
    return v;
  };

  const auto a = shuffled({1, 2, 3});
  CHECK(std::is_permutation(a.begin(), a.end(), identity.begin()));
  CHECK(a != identity);
  CHECK(a == shuffled({1, 2, 3}));
  CHECK(a != shuffled({1, 2, 4}));

  std::vector<int> one{7};
  RandomStream stream({0});
  stream.shuffle(std::span<int>(one));
  CHECK(one == std::vector<int>{7});
  std::vector<int> none;
  stream.shuffle(std::span<int>(none));
  CHECK(none.empty());
}
