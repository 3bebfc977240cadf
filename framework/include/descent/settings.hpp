// descent host — the key = value settings of an experiment, from an INI file
// (parsed by Boost.Program_options) and `--key=value` command-line
// overrides, which win over the file.
//
// Typed getters validate as they read and throw InputError naming where the
// value came from (the file, or the command line), the key, and what was
// expected. Every key that is read, defaulted or not, is recorded with its
// resolved text, so the run can write a config that reproduces it as-is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::program_options {
class error;
}  // namespace boost::program_options

namespace descent {

class Settings {
 public:
  // Reads `file` (INI) and applies `overrides` ("key=value" strings).
  static Settings load(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides);
  // Settings from key=value pairs only (tests, programmatic runs).
  static Settings from_pairs(
      const std::vector<std::pair<std::string, std::string>>& pairs,
      std::string origin = "settings");

  bool has(std::string_view key) const;
  std::string text(std::string_view key, std::string_view fallback);
  std::string required_text(std::string_view key);
  double real(std::string_view key, double fallback, double min, double max);
  std::int64_t integer(std::string_view key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max);
  std::uint64_t seed(std::string_view key, std::uint64_t fallback);
  bool flag(std::string_view key, bool fallback);
  // A file or folder; relative paths are resolved and recorded absolute.
  std::filesystem::path path(std::string_view key, std::string_view fallback);
  std::string choice(std::string_view key, std::string_view fallback,
                     std::span<const std::string_view> allowed);

  // Every key under `prefix` (e.g. "sweep.") with its value, marked read,
  // in the order the file (then the command line) gave them.
  std::vector<std::pair<std::string, std::string>> take_prefix(
      std::string_view prefix);
  // Sets or replaces a value, e.g. a sweep trial's assignment; `origin`
  // names it in error messages.
  void set(const std::string& key, std::string value, std::string origin);

  // Records a resolved value read by other means (e.g. plugin hparams).
  void record(std::string_view key, std::string value);
  // The text a key was given with, if any (marks it as read).
  std::optional<std::string> take(std::string_view key);
  // "FILE: key = 'value'" — the prefix of an error about `key`.
  std::string where(std::string_view key) const;
  // Where `key` was given: the file's path or "command line" (the file's
  // path for a key that was not given).
  std::string origin(std::string_view key) const;

  // Throws InputError for the first key that was never read: a typo or a
  // key that does not apply (e.g. optimizer.beta1 for sgd).
  void reject_unread(std::span<const std::string> hints) const;

  // key -> resolved text, in the order keys were first resolved.
  const std::vector<std::pair<std::string, std::string>>& resolved() const {
    return resolved_;
  }
  const std::filesystem::path& file() const { return file_; }

 private:
  struct Entry {
    std::string value;
    std::string origin;  // file path or "command line"
    bool read = false;
    std::size_t order = 0;  // position in the file, then the command line
  };
  const Entry* find(std::string_view key) const;
  Entry* find(std::string_view key);
  [[noreturn]] void bad(std::string_view key,
                        const std::string& expected) const;

  std::filesystem::path file_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::pair<std::string, std::string>> resolved_;
};

// Shortest text that reads back as the same double ("0.1", "1e-05").
std::string format_number(double value);

// The message of a Boost.Program_options error about `input` (what the user
// wrote: a command line, an INI file). Boost 1.74 fills the "%name%"
// placeholders of its messages in a loop that never ends when a user's text
// contains the placeholder itself ("--x%canonical_option%" hung descent),
// so with a '%' in the input the message is built without what().
std::string describe_option_error(const boost::program_options::error& e,
                                  std::string_view input);

// Writes resolved settings as an INI file, one [section] per key prefix.
std::string to_ini(const std::vector<std::pair<std::string, std::string>>& kv,
                   std::string_view header_comment);

}  // namespace descent
