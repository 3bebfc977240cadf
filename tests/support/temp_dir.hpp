// A fresh scratch folder for one test, removed when the test ends.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

namespace descent::test {

// Under the test binary folder (never the source tree or the user's
// files), named by `label`, the process and a counter.
class TempDir {
 public:
  explicit TempDir(const std::string& label = "scratch") {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(DESCENT_TEST_BINARY_DIR) / "scratch" /
            (label + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace descent::test
