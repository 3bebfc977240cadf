// `descent check-plugin`: every built plugin passes the conformance checks,
// each deliberately broken plugin fails exactly the check aimed at it, and
// the CLI's exit codes say so.
#include <catch2/catch.hpp>

#include <descent/conformance.hpp>
#include <descent/registry.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using descent::conformance::CheckResult;
using descent::conformance::Target;
using descent::conformance::Verdict;

const descent::conformance::Options kOptions{{DESCENT_TEST_PLUGIN_DIR}};

std::vector<std::string> names_with(const std::vector<CheckResult>& results,
                                    Verdict verdict) {
  std::vector<std::string> out;
  for (const CheckResult& r : results)
    if (r.verdict == verdict) out.push_back(r.name);
  return out;
}

std::size_t expected_check_count(descent_kind kind) {
  switch (kind) {
    case DESCENT_KIND_OPTIMIZER:
      return 12;
    case DESCENT_KIND_MODEL:
      return 5;  // with float32-matches-float64 (ABI 1.1)
    default:
      return 4;
  }
}

Target conformance_plugin(const std::string& file) {
  const fs::path path =
      fs::path(DESCENT_TEST_CONFORMANCE_PLUGIN_DIR) / (file + ".so");
  auto contents = descent::conformance::list_library(path);
  INFO(path.string() << ": " << contents.error.value_or(""));
  REQUIRE(contents.components.size() == 1);
  return contents.components[0];
}

std::string describe(const std::vector<CheckResult>& results) {
  std::string out;
  for (const CheckResult& r : results)
    out += std::string(descent::conformance::verdict_text(r.verdict)) + "  " +
           r.name + "  " + r.detail + "\n";
  return out;
}

struct CommandResult {
  int exit_code;
  std::string output;  // stdout
};

CommandResult run_cli(const std::string& arguments) {
  const std::string command = std::string(DESCENT_TEST_BIN_DIR) +
                              "/descent check-plugin " + arguments +
                              " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe))
    output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST_CASE("every built plugin passes the conformance checks") {
  const std::vector<Target> targets =
      descent::conformance::list_folders(kOptions.search_path);
  // At least the plugins of the first commits: six optimizers, five
  // models, two losses; whatever else is in the folder is checked too.
  REQUIRE(targets.size() >= 13);
  for (const Target& target : targets) {
    const auto results =
        descent::conformance::check_component(target, kOptions);
    INFO(descent::kind_name(target.kind) << " '" << target.name << "':\n"
                                         << describe(results));
    CHECK(results.size() == expected_check_count(target.kind));
    CHECK(names_with(results, Verdict::fail).empty());
  }
}

TEST_CASE(
    "the plain-C control plugin passes, so the broken ones differ "
    "from it only by their bug") {
  const auto results = descent::conformance::check_optimizer(
      conformance_plugin("c_momentum"), kOptions);
  INFO(describe(results));
  CHECK(results.size() == 12);
  CHECK(names_with(results, Verdict::fail).empty());
  // The save/load check really reloaded the library: no "stayed loaded".
  CHECK(results[4].name == "state-round-trip");
  CHECK(results[4].verdict == Verdict::pass);
}

TEST_CASE("each broken plugin fails exactly the check aimed at it") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"broken_duplicate_name", "descriptor"},
      {"broken_unchecked_beta1", "create-rejects-out-of-bounds"},
      {"broken_empty_step", "empty-step"},
      {"broken_zero_gradient", "zero-gradient"},
      {"broken_ignores_state", "state-round-trip"},
      {"broken_no_checksum", "bad-state-rejected"},
      {"broken_f32_step", "f32-f64-agree"},
      {"broken_uphill", "downhill-quadratic"},
      {"broken_nan_propagation", "non-finite-gradient"},
  };
  for (const auto& [file, check] : cases) {
    const auto results = descent::conformance::check_optimizer(
        conformance_plugin(file), kOptions);
    INFO(file << ":\n" << describe(results));
    CHECK(names_with(results, Verdict::fail) ==
          std::vector<std::string>{check});
  }
}

TEST_CASE("the beta1 plugin's failure names the value it accepted") {
  const auto results = descent::conformance::check_optimizer(
      conformance_plugin("broken_unchecked_beta1"), kOptions);
  REQUIRE(results[1].name == "create-rejects-out-of-bounds");
  CHECK_THAT(results[1].detail, Catch::Contains("accepted beta1="));
}

TEST_CASE("descent check-plugin exit codes") {
  SECTION("a good plugin by name: 0") {
    const CommandResult r = run_cli("sgd");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("PASS  state-round-trip"));
    CHECK_THAT(r.output, Catch::Contains("12 checks:"));
  }
  SECTION("a good model by name with --kind: 0") {
    const CommandResult r = run_cli("rosenbrock --kind model");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output,
               Catch::Contains("PASS  backward-vs-finite-differences"));
  }
  SECTION("a broken plugin by path: 1, naming the failed check") {
    const CommandResult r =
        run_cli(std::string(DESCENT_TEST_CONFORMANCE_PLUGIN_DIR) +
                "/broken_ignores_state.so");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("FAIL  state-round-trip"));
    CHECK_THAT(r.output, Catch::Contains("1 fail"));
  }
  SECTION("a file that is not a plugin: 1, with the loader's reason") {
    const fs::path file = fs::temp_directory_path() / "descent-not-a-plugin.so";
    std::ofstream(file) << "not an ELF file\n";
    const CommandResult r = run_cli(file.string());
    fs::remove(file);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("FAIL  load"));
  }
  SECTION("an unknown name: 2") {
    CHECK(run_cli("no_such_optimizer").exit_code == 2);
  }
  SECTION("a bad --kind: 2") {
    CHECK(run_cli("sgd --kind solver").exit_code == 2);
  }
}
