// Reading a data set's features in the run's precision, whatever format
// they are stored in (Dataset::copy_features).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>

#include "descent/data.hpp"

namespace descent {
namespace {

// pixel / 255, correctly rounded. For float, byte / 255.0f equals the
// double quotient rounded to float for all 256 bytes (test_data checks
// each), so each precision divides in its own type and the loop
// vectorizes; a 256-entry table would be one scalar load per pixel.
template <class T>
inline __attribute__((always_inline)) void widen_loop(const std::uint8_t* in,
                                                      std::size_t n, T* out) {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<T>(in[i]) / static_cast<T>(255);
}

#if defined(__x86_64__)
// The AVX2 build converts and divides 8 floats at a time. Chosen at the
// first call rather than by an ifunc (target_clones): an ifunc resolver in
// the host runs during relocation, before a sanitizer's runtime is up, and
// the TSan build crashed there. Both give the same bits.
template <class T>
__attribute__((target("avx2"))) void widen_avx2(const std::uint8_t* in,
                                                std::size_t n, T* out) {
  widen_loop(in, n, out);
}
#endif

template <class T>
void widen_pixels(const std::uint8_t* in, std::size_t n, T* out) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return widen_avx2(in, n, out);
#endif
  widen_loop(in, n, out);
}

// n values of one row from `data`'s storage, starting at element `at`.
template <class T>
void copy_row(const Dataset& data, std::size_t at, std::size_t n, T* out) {
  switch (data.format()) {
    case FeatureFormat::u8:
      widen_pixels(data.features_u8.data() + at, n, out);
      break;
    case FeatureFormat::f32:
      std::copy_n(data.features_f32.data() + at, n, out);
      break;
    case FeatureFormat::f64:
      std::copy_n(data.features.data() + at, n, out);
      break;
  }
}

}  // namespace

template <class T>
void Dataset::copy_features(std::span<const std::size_t> which, T* out) const {
  for (std::size_t i = 0; i < which.size(); ++i)
    copy_row(*this, which[i] * n_features, n_features, out + i * n_features);
}

template <class T>
void Dataset::copy_features(std::size_t first, std::size_t count,
                            T* out) const {
  copy_row(*this, first * n_features, count * n_features, out);
}

template void Dataset::copy_features(std::span<const std::size_t>,
                                     float*) const;
template void Dataset::copy_features(std::span<const std::size_t>,
                                     double*) const;
template void Dataset::copy_features(std::size_t, std::size_t, float*) const;
template void Dataset::copy_features(std::size_t, std::size_t, double*) const;

const void* Dataset::feature_row(std::size_t r) const {
  const std::size_t at = r * n_features;
  switch (format()) {
    case FeatureFormat::u8:
      return features_u8.data() + at;
    case FeatureFormat::f32:
      return features_f32.data() + at;
    case FeatureFormat::f64:
      break;
  }
  return features.data() + at;
}

std::size_t Dataset::feature_row_bytes() const {
  switch (format()) {
    case FeatureFormat::u8:
      return n_features;
    case FeatureFormat::f32:
      return n_features * sizeof(float);
    case FeatureFormat::f64:
      break;
  }
  return n_features * sizeof(double);
}

SharedBytes::SharedBytes(std::vector<std::uint8_t> bytes) {
  auto owned =
      std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
  bytes_ = {owned->data(), owned->size()};
  owner_ = std::move(owned);
}

bool SharedBytes::operator==(const SharedBytes& other) const {
  return std::ranges::equal(bytes_, other.bytes_);
}

void store_features_as_f32(Dataset& data) {
  if (data.format() != FeatureFormat::f64 || data.features.empty()) return;
  data.features_f32.assign(data.features.begin(), data.features.end());
  std::vector<double>().swap(data.features);
}

}  // namespace descent
