// ABI 1.1's optional float32 model path (forward_f32/backward_f32, appended
// to descent_model_api), as the host sees it across versions:
//   - frozen_linear, a model plugin written in C against the frozen v1.0
//     headers, loads; its 72-byte api struct means "no float32 path" even
//     though non-NULL pointers follow it in memory; it trains in f64 through
//     the host library exactly like the SDK's `linear`, and trainer.dtype =
//     f32 is refused with an InputError naming the key and the model;
//   - the SDK-built models of this build have the whole 1.1 struct and the
//     float32 path, and train in f32.
// `descent check-plugin` on frozen_linear is a CTest command (CMakeLists.txt).
#include <descent/abi/descent.h>
#include <descent/data.hpp>
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/instances.hpp>
#include <descent/registry.hpp>
#include <descent/settings.hpp>
#include <descent/trainer.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

const fs::path kFrozenLinear = ABI_TEST_FROZEN_LINEAR_PLUGIN;  // C, v1.0

// The build's plugins (mse, sgd, linear, mlp, ...) plus frozen_linear.
const descent::Registry& registry() {
  static const descent::Registry r = [] {
    descent::Registry out;
    out.scan({DESCENT_TEST_PLUGIN_DIR});
    out.load_file(kFrozenLinear);
    return out;
  }();
  return r;
}

const descent::Component& model(std::string_view name) {
  const descent::Component* c = registry().find(DESCENT_KIND_MODEL, name);
  std::string why;
  for (const auto& d : registry().diagnostics())
    why += d.file.string() + ": " + d.reason + "\n";
  INFO("model " << name << "\n" << why);
  REQUIRE(c != nullptr);
  return *c;
}

struct Collect : descent::TrainingObserver {
  std::vector<descent::EpochRecord> records;
  void on_epoch(const descent::EpochRecord& r) override {
    records.push_back(r);
  }
};

// Full-batch least squares on synthetic linear data: convex, so every
// epoch of plain gradient descent with a small step lowers the loss.
Pairs regression(const std::string& model_name, const std::string& dtype) {
  return {{"model.name", model_name},     {"loss.name", "mse"},
          {"optimizer.name", "sgd"},      {"optimizer.lr", "0.1"},
          {"data.source", "linear"},      {"data.rows", "400"},
          {"data.features", "4"},         {"data.noise", "0.1"},
          {"trainer.batch_size", "full"}, {"trainer.epochs", "15"},
          {"trainer.dtype", dtype},       {"experiment.seed", "11"}};
}

struct Run {
  descent::RunResult result;
  std::vector<descent::EpochRecord> records;
};

Run train(const Pairs& pairs) {
  descent::Settings settings = descent::Settings::from_pairs(pairs);
  const descent::Experiment e =
      descent::resolve_experiment(settings, registry());
  const descent::TrainTest data = descent::load_data(e);
  Collect collect;
  Run run;
  run.result = descent::train(e, data, collect);
  run.records = std::move(collect.records);
  return run;
}

void check_loss_decreases(const Run& run) {
  REQUIRE(run.result.status == descent::RunStatus::ok);
  REQUIRE(run.records.size() == 16);  // epochs 0..15
  for (std::size_t k = 1; k < run.records.size(); ++k) {
    INFO("epoch " << k);
    CHECK(run.records[k].train_loss < run.records[k - 1].train_loss);
  }
  CHECK(run.records.back().test_loss < 0.1 * run.records.front().test_loss);
}

}  // namespace

TEST_CASE("a v1.0 model plugin loads without diagnostics",
          "[abi][frozen][model]") {
  descent::Registry alone;
  const bool loaded = alone.load_file(kFrozenLinear);
  std::string why;
  for (const auto& d : alone.diagnostics()) why += d.reason + "\n";
  INFO(why);
  REQUIRE(loaded);
  CHECK(alone.diagnostics().empty());
  const auto models = alone.of_kind(DESCENT_KIND_MODEL);
  REQUIRE(models.size() == 1);
  CHECK(models.front()->name() == "frozen_linear");
  CHECK(models.front()->abi_version.major == 1);
  CHECK(models.front()->abi_version.minor == 0);
  CHECK(alone.of_kind(DESCENT_KIND_OPTIMIZER).empty());
  CHECK(alone.of_kind(DESCENT_KIND_LOSS).empty());
}

TEST_CASE("a v1.0 model plugin has the 1.0 struct and no float32 path",
          "[abi][frozen][model][f32]") {
  const descent::Component& c = model("frozen_linear");
  static_assert(DESCENT_MODEL_API_V1_0_SIZE == 72);
  static_assert(DESCENT_MODEL_API_V1_0_SIZE + 2 * sizeof(void (*)()) ==
                sizeof(descent_model_api));
  CHECK(c.model->struct_size == DESCENT_MODEL_API_V1_0_SIZE);

  // Where 1.1 has forward_f32/backward_f32, this plugin's memory holds two
  // non-NULL trap pointers: the host must go by struct_size, not by what
  // the bytes after the struct happen to be.
  const auto* bytes = reinterpret_cast<const unsigned char*>(c.model);
  for (std::size_t at : {DESCENT_MODEL_API_V1_0_SIZE,
                         DESCENT_MODEL_API_V1_0_SIZE + sizeof(void (*)())}) {
    void (*trap)() = nullptr;
    std::memcpy(&trap, bytes + at, sizeof trap);
    CHECK(trap != nullptr);
  }
  CHECK_FALSE(descent::Model::supports_f32(*c.model));

  // Through the host's handle: out = X W^T + b with W 2x3, then b.
  descent::Model m(c, descent::default_hparams(*c.descriptor), 3, 2);
  CHECK_FALSE(m.has_f32());
  REQUIRE(m.param_count() == 8);
  std::vector<double> params(8, 1.0);
  m.init(params, 5);
  CHECK(params == std::vector<double>(8, 0.0));  // init_scale 0: zeros
  params = {1, 2, 3, -1, 0, 1, 0.5, -0.5};
  const std::vector<double> X = {1, 1, 1, 2, 0, -1};
  std::vector<double> out(4);
  m.forward(params.data(), X.data(), 2, out.data());
  CHECK(out == std::vector<double>{6.5, -0.5, -0.5, -3.5});
  const std::vector<double> dout = {1, 0, 0, 1};
  std::vector<double> grad(8);
  m.backward(params.data(), X.data(), 2, dout.data(), grad.data());
  CHECK(grad == std::vector<double>{1, 1, 1, 2, 0, -1, 1, 1});
}

TEST_CASE("a v1.0 model plugin's seeded init depends only on the seed",
          "[abi][frozen][model]") {
  const descent::Component& c = model("frozen_linear");
  descent::HParamValues hp = descent::default_hparams(*c.descriptor);
  REQUIRE(hp.count() == 1);
  hp.values[0].number = 0.5;
  descent::Model a(c, hp, 3, 2), b(c, hp, 3, 2);
  std::vector<double> pa(8), pb(8), pc(8);
  a.init(pa, 9);
  b.init(pb, 9);
  b.init(pc, 10);
  CHECK(pa == pb);
  CHECK(pa != pc);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(pa[i] >= -0.5);
    CHECK(pa[i] < 0.5);
  }
  CHECK(pa[6] == 0.0);  // b starts at zero
  CHECK(pa[7] == 0.0);
}

TEST_CASE("a v1.0 model plugin trains in f64 like the SDK's linear",
          "[abi][frozen][model][train]") {
  const Run frozen = train(regression("frozen_linear", "f64"));
  check_loss_decreases(frozen);
  // Same parameter layout and zero init as the built-in `linear`: the same
  // run to rounding (the summation order of the products may differ).
  const Run sdk = train(regression("linear", "f64"));
  REQUIRE(sdk.records.size() == frozen.records.size());
  for (std::size_t k = 0; k < sdk.records.size(); ++k) {
    INFO("epoch " << k);
    CHECK(frozen.records[k].train_loss ==
          Approx(sdk.records[k].train_loss).epsilon(1e-9));
    CHECK(frozen.records[k].test_loss ==
          Approx(sdk.records[k].test_loss).epsilon(1e-9));
  }
}

TEST_CASE("trainer.dtype = f32 is refused for a v1.0 model, by name",
          "[abi][frozen][model][f32]") {
  descent::Settings settings =
      descent::Settings::from_pairs(regression("frozen_linear", "f32"));
  // f32 is a valid dtype for data models: resolving does not refuse it, the
  // model's missing float32 path does.
  const descent::Experiment e =
      descent::resolve_experiment(settings, registry());
  REQUIRE(e.trainer.dtype == descent::Precision::f32);
  const descent::TrainTest data = descent::load_data(e);
  // (Catch's combined matchers hold their parts by reference, so each
  // check spells them out.)
  CHECK_THROWS_AS(descent::preflight(e, data), descent::InputError);
  CHECK_THROWS_WITH(descent::preflight(e, data),
                    Catch::Contains("trainer.dtype") &&
                        Catch::Contains("'frozen_linear'") &&
                        Catch::Contains("float32"));
  Collect collect;
  CHECK_THROWS_AS(descent::train(e, data, collect), descent::InputError);
  CHECK_THROWS_WITH(descent::train(e, data, collect),
                    Catch::Contains("trainer.dtype") &&
                        Catch::Contains("'frozen_linear'") &&
                        Catch::Contains("float32"));
  CHECK(collect.records.empty());  // refused before any step
}

TEST_CASE("SDK-built models of this build have the 1.1 float32 path",
          "[abi][sdk][model][f32]") {
  for (const char* name : {"linear", "mlp"}) {
    INFO(name);
    const descent::Component& c = model(name);
    CHECK(c.abi_version.major == DESCENT_ABI_VERSION_MAJOR);
    CHECK(c.abi_version.minor == DESCENT_ABI_VERSION_MINOR);
    CHECK(c.model->struct_size == sizeof(descent_model_api));
    CHECK(descent::Model::supports_f32(*c.model));
  }
  // ... which the trainer then uses where it refused frozen_linear.
  check_loss_decreases(train(regression("linear", "f32")));
}
