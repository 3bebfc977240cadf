// descent host, data layer (internal) — a whole file as bytes, gunzipped when
// its content is gzip.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace descent::data_detail {

using Bytes = std::vector<unsigned char>;

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
