// guarded() and guarded_create(): every exception becomes a status code and
// a message; nothing escapes.
#include <descent/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace sdk = descent::sdk;

TEST_CASE("guarded() returns OK and clears a stale error on success",
          "[sdk][error]") {
  std::string last_error = "stale message from an earlier call";
  bool ran = false;
  CHECK(sdk::guarded(last_error, [&] { ran = true; }) == DESCENT_OK);
  CHECK(ran);
  CHECK(last_error.empty());
}

TEST_CASE("guarded() maps each kind of exception to a status", "[sdk][error]") {
  std::string last_error;

  SECTION("sdk::Error keeps its status and message") {
    CHECK(sdk::guarded(last_error, [] {
            throw sdk::Error(DESCENT_ERROR_BAD_STATE, "checksum mismatch");
          }) == DESCENT_ERROR_BAD_STATE);
    CHECK(last_error == "checksum mismatch");
    CHECK(sdk::guarded(last_error, [] {
            throw sdk::invalid_argument("n must be positive");
          }) == DESCENT_ERROR_INVALID_ARGUMENT);
    CHECK(last_error == "n must be positive");
  }
  SECTION("std::bad_alloc is out of memory") {
    CHECK(sdk::guarded(last_error, [] { throw std::bad_alloc(); }) ==
          DESCENT_ERROR_OUT_OF_MEMORY);
    CHECK_FALSE(last_error.empty());
  }
  SECTION("another std::exception is internal, with its what()") {
    CHECK(sdk::guarded(last_error, [] {
            throw std::out_of_range("index 9 past the end");
          }) == DESCENT_ERROR_INTERNAL);
    CHECK(last_error == "index 9 past the end");
  }
  SECTION("a non-std throw is internal, with a message") {
    CHECK(sdk::guarded(last_error, [] { throw 42; }) == DESCENT_ERROR_INTERNAL);
    CHECK_FALSE(last_error.empty());
  }
}

TEST_CASE("guarded_create() writes the message into the error buffer",
          "[sdk][error]") {
  char error[DESCENT_ERROR_CAPACITY];
  std::memset(error, 'x', sizeof error);
  CHECK(sdk::guarded_create(error, [] {
          throw sdk::invalid_argument("beta1: expected a value in [0, 1)");
        }) == DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(error) == "beta1: expected a value in [0, 1)");

  // Success leaves the buffer alone; a NULL buffer is tolerated.
  std::strcpy(error, "untouched");
  CHECK(sdk::guarded_create(error, [] {}) == DESCENT_OK);
  CHECK(std::string(error) == "untouched");
  CHECK(sdk::guarded_create(nullptr, [] { throw 1; }) ==
        DESCENT_ERROR_INTERNAL);
}

TEST_CASE("guarded_create() truncates a long message to fit the buffer",
          "[sdk][error]") {
  const std::string long_message(3 * DESCENT_ERROR_CAPACITY, 'm');
  // A canary past the buffer's DESCENT_ERROR_CAPACITY bytes must survive.
  char memory[DESCENT_ERROR_CAPACITY + 16];
  std::memset(memory, '#', sizeof memory);
  CHECK(sdk::guarded_create(memory, [&] {
          throw std::runtime_error(long_message);
        }) == DESCENT_ERROR_INTERNAL);
  CHECK(std::strlen(memory) == DESCENT_ERROR_CAPACITY - 1);
  CHECK(std::string(memory) ==
        long_message.substr(0, DESCENT_ERROR_CAPACITY - 1));
  for (std::size_t i = DESCENT_ERROR_CAPACITY; i < sizeof memory; ++i) {
    INFO("byte " << i);
    CHECK(memory[i] == '#');
  }
}
