// descent host — SHA-256 of files (OpenSSL), so a manifest can say exactly
// which plugin and data files a run used.
#pragma once

#include <filesystem>
#include <span>
#include <string>

namespace descent {

// Lower-case hex SHA-256 of the file's bytes; throws RunError if unreadable.
// A file is hashed once per process: the result is kept under its path,
// size and modification time, so a changed file is hashed again.
std::string sha256_file(const std::filesystem::path& file);

// Hashes `bytes`, which a reader holds as the current content of `file`,
// keeps the result for sha256_file and returns it. The data readers call it
// as they read a large file: the hash names the file's entry in the
// inflated-data cache, and the manifest needs it anyway.
std::string note_sha256(const std::filesystem::path& file,
                        std::span<const unsigned char> bytes);

}  // namespace descent
