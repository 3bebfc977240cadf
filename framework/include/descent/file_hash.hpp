// descent host — SHA-256 of files (OpenSSL), so a manifest can say exactly
// which plugin and data files a run used.
#pragma once

#include <filesystem>
#include <string>

namespace descent {

// Lower-case hex SHA-256 of the file's bytes; throws RunError if unreadable.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace descent
