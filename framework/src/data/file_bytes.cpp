// Whole-file reads and gzip decompression for the data readers. Mapping a
// file and inflating it into one buffer with libdeflate (about
// twice zlib's speed: 0.11 s against 0.22 s for Fashion-MNIST's 47 MB of
// training images here) keeps loading well under a second. A stream
// libdeflate rejects is decoded again by zlib, whose streaming inflate says
// precisely what is wrong (truncated, corrupt, trailing bytes).
#include "file_bytes.hpp"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>

#include "descent/errors.hpp"
#include "descent/file_hash.hpp"

#include <tbb/parallel_invoke.h>

namespace descent::data_detail {
namespace fs = std::filesystem;

std::string describe(const fs::path& file, const std::string& what) {
  return file.string() + ": " + what;
}

namespace {

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw InputError(describe(file, what));
}

void require_regular_file(const fs::path& file) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (!fs::exists(status)) fail(file, "file not found");
  if (fs::is_directory(status)) fail(file, "is a directory, expected a file");
}

}  // namespace

MappedFile::MappedFile(const fs::path& file) {
  require_regular_file(file);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(file, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    fail(file, std::string("cannot read its size: ") + std::strerror(error));
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ > 0) {  // mmap refuses an empty length
    void* p =
        ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int error = errno;
    ::close(fd);
    if (p == MAP_FAILED)
      fail(file, std::string("cannot read: ") + std::strerror(error));
    data_ = static_cast<const unsigned char*>(p);
  } else {
    ::close(fd);
  }
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
}

bool is_gzip(std::span<const unsigned char> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace {

// zlib's stream state, released on every path out.
class Inflater {
 public:
  explicit Inflater(const fs::path& file) {
    // 16 + MAX_WBITS: expect a gzip wrapper, not raw zlib.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      fail(file, "cannot start gzip decompression");
    }
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
};

// zlib counts in uInt; feed at most this much per call so inputs or
// outputs beyond 4 GiB still work.
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

uInt chunk(std::size_t remaining) {
  return static_cast<uInt>(std::min(remaining, kMaxChunk));
}

// The gzip trailer's ISIZE (uncompressed size mod 2^32) is a good first
// guess at the output size; cap it by deflate's best ratio (about 1032:1)
// so a corrupt trailer cannot ask for a huge buffer.
std::size_t initial_output_size(std::span<const unsigned char> gz) {
  if (gz.size() < 4) return 4096;
  const unsigned char* t = gz.data() + gz.size() - 4;
  const std::size_t isize = std::size_t{t[0]} | std::size_t{t[1]} << 8 |
                            std::size_t{t[2]} << 16 | std::size_t{t[3]} << 24;
  return std::clamp<std::size_t>(isize, 4096, gz.size() * 1032);
}

}  // namespace

namespace {

using Decompressor = std::unique_ptr<libdeflate_decompressor,
                                     void (*)(libdeflate_decompressor*)>;

// Every gzip member of `gz` inflated back to back, or nullopt when
// libdeflate rejects the data (zlib then explains why).
std::optional<Bytes> fast_gunzip(std::span<const unsigned char> gz) {
  Decompressor d(libdeflate_alloc_decompressor(),
                 &libdeflate_free_decompressor);
  if (!d) throw std::bad_alloc();
  Bytes out(initial_output_size(gz));
  std::size_t in_pos = 0, out_pos = 0;
  while (in_pos < gz.size()) {
    if (!is_gzip(gz.subspan(in_pos))) return std::nullopt;
    std::size_t used_in = 0, produced = 0;
    const libdeflate_result rc = libdeflate_gzip_decompress_ex(
        d.get(), gz.data() + in_pos, gz.size() - in_pos, out.data() + out_pos,
        out.size() - out_pos, &used_in, &produced);
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {  // several members: grow, retry
      out.resize(out.size() * 2);
      continue;
    }
    if (rc != LIBDEFLATE_SUCCESS) return std::nullopt;
    in_pos += used_in;
    out_pos += produced;
  }
  out.resize(out_pos);
  return out;
}

// zlib's streaming inflate: slower, but it tells a truncated stream from a
// corrupt one and finds bytes after the last member.
Bytes explained_gunzip(std::span<const unsigned char> gz,
                       const fs::path& file) {
  Inflater inflater(file);
  z_stream& zs = inflater.stream();
  Bytes out(initial_output_size(gz));
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) out.resize(out.size() * 2);
    zs.next_in = const_cast<Bytef*>(gz.data() + in_pos);  // zlib never writes
    zs.avail_in = chunk(gz.size() - in_pos);
    zs.next_out = out.data() + out_pos;
    zs.avail_out = chunk(out.size() - out_pos);
    const uInt avail_in_before = zs.avail_in;
    const uInt avail_out_before = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += avail_in_before - zs.avail_in;
    out_pos += avail_out_before - zs.avail_out;

    if (rc == Z_STREAM_END) {
      if (in_pos == gz.size()) break;
      // RFC 1952 allows several members back to back (`cat a.gz b.gz`).
      if (!is_gzip(gz.subspan(in_pos))) {
        fail(file, "trailing bytes after the gzip stream: " +
                       std::to_string(gz.size() - in_pos) +
                       " bytes that are not another gzip member");
      }
      inflateReset(&zs);
    } else if (rc == Z_DATA_ERROR) {
      fail(file, std::string("corrupt gzip stream: ") +
                     (zs.msg ? zs.msg : "invalid data"));
    } else if (rc == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (rc == Z_BUF_ERROR && in_pos == gz.size()) {
      fail(file, "truncated gzip stream: it ends after " +
                     std::to_string(gz.size()) +
                     " bytes, before its end-of-stream marker");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(file,
           "gzip decompression failed (zlib code " + std::to_string(rc) + ")");
    }
    // Z_OK, or Z_BUF_ERROR with input left: the output buffer is full.
  }
  out.resize(out_pos);
  return out;
}

}  // namespace

Bytes gunzip(std::span<const unsigned char> gz, const fs::path& file) {
  if (std::optional<Bytes> out = fast_gunzip(gz)) return std::move(*out);
  return explained_gunzip(gz, file);
}

namespace {

// A large gzip file without the cache: its hash (for the manifest) is
// computed on a core that would otherwise wait for the inflate.
Bytes hash_while_inflating(const fs::path& file,
                           std::span<const unsigned char> gz) {
  Bytes out;
  tbb::parallel_invoke([&] { note_sha256(file, gz); },
                       [&] { out = gunzip(gz, file); });
  return out;
}

}  // namespace

SharedBytes read_data_file(const fs::path& file) {
  const MappedFile mapped(file);
  const auto bytes = mapped.bytes();
  // A plain file is copied, not kept mapped: a user's file may change
  // under a long run, a cache entry never does.
  if (!is_gzip(bytes)) return SharedBytes(Bytes(bytes.begin(), bytes.end()));
  if (bytes.size() < kLargeGzip) return SharedBytes(gunzip(bytes, file));
  const auto cache = inflated_cache_dir();
  if (!cache) return SharedBytes(hash_while_inflating(file, bytes));
  const std::string sha256 = note_sha256(file, bytes);
  if (auto cached = find_inflated(*cache, sha256, bytes)) return *cached;
  Bytes inflated = gunzip(bytes, file);
  store_inflated(*cache, sha256, bytes, inflated);
  return SharedBytes(std::move(inflated));
}

}  // namespace descent::data_detail
