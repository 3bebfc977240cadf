// The inflated-data cache (file_bytes.hpp): a large gzip data file's plain
// bytes, kept under the SHA-256 of the gzip file and mapped by later reads.
//
// An entry is trusted only as far as the gzip file vouches for it: its
// length and CRC-32 must equal the trailer's ISIZE and CRC32 (RFC 1952,
// section 2.3.1), so the bytes a run trains on are the bytes inflating
// would give. Entries are written to a temporary name and renamed into
// place, so a reader sees a whole entry or none, and a mapped entry is
// never rewritten (a replacement is a new file).
#include <libdeflate.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>

#include "file_bytes.hpp"

namespace descent::data_detail {
namespace fs = std::filesystem;

namespace {

std::optional<fs::path> environment_path(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return fs::path(value);
}

// The trailer's CRC32 and ISIZE, little-endian (RFC 1952).
struct GzipTrailer {
  std::uint32_t crc32 = 0;
  std::uint32_t isize = 0;  // the inflated length mod 2^32
};

std::uint32_t little_endian_u32(const unsigned char* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 |
         std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

std::optional<GzipTrailer> trailer_of(std::span<const unsigned char> gz) {
  if (gz.size() < 18) return std::nullopt;  // a header and a trailer at least
  const unsigned char* t = gz.data() + gz.size() - 8;
  return GzipTrailer{little_endian_u32(t), little_endian_u32(t + 4)};
}

// True when `bytes` are what the (single-member) gzip `gz` inflates to.
bool matches_trailer(std::span<const unsigned char> gz,
                     std::span<const std::uint8_t> bytes) {
  const auto trailer = trailer_of(gz);
  return trailer &&
         static_cast<std::uint32_t>(bytes.size()) == trailer->isize &&
         libdeflate_crc32(0, bytes.data(), bytes.size()) == trailer->crc32;
}

fs::path entry_path(const fs::path& cache, const std::string& sha256) {
  return cache / "inflated" / sha256;
}

// Writes all of `bytes` to `fd`; false on any error.
bool write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<fs::path> inflated_cache_dir() {
  if (auto chosen = environment_path("DESCENT_CACHE_DIR"))
    return *chosen == "off" ? std::nullopt : chosen;
  if (auto xdg = environment_path("XDG_CACHE_HOME")) return *xdg / "descent";
  if (auto home = environment_path("HOME")) return *home / ".cache" / "descent";
  return std::nullopt;
}

std::optional<SharedBytes> find_inflated(const fs::path& cache,
                                         const std::string& sha256,
                                         std::span<const unsigned char> gz) {
  const fs::path entry = entry_path(cache, sha256);
  std::error_code ec;
  if (!fs::is_regular_file(entry, ec)) return std::nullopt;
  try {
    auto mapped = std::make_shared<const MappedFile>(entry);
    const auto bytes = mapped->bytes();
    if (!matches_trailer(gz, bytes)) return std::nullopt;
    return SharedBytes(std::move(mapped), bytes);
  } catch (const std::exception&) {  // unreadable: inflate instead
    return std::nullopt;
  }
}

void store_inflated(const fs::path& cache, const std::string& sha256,
                    std::span<const unsigned char> gz,
                    std::span<const std::uint8_t> inflated) {
  if (!matches_trailer(gz, inflated)) return;  // several members
  const fs::path entry = entry_path(cache, sha256);
  std::error_code ec;
  fs::create_directories(entry.parent_path(), ec);
  if (ec) return;
  std::string temporary = (entry.parent_path() / ("." + sha256 + ".XXXXXX"));
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) return;
  const bool written = write_all(fd, inflated);
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temporary.c_str(), entry.c_str()) != 0)
    ::unlink(temporary.c_str());
}

}  // namespace descent::data_detail
