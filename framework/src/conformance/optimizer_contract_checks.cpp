// Optimizer checks of the call contract in optimizer.h: create() refuses
// values outside the declared bounds, n = 0 is a valid size, a zero
// gradient changes nothing, and a non-finite gradient is reported (params
// and state are then unspecified: the run must stop).
#include "optimizer_harness.hpp"

#include <limits>

namespace descent::conformance {
namespace {

struct BadValue {
  std::uint32_t index;
  double value;
};

// Just outside each bound (the nearest double, or the nearest integer for
// INT), and the non-finite values. The host never sends these, so only a
// direct call shows whether the plugin defends itself.
void add_bad_numbers(std::uint32_t i, const descent_hparam_desc& h,
                     std::vector<BadValue>& out) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const bool integer = h.type == DESCENT_HPARAM_INT;
  if (std::isfinite(h.min_value))
    out.push_back(
        {i, integer ? h.min_value - 1 : std::nextafter(h.min_value, -kInf)});
  if (std::isfinite(h.max_value))
    out.push_back(
        {i, integer ? h.max_value + 1 : std::nextafter(h.max_value, kInf)});
  out.push_back({i, std::numeric_limits<double>::quiet_NaN()});
  out.push_back({i, kInf});
  out.push_back({i, -kInf});
}

std::vector<BadValue> bad_values(const descent_descriptor& d) {
  std::vector<BadValue> out;
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    const descent_hparam_desc& h = d.hparams[i];
    if (h.type == DESCENT_HPARAM_REAL || h.type == DESCENT_HPARAM_INT)
      add_bad_numbers(i, h, out);
    else if (h.type == DESCENT_HPARAM_BOOL)
      out.push_back({i, 0.5});
    else if (h.type == DESCENT_HPARAM_CHOICE)
      out.push_back({i, static_cast<double>(h.choice_count)});
  }
  return out;
}

// Why create() mishandled `bad`, or nothing.
std::optional<std::string> try_bad_value(const Component& c,
                                         const BadValue& bad) {
  const descent_descriptor& d = *c.descriptor;
  HParamValues values = default_hparams(d);
  values.values[bad.index].number = bad.value;
  const std::string label =
      std::string(d.hparams[bad.index].name) + "=" + number(bad.value);
  char error[DESCENT_ERROR_CAPACITY] = {};
  // A non-NULL sentinel: the contract says a failing create sets *out NULL.
  descent_optimizer* out = reinterpret_cast<descent_optimizer*>(&values);
  const descent_status s = c.optimizer->create(
      values.values.data(), values.count(), 4, DESCENT_DTYPE_F64, &out, error);
  if (s == DESCENT_OK) {
    c.optimizer->destroy(out);
    return "accepted " + label;
  }
  if (out != nullptr) return label + " refused but *out not set to NULL";
  if (error[0] == '\0') return label + " refused without a message";
  return std::nullopt;
}

template <class T>
std::optional<std::string> empty_step(const Component& c) {
  OptimizerInstance opt(c, default_hparams(*c.descriptor), 0, dtype_of<T>());
  const descent_status s =
      opt.step<T>(nullptr, nullptr, 0, default_lr(*c.descriptor), 1);
  if (s != DESCENT_OK)
    return std::string(dtype_name<T>()) + " step(n = 0, NULL, NULL) returned " +
           std::to_string(s) + ": " + opt.last_error();
  opt.reset();
  return std::nullopt;
}

// One zero-gradient step from a fresh state, then one after steps and a
// reset(): both must leave the point bit for bit as it was.
template <class T>
void zero_gradient(const Component& c, Findings& findings) {
  constexpr std::size_t kN = 37;
  const double lr = default_lr(*c.descriptor);
  OptimizerInstance opt(c, defaults_without_decay(*c.descriptor), kN,
                        dtype_of<T>());
  const std::vector<T> zeros(kN, T(0));
  const std::vector<T> start = start_point<T>(4, kN);
  std::vector<T> w = start;
  opt.require_step(w, zeros, lr, 1);
  if (!same_bits(w, start))
    findings.failures.push_back(std::string(dtype_name<T>()) +
                                ": a fresh instance moved the point");
  run_problem(opt, 4, w, 1, 5, lr);
  opt.reset();
  const std::vector<T> before = w;
  opt.require_step(w, zeros, lr, 1);
  if (!same_bits(w, before))
    findings.failures.push_back(std::string(dtype_name<T>()) +
                                ": after reset() the point moved");
}

// After three finite steps, a gradient with one `bad` value at `at` (of
// n): the status must be DESCENT_ERROR_NON_FINITE. What params and state
// hold afterwards is unspecified (an elementwise optimizer may have
// updated the blocks before the bad one), but the step must never pass
// as OK, and no other status stands in for it.
template <class T>
void non_finite_step(const Component& c, T bad, std::size_t n, std::size_t at,
                     Findings& findings) {
  const double lr = default_lr(*c.descriptor);
  OptimizerInstance opt(c, default_hparams(*c.descriptor), n, dtype_of<T>());
  std::vector<T> w = start_point<T>(10, n);
  run_problem(opt, 10, w, 1, 3, lr);
  std::vector<T> g(n);
  noisy_gradient(10, 4, w, g);
  g[at] = bad;
  const std::string label = std::string(dtype_name<T>()) + " " +
                            number(static_cast<double>(bad)) + " at " +
                            std::to_string(at) + " of " + std::to_string(n);
  const descent_status s = opt.step(w.data(), g.data(), n, lr, 4);
  if (s == DESCENT_OK)
    findings.failures.push_back(label + " gradient accepted (status OK)");
  else if (s != DESCENT_ERROR_NON_FINITE)
    findings.failures.push_back(label + " refused with status " +
                                std::to_string(s) +
                                ", expected DESCENT_ERROR_NON_FINITE");
}

template <class T>
void non_finite_steps(const Component& c, Findings& findings) {
  // Small (one block), and large with the bad value in the last block,
  // found only after the others were updated.
  for (const T bad : {std::numeric_limits<T>::quiet_NaN(),
                      std::numeric_limits<T>::infinity()}) {
    non_finite_step<T>(c, bad, 37, 18, findings);
    non_finite_step<T>(c, bad, 20011, 20000, findings);
  }
}

}  // namespace

CheckResult check_rejects_out_of_bounds(const Component& c) {
  const char* name = "create-rejects-out-of-bounds";
  return run_check(name, [&] {
    const std::vector<BadValue> cases = bad_values(*c.descriptor);
    Findings findings;
    for (const BadValue& bad : cases)
      if (auto why = try_bad_value(c, bad)) findings.failures.push_back(*why);
    return findings.result(
        name, std::to_string(cases.size()) +
                  " values outside the bounds (each bound +-1 ulp, NaN, "
                  "+-Inf) refused with a message");
  });
}

CheckResult check_empty_step(const Component& c) {
  const char* name = "empty-step";
  return run_check(name, [&] {
    Findings findings;
    for (auto why : {empty_step<float>(c), empty_step<double>(c)})
      if (why) findings.failures.push_back(*why);
    return findings.result(
        name,
        "n = 0 with NULL buffers: create, step and reset return OK "
        "(f32, f64)");
  });
}

CheckResult check_zero_gradient(const Component& c) {
  const char* name = "zero-gradient";
  return run_check(name, [&] {
    Findings findings;
    zero_gradient<float>(c, findings);
    zero_gradient<double>(c, findings);
    return findings.result(
        name,
        "a zero gradient (weight decay 0) leaves the point bit for bit, "
        "fresh and after reset (f32, f64)");
  });
}

CheckResult check_non_finite_gradient(const Component& c) {
  const char* name = "non-finite-gradient";
  return run_check(name, [&] {
    Findings findings;
    non_finite_steps<float>(c, findings);
    non_finite_steps<double>(c, findings);
    return findings.result(name,
                           "one NaN or Inf in the gradient (n = 37 and 20011): "
                           "DESCENT_ERROR_NON_FINITE (f32, f64)");
  });
}

}  // namespace descent::conformance
