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
// and keeps the result for sha256_file. The data readers call it while they
// inflate a file, so the manifest's hashing happens on a core that would
// otherwise wait for the inflate.
void note_sha256(const std::filesystem::path& file,
                 std::span<const unsigned char> bytes);

}  // namespace descent
