// descent host, data layer (internal) — a whole file as bytes, gunzipped when
// its content is gzip.
#pragma once

#include <filesystem>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace descent::data_detail {

// Leaves new elements uninitialised: every byte of a file buffer is
// written by read or inflate, so zero-filling 47 MB first is wasted work.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using Bytes = std::vector<unsigned char, DefaultInitAllocator<unsigned char>>;

// The file's bytes, read in one call. Throws InputError when the file is
// missing, is not a regular file, or cannot be read.
Bytes read_file_bytes(const std::filesystem::path& file);

// True when the bytes start with the gzip magic 1f 8b (RFC 1952).
bool is_gzip(std::span<const unsigned char> bytes);

// Decompresses a gzip stream (several concatenated members allowed). Throws
// InputError naming `file` when the stream is corrupt, truncated, or followed
// by bytes that are not another gzip member.
Bytes gunzip(std::span<const unsigned char> compressed,
             const std::filesystem::path& file);

// read_file_bytes, then gunzip when the content is gzip.
Bytes read_data_file(const std::filesystem::path& file);

// "<file>: <what>" — the one-line shape of every data error.
std::string describe(const std::filesystem::path& file,
                     const std::string& what);

}  // namespace descent::data_detail
