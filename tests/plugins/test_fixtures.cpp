// Every optimizer plugin against reference trajectories computed by
// torch.optim (PyTorch 1.13) — or, for lion, by the reference implementation
// of Chen et al. 2023 — stored in tests/plugins/fixtures/<name>.json by
// tools/reference/make_optimizer_fixtures.py.
//
// For each stored case the plugin is created with exactly the stored
// hyperparameters, stepped with the stored gradients and per-step learning
// rates (t = 1, 2, ...), and every step's parameters are compared with
// torch's: relative error <= 1e-12 in double (against torch's float64 run)
// and <= 1e-5 in float (against torch's float32 run). A missing plugin fails;
// so does an optimizer plugin without a fixture file.
#include <descent/registry.hpp>
#include <plugin_loader.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The optimizers with reference numbers; each has a TEST_CASE below.
const std::set<std::string> kFixtureOptimizers = {
    "sgd",   "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
    "adamw", "amsgrad",  "adamax",   "nadam",   "radam",    "lion"};

constexpr double kTolF64 = 1e-12;
constexpr double kTolF32 = 1e-5;
constexpr double kZeroFloor = 1e-300;  // |want| below this counts as this

fs::path fixture_dir() {
  return fs::path(DESCENT_TEST_SOURCE_DIR) / "tests" / "plugins" / "fixtures";
}

json load_fixture(const std::string& name) {
  const fs::path path = fixture_dir() / (name + ".json");
  INFO("fixture " << path.string()
                  << " (regenerate with /usr/bin/python3 "
                     "tools/reference/make_optimizer_fixtures.py)");
  std::ifstream file(path);
  REQUIRE(file.good());
  return json::parse(file);
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The worst element of a whole trajectory.
struct Worst {
  double rel = 0.0;
  std::size_t step = 0;  // 1-based
  std::size_t element = 0;
  double got = 0.0;
  double want = 0.0;
};

template <class T>
std::vector<T> as_vector(const json& values) {
  std::vector<T> out;
  for (const auto& v : values) out.push_back(static_cast<T>(v.get<double>()));
  return out;
}

template <class T>
descent_status step(const descent_optimizer_api& api, descent_optimizer* opt,
                    std::vector<T>& w, const std::vector<T>& g, double lr,
                    std::uint64_t t) {
  if constexpr (std::is_same_v<T, float>)
    return api.step_f32(opt, w.data(), g.data(), w.size(), lr, t);
  else
    return api.step_f64(opt, w.data(), g.data(), w.size(), lr, t);
}

// Replays one case in T and returns the worst relative error against the
// stored trajectory of the same precision.
template <class T>
Worst replay(const std::string& name, const json& c,
             const descent::test::Overrides& overrides) {
  constexpr bool is_f32 = std::is_same_v<T, float>;
  const json& expected = c.at(is_f32 ? "float32" : "float64");
  std::vector<T> w = as_vector<T>(c.at("params0"));
  const std::size_t n = w.size();
  const json& grads = c.at("grads");
  const json& lrs = c.at("lrs");
  REQUIRE(grads.size() == expected.size());
  REQUIRE(lrs.size() == expected.size());

  const descent_optimizer_api& api = descent::test::optimizer_api(name);
  auto opt = descent::test::make_optimizer(
      name, n, is_f32 ? DESCENT_DTYPE_F32 : DESCENT_DTYPE_F64, overrides);

  Worst worst;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const std::vector<T> g = as_vector<T>(grads[k]);
    REQUIRE(g.size() == n);
    const descent_status status =
        step<T>(api, opt.get(), w, g, lrs[k].get<double>(), k + 1);
    INFO("step " << k + 1 << ": " << api.last_error(opt.get()));
    REQUIRE(status == DESCENT_OK);
    const json& want_row = expected[k];
    REQUIRE(want_row.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      const double want = want_row[i].get<double>();
      const double got = static_cast<double>(w[i]);
      double rel = std::abs(got - want) / std::max(std::abs(want), kZeroFloor);
      if (std::isnan(rel)) rel = std::numeric_limits<double>::infinity();
      if (rel > worst.rel || (k == 0 && i == 0))
        worst = {rel, k + 1, i, got, want};
    }
  }
  return worst;
}

std::string describe(const Worst& w) {
  std::ostringstream out;
  out.precision(17);
  out << "worst relative error " << w.rel << " at step " << w.step
      << ", element " << w.element << ": plugin " << w.got << ", reference "
      << w.want;
  return out.str();
}

void check_fixture(const std::string& name) {
  const json fixture = load_fixture(name);
  REQUIRE(fixture.at("optimizer").get<std::string>() == name);
  const fs::path library =
      fs::path(DESCENT_TEST_PLUGIN_DIR) / ("descent-optimizer-" + name + ".so");
  INFO("plugin " << library.string());
  REQUIRE(fs::exists(library));  // not built yet: a failure, not a skip
  const descent_descriptor& desc =
      *descent::test::optimizer_api(name).descriptor;

  const json& cases = fixture.at("cases");
  REQUIRE(!cases.empty());
  for (const json& c : cases) {
    const std::string case_name = c.at("name").get<std::string>();
    INFO(name << " / case \"" << case_name << "\" - reference "
              << c.at("torch").get<std::string>());

    // Exactly the stored hyperparameters: the plugin must declare each
    // one, and none besides (else it would silently run on a default).
    descent::test::Overrides overrides;
    std::set<std::string> stored, declared;
    for (const auto& [key, value] : c.at("hparams").items()) {
      overrides.numbers[key] = value.get<double>();
      stored.insert(key);
    }
    for (std::uint32_t i = 0; i < desc.hparam_count; ++i)
      declared.insert(desc.hparams[i].name);
    INFO("stored hparams: " << join(stored));
    INFO("declared hparams: " << join(declared));
    REQUIRE(stored == declared);

    const Worst f64 = replay<double>(name, c, overrides);
    {
      INFO("float64: " << describe(f64));
      CHECK(f64.rel <= kTolF64);
    }
    const Worst f32 = replay<float>(name, c, overrides);
    {
      INFO("float32: " << describe(f32));
      CHECK(f32.rel <= kTolF32);
    }
  }
}

}  // namespace

#define DESCENT_FIXTURE_TEST(name)                      \
  TEST_CASE(name " matches its reference trajectories", \
            "[plugins][fixtures][" name "]") {          \
    check_fixture(name);                                \
  }

DESCENT_FIXTURE_TEST("sgd")
DESCENT_FIXTURE_TEST("momentum")
DESCENT_FIXTURE_TEST("nesterov")
DESCENT_FIXTURE_TEST("adagrad")
DESCENT_FIXTURE_TEST("adadelta")
DESCENT_FIXTURE_TEST("rmsprop")
DESCENT_FIXTURE_TEST("adam")
DESCENT_FIXTURE_TEST("adamw")
DESCENT_FIXTURE_TEST("amsgrad")
DESCENT_FIXTURE_TEST("adamax")
DESCENT_FIXTURE_TEST("nadam")
DESCENT_FIXTURE_TEST("radam")
DESCENT_FIXTURE_TEST("lion")

TEST_CASE("every optimizer plugin has reference trajectories",
          "[plugins][fixtures]") {
  descent::Registry registry;
  registry.scan({DESCENT_TEST_PLUGIN_DIR});
  const auto optimizers = registry.of_kind(DESCENT_KIND_OPTIMIZER);
  CHECK(!optimizers.empty());
  for (const descent::Component* c : optimizers) {
    const std::string name(c->name());
    INFO("optimizer " << name << " from " << c->file.string()
                      << ": add it to tools/reference/"
                         "make_optimizer_fixtures.py and to this test");
    CHECK(fs::exists(fixture_dir() / (name + ".json")));
    CHECK(kFixtureOptimizers.count(name) == 1);
  }
}

TEST_CASE("every fixture file is replayed by this test",
          "[plugins][fixtures]") {
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(fixture_dir()))
    if (entry.path().extension() == ".json")
      files.insert(entry.path().stem().string());
  CHECK(files == kFixtureOptimizers);
}
