// libFuzzer target: the [sweep] section (parse_sweep) and the trial plans
// made from it. The input is the body of an INI file that starts with
// "[sweep]"; the experiment it sweeps has a fake analytic model and a fake
// optimizer that declares real, log-scale, integer and choice
// hyperparameters, so declared bounds are exercised without loading plugins.
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/registry.hpp>
#include <descent/settings.hpp>
#include <descent/sweep.hpp>

#include <string>

#include "fuzz_input_file.hpp"

namespace {

const char* const kChoices[] = {"none", "nesterov"};
const descent_hparam_desc kOptimizerHparams[] = {
    {"lr", "step size", DESCENT_HPARAM_REAL, DESCENT_HPARAM_LOG_SCALE, 0.01,
     0.0, 10.0, nullptr, 0, 0, nullptr},
    {"beta1", "decay", DESCENT_HPARAM_REAL, 0, 0.9, 0.0, 0.999, nullptr, 0, 0,
     nullptr},
    {"warmup", "steps", DESCENT_HPARAM_INT, 0, 10, 1.0, 1000.0, nullptr, 0, 0,
     nullptr},
    {"variant", "kind", DESCENT_HPARAM_CHOICE, 0, 0, 0, 1, kChoices, 2, 0,
     nullptr},
    {"amsgrad", "flag", DESCENT_HPARAM_BOOL, 0, 0, 0, 1, nullptr, 0, 0,
     nullptr},
};
const descent_descriptor kOptimizer{sizeof(descent_descriptor),
                                    DESCENT_KIND_OPTIMIZER,
                                    "fuzzopt",
                                    "1.0.0",
                                    "fake optimizer",
                                    "",
                                    kOptimizerHparams,
                                    5,
                                    0};
const descent_descriptor kModel{sizeof(descent_descriptor),
                                DESCENT_KIND_MODEL,
                                "fuzzmodel",
                                "1.0.0",
                                "fake analytic model",
                                "",
                                nullptr,
                                0,
                                0};
descent_model_api make_model_api() {
  descent_model_api api{};
  api.struct_size = sizeof api;
  api.flags = DESCENT_MODEL_ANALYTIC;
  api.descriptor = &kModel;
  return api;
}
const descent_model_api kModelApi = make_model_api();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text = "[sweep]\n";
  text.append(reinterpret_cast<const char*>(data), size);
  const auto& file = descent_fuzz::write_input(
      "sweep.ini", reinterpret_cast<const std::uint8_t*>(text.data()),
      text.size());

  static descent::Component optimizer = [] {
    descent::Component c;
    c.kind = DESCENT_KIND_OPTIMIZER;
    c.descriptor = &kOptimizer;
    return c;
  }();
  static descent::Component model = [] {
    descent::Component c;
    c.kind = DESCENT_KIND_MODEL;
    c.descriptor = &kModel;
    c.model = &kModelApi;
    return c;
  }();
  static const descent::Registry registry;
  descent::Experiment base;
  base.seed = 42;
  base.model.component = &model;
  base.optimizer.component = &optimizer;

  try {
    descent::Settings settings = descent::Settings::load(file, {});
    const descent::SweepSpec spec =
        descent::parse_sweep(settings, base, registry);
    // Plan only what a sweep could hold in memory; the product of many
    // grids is legitimately huge and is the runner's business.
    std::uint64_t configs = spec.random ? spec.trials : 1;
    if (!spec.random)
      for (const auto& d : spec.dimensions) {
        configs *= d.values.size();
        if (configs > 4096) return 0;
      }
    if (configs * spec.repeats > 4096) return 0;
    const auto plans = descent::plan_search(spec, base);
    if (!plans.empty() && spec.then_best_seeds <= 4096)
      (void)descent::plan_best_seeds(spec, base, plans.front(), plans.size());
  } catch (const descent::InputError&) {
  }
  return 0;
}
