// descent host, data layer (internal) — a whole file as bytes, gunzipped when
// its content is gzip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/data.hpp"

namespace descent::data_detail {

// Bytes a reader owns: what gunzip makes, handed on as SharedBytes.
using Bytes = std::vector<std::uint8_t>;

// A whole file mapped read-only: inflate reads the compressed bytes where
// the page cache holds them, without copying them first, and a cache entry
// stays mapped as the data set's bytes. Throws InputError when the file is
// missing, is not a regular file, or cannot be read.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& file);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const unsigned char> bytes() const { return {data_, size_}; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

// True when the bytes start with the gzip magic 1f 8b (RFC 1952).
bool is_gzip(std::span<const unsigned char> bytes);

// Decompresses a gzip stream (several concatenated members allowed). Throws
// InputError naming `file` when the stream is corrupt, truncated, or followed
// by bytes that are not another gzip member.
Bytes gunzip(std::span<const unsigned char> compressed,
             const std::filesystem::path& file);

// The file's bytes, through gunzip when the content is gzip. A gzip file of
// kLargeGzip bytes or more is hashed (the manifest needs it) and, when the
// inflated-data cache holds its content, mapped from there instead.
SharedBytes read_data_file(const std::filesystem::path& file);
inline constexpr std::size_t kLargeGzip = std::size_t{1} << 20;

// ---- The inflated-data cache ------------------------------------------------
// A large gzip data file is inflated once and kept, as the plain bytes it
// holds, in <cache>/inflated/<SHA-256 of the gzip file>; later reads map
// that file (Fashion-MNIST's training images: about 6 ms to map and check
// instead of 75 ms to inflate, in pages every process on the machine
// shares). An entry is used only
// when its size and CRC-32 match the gzip trailer's, so a torn or altered
// entry is inflated again and replaced, never read.

// <cache>: $DESCENT_CACHE_DIR, else $XDG_CACHE_HOME/descent, else
// $HOME/.cache/descent; nullopt when DESCENT_CACHE_DIR is "off" or no
// folder is known.
std::optional<std::filesystem::path> inflated_cache_dir();

// The cached inflation of `gz` (whose SHA-256 is `sha256`), or nullopt.
std::optional<SharedBytes> find_inflated(const std::filesystem::path& cache,
                                         const std::string& sha256,
                                         std::span<const unsigned char> gz);

// Keeps `inflated` for later reads when it matches `gz`'s trailer (a
// single gzip member). Best effort: a cache that cannot be written is
// skipped, and a run never fails for it.
void store_inflated(const std::filesystem::path& cache,
                    const std::string& sha256,
                    std::span<const unsigned char> gz,
                    std::span<const std::uint8_t> inflated);

// "<file>: <what>" — the one-line shape of every data error.
std::string describe(const std::filesystem::path& file,
                     const std::string& what);

}  // namespace descent::data_detail
