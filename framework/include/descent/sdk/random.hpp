// descent SDK — counter-based random streams.
//
// There is no global generator. A stream is keyed by what it is for, e.g.
// (experiment seed, trial id, purpose), and its k-th draw is a pure function
// of (key, k): SplitMix64's output mix applied to key + k * golden gamma
// (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014). So draws never depend on thread count or scheduling order,
// and the same key gives the same numbers on every platform.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <numbers>
#include <span>
#include <utility>

namespace descent::sdk {

constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class RandomStream {
 public:
  // Each part of the key is mixed in turn, so (1, 2) and (2, 1) differ.
  RandomStream(std::initializer_list<std::uint64_t> key) {
    for (std::uint64_t part : key) key_ = splitmix64_mix(key_ ^ part) + kGamma;
  }

  std::uint64_t next_u64() {
    counter_ += 1;
    return splitmix64_mix(key_ + counter_ * kGamma);
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), unbiased (rejection of the short last range).
  // Precondition: n > 0 (n == 0 returns 0).
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) return 0;
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = next_u64();
    while (x >= limit) x = next_u64();
    return x % n;
  }

  // Standard normal by Box–Muller; uses two draws per value.
  double normal() {
    const double u1 = 1.0 - uniform();  // in (0, 1]: log is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) *
           std::cos(2.0 * std::numbers::pi * u2);
  }

  // Fisher–Yates shuffle.
  template <class T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const std::size_t j = below(i);
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  static constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
  // Non-zero start: mix(0) == 0 would make keys {} and {0} collide.
  std::uint64_t key_ = 0x6a09e667f3bcc909ULL;
  std::uint64_t counter_ = 0;
};

}  // namespace descent::sdk
