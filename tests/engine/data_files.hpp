// Test helpers for the data layer's tests: temp folders, files written
// from bytes, gzip members and IDX files made in memory.
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>
#include "temp_dir.hpp"

namespace data_files {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

using descent::test::TempDir;

inline fs::path write_file(const fs::path& file, const Bytes& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
  return file;
}

inline fs::path write_text(const fs::path& file, const std::string& text) {
  return write_file(file, Bytes(text.begin(), text.end()));
}

// A gzip member (RFC 1952) made by zlib, in memory so tests can damage it.
inline Bytes gzip(const Bytes& raw) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(raw.size())));
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

inline Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// An IDX file: magic 00 00 type rank, big-endian dims, then the data.
inline Bytes idx_file(const std::vector<std::uint32_t>& dims, const Bytes& data,
                      unsigned char type = 0x08) {
  Bytes bytes{0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t dim : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<unsigned char>(dim >> shift));
    }
  }
  return concat(bytes, data);
}

// `count` images of 32 x 32 noise pixels from a seeded LCG: noise does not
// compress, so 1100 of them make a gzip file over 1 MiB.
inline Bytes noise_images(std::uint32_t count, std::uint32_t seed = 12345) {
  Bytes pixels(std::size_t{count} * 32 * 32);
  std::uint32_t state = seed;
  for (auto& p : pixels) {
    state = state * 1664525u + 1013904223u;  // Numerical Recipes' LCG
    p = static_cast<unsigned char>(state >> 24);
  }
  return idx_file({count, 32, 32}, pixels);
}

// Sets (or, given nullopt, unsets) an environment variable for one scope
// and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value)
      : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_)
      ::setenv(name_, saved_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

}  // namespace data_files
