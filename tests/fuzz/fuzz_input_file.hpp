// Fuzz helpers: the readers take a path, so each input is written to a file
// private to this process first (libFuzzer may run several jobs at once).
#pragma once

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace descent_fuzz {

inline std::filesystem::path input_file(const char* name) {
  return std::filesystem::temp_directory_path() /
         ("descent-fuzz-" + std::to_string(::getpid()) + "-" + name);
}

inline const std::filesystem::path& write_input(const char* name,
                                                const std::uint8_t* data,
                                                std::size_t size) {
  static const std::filesystem::path file = input_file(name);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data),
            static_cast<std::streamsize>(size));
  return file;
}

}  // namespace descent_fuzz
