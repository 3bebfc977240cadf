// descent host — the two ways a command can fail, and their exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace descent {

// Bad input from the user: a config key, a data file, a plugin, a flag.
// The message is one line naming the file/key and what was expected.
// Exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run that started but could not complete (a plugin call failed, the disk
// filled up). Exit code 1, as for a diverged run.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitBadInput = 2;

}  // namespace descent
