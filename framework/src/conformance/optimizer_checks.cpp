// The optimizer checks in order, and the instance wrapper they share.
#include "optimizer_harness.hpp"

#include <string_view>

namespace descent::conformance {

OptimizerInstance::OptimizerInstance(const Component& component,
                                     HParamValues hparams,
                                     std::uint64_t n_params,
                                     descent_dtype dtype)
    : api_(component.optimizer) {
  hparams.bind();
  char error[DESCENT_ERROR_CAPACITY] = {};
  const descent_status s = api_->create(hparams.values.data(), hparams.count(),
                                        n_params, dtype, &instance_, error);
  if (s != DESCENT_OK || instance_ == nullptr)
    throw std::runtime_error("create(n_params " + std::to_string(n_params) +
                             ") failed: " + error);
}

void OptimizerInstance::throw_error(const std::string& what,
                                    descent_status status) const {
  throw std::runtime_error(what + " returned status " + std::to_string(status) +
                           ": " + last_error());
}

void OptimizerInstance::reset() {
  if (const descent_status s = api_->reset(instance_); s != DESCENT_OK)
    throw_error("reset", s);
}

Blob OptimizerInstance::save() const {
  Blob blob(api_->state_size(instance_));
  std::uint64_t written = 0;
  if (const descent_status s =
          api_->state_save(instance_, blob.data(), blob.size(), &written);
      s != DESCENT_OK)
    throw_error("state_save", s);
  if (written != blob.size())
    throw std::runtime_error("state_save wrote " + std::to_string(written) +
                             " bytes, state_size said " +
                             std::to_string(blob.size()));
  return blob;
}

namespace {

bool is_weight_decay(std::string_view name) {
  return name.find("weight_decay") != std::string_view::npos || name == "wd" ||
         name == "l2";
}

}  // namespace

HParamValues defaults_without_decay(const descent_descriptor& d) {
  HParamValues values = default_hparams(d);
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    const descent_hparam_desc& h = d.hparams[i];
    if (h.type == DESCENT_HPARAM_REAL && is_weight_decay(h.name))
      values.values[i].number = std::clamp(0.0, h.min_value, h.max_value);
  }
  return values;
}

double default_lr(const descent_descriptor& d) {
  return d.hparams[0].default_value;  // check_descriptor: lr comes first
}

std::vector<CheckResult> check_optimizer(const Target& target,
                                         const Options& options) {
  std::vector<CheckResult> out;
  Loaded loaded;
  try {
    loaded = load(target);
  } catch (const std::exception& e) {
    return {fail("load", e.what())};
  }
  const Component& c = *loaded.component;
  out.push_back(run_check(
      "descriptor", [&] { return check_descriptor_sane(target, c, options); }));
  out.push_back(check_rejects_out_of_bounds(c));
  out.push_back(check_empty_step(c));
  out.push_back(check_zero_gradient(c));
  // The round trip unloads the library, so nothing may hold it meanwhile.
  loaded = Loaded{};
  out.push_back(check_state_round_trip(target));
  try {
    loaded = load(target);
  } catch (const std::exception& e) {
    out.push_back(fail("load", std::string("reloading: ") + e.what()));
    return out;
  }
  const Component& again = *loaded.component;
  out.push_back(check_bad_state_rejected(again, options));
  out.push_back(check_f32_f64_agree(again));
  out.push_back(check_downhill_quadratic(again));
  out.push_back(check_rosenbrock(again));
  out.push_back(check_non_finite_gradient(again));
  out.push_back(check_parallel_determinism(again));
  out.push_back(check_reset(again));
  return out;
}

}  // namespace descent::conformance
