// descent host — reading a whole file as text, the one way every reader of
// run folders and experiment files does it.
#pragma once

#include <filesystem>
#include <string>

namespace descent {

// The file's bytes; InputError naming the file if it cannot be opened.
std::string read_text_file(const std::filesystem::path& file);

}  // namespace descent
