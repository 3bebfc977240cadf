// descent SDK — errors inside a plugin, and the guard that turns them into
// status codes at the C boundary. Nothing thrown ever crosses the ABI.
#pragma once

#include <descent/abi/status.h>

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace descent::sdk {

// Throw this from plugin code to report a specific status; any other
// exception becomes DESCENT_ERROR_INTERNAL with its what() text.
class Error : public std::runtime_error {
 public:
  Error(descent_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  descent_status status() const noexcept { return status_; }

 private:
  descent_status status_;
};

inline Error invalid_argument(const std::string& message) {
  return Error(DESCENT_ERROR_INVALID_ARGUMENT, message);
}

// Runs `body`, records the error text in `last_error` and returns a status.
// Clearing a std::string never allocates, so the success path is free.
template <class Body>
descent_status guarded(std::string& last_error, Body&& body) noexcept {
  auto record = [&](descent_status status, const char* text) noexcept {
    try {
      last_error = text;
    } catch (...) {
      last_error.clear();  // out of memory while reporting: keep the status
    }
    return status;
  };
  try {
    std::forward<Body>(body)();
    last_error.clear();
    return DESCENT_OK;
  } catch (const Error& e) {
    return record(e.status(), e.what());
  } catch (const std::bad_alloc&) {
    return record(DESCENT_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return record(DESCENT_ERROR_INTERNAL, e.what());
  } catch (...) {
    return record(DESCENT_ERROR_INTERNAL, "unknown exception in plugin");
  }
}

// Copies `text` into a create() error buffer of DESCENT_ERROR_CAPACITY bytes.
inline void write_error(char* buffer, const char* text) noexcept {
  if (buffer == nullptr) return;
  std::strncpy(buffer, text, DESCENT_ERROR_CAPACITY - 1);
  buffer[DESCENT_ERROR_CAPACITY - 1] = '\0';
}

// guarded() for create(): no instance exists yet, so the message goes into
// the caller's buffer.
template <class Body>
descent_status guarded_create(char* error, Body&& body) noexcept {
  std::string text;
  const descent_status status = guarded(text, std::forward<Body>(body));
  if (status != DESCENT_OK) write_error(error, text.c_str());
  return status;
}

}  // namespace descent::sdk
