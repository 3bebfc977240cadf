// Test helpers for the end-to-end CLI tests: run the built `descent`
// executable as a child process (exit code, stdout and stderr captured
// separately), give each test a fresh scratch folder, and read what a run
// leaves behind.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "temp_dir.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace descent::cli_test {

namespace fs = std::filesystem;

inline const fs::path kDescent = fs::path(DESCENT_TEST_BIN_DIR) / "descent";
inline const fs::path kSourceDir = DESCENT_TEST_SOURCE_DIR;
inline const fs::path kExperiments = kSourceDir / "experiments";
inline const fs::path kBadPlugins = DESCENT_TEST_BAD_PLUGIN_DIR;
inline const fs::path kFashionDir = "/usr/share/datasets/fashion-mnist";

struct Result {
  int code = -1;  // exit code; 128 + signal if killed by one
  std::string out;
  std::string err;

  std::vector<std::string> err_lines() const;
};

inline std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

// Splits on '\n'; a final newline does not make an extra empty line.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

inline std::vector<std::string> Result::err_lines() const {
  return lines_of(err);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Bad input: exit 2 and one line on stderr naming every one of `names`.
inline void require_one_line_error(const Result& r,
                                   const std::vector<std::string>& names) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  REQUIRE(r.err_lines().size() == 1);
  for (const std::string& name : names) {
    INFO("expected on stderr: " << name);
    CHECK(contains(r.err, name));
  }
}

using descent::test::TempDir;

// Runs `descent args...` with the scratch folder as working directory (so a
// stray relative path can never touch the source tree) and without
// DESCENT_PLUGIN_PATH (so only the build's plugins and --plugin-dir count).
inline Result run_descent(const std::vector<std::string>& args,
                          const fs::path& scratch) {
  static std::atomic<int> counter{0};
  const int id = counter++;
  const fs::path out_file = scratch / (".stdout-" + std::to_string(id));
  const fs::path err_file = scratch / (".stderr-" + std::to_string(id));
  std::vector<std::string> argv_text{kDescent.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out_fd =
        ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd =
        ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::close(out_fd);
    ::close(err_fd);
    ::unsetenv("DESCENT_PLUGIN_PATH");
    if (::chdir(scratch.c_str()) != 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  Result r;
  r.code = WIFEXITED(status)     ? WEXITSTATUS(status)
           : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                 : -1;
  r.out = read_file(out_file);
  r.err = read_file(err_file);
  fs::remove(out_file);
  fs::remove(err_file);
  return r;
}

inline nlohmann::json read_json(const fs::path& file) {
  return nlohmann::json::parse(read_file(file));
}

// A CSV file with a header: the header cells, then each row's cells (empty
// cells are kept).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::runtime_error("no column " + name);
  }
  // The same table without one column.
  Csv without(const std::string& name) const {
    const std::size_t drop = column(name);
    Csv out;
    auto strip = [drop](std::vector<std::string> cells) {
      if (drop < cells.size())
        cells.erase(cells.begin() + static_cast<std::ptrdiff_t>(drop));
      return cells;
    };
    out.header = strip(header);
    for (const auto& row : rows) out.rows.push_back(strip(row));
    return out;
  }
};

inline std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (char c : line) {
    if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(cell);
  return cells;
}

inline Csv read_csv(const fs::path& file) {
  Csv csv;
  const std::vector<std::string> lines = lines_of(read_file(file));
  if (lines.empty()) return csv;
  csv.header = split_cells(lines[0]);
  for (std::size_t i = 1; i < lines.size(); ++i)
    if (!lines[i].empty()) csv.rows.push_back(split_cells(lines[i]));
  return csv;
}

// Every regular file under `dir` (relative path -> bytes).
inline std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      files[fs::relative(entry.path(), dir).string()] = read_file(entry.path());
  return files;
}

}  // namespace descent::cli_test
