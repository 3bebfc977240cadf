// The SDK's optimizer adapter as a host sees it, through the built sgd
// plugin: create() validates its arguments, state blobs are checked, and a
// plugin library exports nothing but its entry.
#include <descent/abi/descent.h>

#include <catch2/catch.hpp>
#include <plugin_loader.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using descent::test::hparam_values;
using descent::test::make_optimizer;
using descent::test::optimizer_api;

namespace {

struct CreateResult {
  descent_status status;
  descent_optimizer* instance;
  std::string error;
};

CreateResult create_sgd(const std::vector<descent_hparam_value>& values,
                        std::uint32_t count,
                        descent_dtype dtype = DESCENT_DTYPE_F64) {
  const auto& api = optimizer_api("sgd");
  // A non-NULL value that create() must overwrite with NULL on failure.
  auto* out = reinterpret_cast<descent_optimizer*>(std::uintptr_t{0x10});
  char error[DESCENT_ERROR_CAPACITY] = {};
  const descent_status status =
      api.create(values.data(), count, 4, dtype, &out, error);
  if (status == DESCENT_OK) api.destroy(out);
  return {status, out, error};
}

// Names of the dynamic symbols a shared library defines, read with nm.
std::set<std::string> exported_symbols(const std::filesystem::path& library) {
  const std::string command = std::string(DESCENT_TEST_NM) +
                              " -D --defined-only '" + library.string() +
                              "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  std::set<std::string> names;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string field;
    std::string last;
    while (fields >> field) last = field;  // "<address> <type> <name>"
    if (!last.empty()) names.insert(last);
  }
  return names;
}

}  // namespace

TEST_CASE("sgd create() accepts its defaults", "[sdk][adapter]") {
  const auto values = hparam_values(*optimizer_api("sgd").descriptor);
  const auto result =
      create_sgd(values, static_cast<std::uint32_t>(values.size()));
  CHECK(result.status == DESCENT_OK);
  CHECK(result.error.empty());
}

TEST_CASE("sgd create() rejects a wrong hyperparameter count",
          "[sdk][adapter]") {
  const auto values = hparam_values(*optimizer_api("sgd").descriptor);
  const auto declared = static_cast<std::uint32_t>(values.size());
  REQUIRE(declared >= 2);
  for (std::uint32_t count : {0u, declared - 1}) {
    INFO("count = " << count);
    const auto result = create_sgd(values, count);
    CHECK(result.status == DESCENT_ERROR_INVALID_ARGUMENT);
    CHECK(result.instance == nullptr);
    CHECK(result.error.find(std::to_string(count)) != std::string::npos);
  }
  auto extra = values;
  extra.push_back({0.0, nullptr});
  const auto result = create_sgd(extra, declared + 1);
  CHECK(result.status == DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(result.instance == nullptr);
}

TEST_CASE("sgd create() rejects out-of-bounds values, naming the key",
          "[sdk][adapter]") {
  const auto& desc = *optimizer_api("sgd").descriptor;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    const char* key;
    double value;
  };
  const Case cases[] = {{"weight_decay", 1e4},
                        {"weight_decay", -0.1},
                        {"weight_decay", nan},
                        {"lr", -1.0},
                        {"lr", 1e9}};
  for (const auto& c : cases) {
    INFO(c.key << " = " << c.value);
    const auto values = hparam_values(desc, {.numbers = {{c.key, c.value}}});
    const auto result =
        create_sgd(values, static_cast<std::uint32_t>(values.size()));
    CHECK(result.status == DESCENT_ERROR_INVALID_ARGUMENT);
    CHECK(result.instance == nullptr);
    CHECK(result.error.find(c.key) != std::string::npos);
  }
}

TEST_CASE("sgd create() rejects an unknown dtype and a NULL out",
          "[sdk][adapter]") {
  const auto& api = optimizer_api("sgd");
  const auto values = hparam_values(*api.descriptor);
  const auto count = static_cast<std::uint32_t>(values.size());
  CHECK(create_sgd(values, count, 7).status == DESCENT_ERROR_UNSUPPORTED);
  char error[DESCENT_ERROR_CAPACITY] = {};
  CHECK(api.create(values.data(), 2, 4, DESCENT_DTYPE_F64, nullptr, error) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(error[0] != '\0');
}

TEST_CASE("sgd state blobs round-trip and mismatches are BAD_STATE",
          "[sdk][adapter]") {
  const auto& api = optimizer_api("sgd");
  auto f64 = make_optimizer("sgd", 4, DESCENT_DTYPE_F64);
  auto f32 = make_optimizer("sgd", 4, DESCENT_DTYPE_F32);
  auto other_n = make_optimizer("sgd", 5, DESCENT_DTYPE_F64);

  // sgd keeps no state: its blob is the header alone.
  const std::uint64_t size = api.state_size(f64.get());
  CHECK(size == sizeof(descent_state_header));
  std::vector<unsigned char> blob(size);
  std::uint64_t written = 0;
  REQUIRE(api.state_save(f64.get(), blob.data(), blob.size(), &written) ==
          DESCENT_OK);
  CHECK(written == size);
  CHECK(api.state_load(f64.get(), blob.data(), written) == DESCENT_OK);

  CHECK(api.state_load(f32.get(), blob.data(), written) ==
        DESCENT_ERROR_BAD_STATE);
  CHECK(std::string(api.last_error(f32.get())).find("dtype") !=
        std::string::npos);
  CHECK(api.state_load(other_n.get(), blob.data(), written) ==
        DESCENT_ERROR_BAD_STATE);
  blob[0] ^= 1;
  CHECK(api.state_load(f64.get(), blob.data(), written) ==
        DESCENT_ERROR_BAD_STATE);
  CHECK(std::string(api.last_error(f64.get())) != "");

  CHECK(api.state_save(f64.get(), blob.data(), size - 1, &written) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
}

TEST_CASE("every plugin library exports only descent_entry",
          "[sdk][adapter][visibility]") {
  namespace fs = std::filesystem;
  std::vector<fs::path> libraries;
  for (const auto& file : fs::directory_iterator(DESCENT_TEST_PLUGIN_DIR))
    if (file.path().extension() == ".so") libraries.push_back(file.path());
  const fs::path sgd =
      fs::path(DESCENT_TEST_PLUGIN_DIR) / "descent-optimizer-sgd.so";
  REQUIRE(fs::exists(sgd));

  for (const auto& library : libraries) {
    INFO(library.filename().string());
    CHECK(exported_symbols(library) ==
          std::set<std::string>{DESCENT_ENTRY_SYMBOL});
  }
}
