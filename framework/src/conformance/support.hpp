// descent conformance — what the individual checks share: loading a target
// on its own, turning exceptions into FAIL results, and random vectors.
// Internal to the host library.
#pragma once

#include <descent/conformance.hpp>
#include <descent/instances.hpp>
#include <descent/registry.hpp>
#include <descent/sdk/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace descent::conformance {

// A private registry that holds only the target's library. Dropping it (and
// every instance made from it) unloads the library.
struct Loaded {
  std::unique_ptr<Registry> registry;
  const Component* component = nullptr;
};
// Throws std::runtime_error with the registry's diagnostic on failure.
Loaded load(const Target& target);

// True while any handle in this process keeps `file` loaded.
bool still_loaded(const std::filesystem::path& file);

inline CheckResult pass(std::string name, std::string detail) {
  return {std::move(name), Verdict::pass, std::move(detail)};
}
inline CheckResult warn(std::string name, std::string detail) {
  return {std::move(name), Verdict::warn, std::move(detail)};
}
inline CheckResult fail(std::string name, std::string detail) {
  return {std::move(name), Verdict::fail, std::move(detail)};
}

// Runs `body` (which returns a CheckResult); anything it throws becomes a
// FAIL of `name`, so one broken plugin call never hides the other checks.
template <class Body>
CheckResult run_check(const char* name, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(name, e.what());
  } catch (...) {
    return fail(name, "unknown exception");
  }
}

// `n` uniform values in [lo, hi), keyed so that each check has its own
// fixed numbers.
inline std::vector<double> random_vector(std::uint64_t key, std::size_t n,
                                         double lo, double hi) {
  sdk::RandomStream stream({0xc0f0ULL, key, n});
  std::vector<double> out(n);
  for (double& x : out) x = lo + (hi - lo) * stream.uniform();
  return out;
}

// Problems found by a check that looks at several cases: any failure makes
// the check FAIL, else any warning makes it WARN.
struct Findings {
  std::vector<std::string> failures;
  std::vector<std::string> warnings;
  CheckResult result(const char* name, const std::string& pass_detail) const;
};

// "1e-08" rather than "0.000000": exact, for values a plugin was given.
std::string number(double value);
// Four significant digits, for measured values such as errors and gaps.
std::string approx(double value);

// The checks every kind shares.
CheckResult check_descriptor_sane(const Target& target,
                                  const Component& component,
                                  const Options& options);

// Central differences: (f(x + h) - f(x - h)) / 2h for each coordinate of
// `x`, with h relative to |x_i|. `f` must not keep `x`.
template <class F>
std::vector<double> central_differences(std::vector<double> x, F&& f) {
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    const double h = 1e-6 * std::max(1.0, std::abs(saved));
    x[i] = saved + h;
    const double up = f(x);
    x[i] = saved - h;
    const double down = f(x);
    x[i] = saved;
    out[i] = (up - down) / (2.0 * h);
  }
  return out;
}

// The worst disagreement between an analytic gradient and differences, as
// max |a - d| / max(1, |a|, |d|), and where it is.
struct GradientError {
  double error = 0.0;
  std::size_t index = 0;
};
GradientError compare_gradients(const std::vector<double>& analytic,
                                const std::vector<double>& differences);
inline constexpr double kGradientTolerance = 1e-5;

}  // namespace descent::conformance
