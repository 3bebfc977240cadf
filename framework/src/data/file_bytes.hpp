// descent host, data layer (internal) — a whole file as bytes, gunzipped when
// its content is gzip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace descent::data_detail {

// A file's content, inflated when it was gzip. A plain byte vector, so a
// reader can keep it: the IDX reader moves its pixels into the Dataset.
using Bytes = std::vector<std::uint8_t>;

// A whole file mapped read-only: inflate reads the compressed bytes where
// the page cache holds them, without copying them first. Throws InputError
// when the file is missing, is not a regular file, or cannot be read.
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

// The file's bytes, through gunzip when the content is gzip.
Bytes read_data_file(const std::filesystem::path& file);

// "<file>: <what>" — the one-line shape of every data error.
std::string describe(const std::filesystem::path& file,
                     const std::string& what);

}  // namespace descent::data_detail
