// What every optimizer plugin must do besides its own update rule, checked
// through the C ABI only:
//   - save -> load into a fresh instance -> both continue bit for bit;
//   - a corrupt, truncated or foreign blob (other n, other dtype, other
//     optimizer) is refused with DESCENT_ERROR_BAD_STATE and changes nothing;
//   - reset() makes the instance behave as a new one;
//   - step() refuses t = 0 (t is 1-based) when the optimizer uses t.
// Plus helpers to run a few steps of a small fixed problem in f32 and f64
// and compare them with an expected trajectory computed by the test.
//
// Use from a TEST_CASE: descent::test::check_optimizer_contract({...});
// the checks run as Catch2 SECTIONs, once per dtype.
#pragma once

#include <catch2/catch.hpp>
#include <plugin_loader.hpp>

#include <descent/sdk/random.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace descent::test {

// ---- calling an optimizer of either dtype --------------------------------

template <class T>
constexpr descent_dtype dtype_of() {
  return std::is_same_v<T, float> ? DESCENT_DTYPE_F32 : DESCENT_DTYPE_F64;
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

using Blob = std::vector<unsigned char>;

inline Blob save_state(const descent_optimizer_api& api,
                       const descent_optimizer* opt) {
  Blob blob(api.state_size(opt));
  std::uint64_t written = 0;
  REQUIRE(api.state_save(opt, blob.data(), blob.size(), &written) ==
          DESCENT_OK);
  REQUIRE(written == blob.size());
  return blob;
}

inline descent_status load_state(const descent_optimizer_api& api,
                                 descent_optimizer* opt, const Blob& blob) {
  return api.state_load(opt, blob.data(), blob.size());
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// ---- three steps of a small problem against an expected trajectory -------

// Four parameters whose gradients include a negative one, a sign change and
// one that stays exactly zero; every value is exact in float, so the f32 and
// f64 runs start from the same numbers. The learning rate differs per step,
// as a host schedule would send it.
struct SmallProblem {
  std::vector<double> w0{1.0, -2.0, 0.5, 3.0};
  std::array<std::vector<double>, 3> grads{
      std::vector<double>{0.5, -1.0, 0.0, 2.0},
      std::vector<double>{0.25, -0.5, 0.0, -1.5},
      std::vector<double>{-0.75, 0.125, 0.0, 1.0}};
  std::array<double, 3> lrs{};
};

// The parameters after each of the three steps.
using Trajectory = std::array<std::vector<double>, 3>;

template <class T>
Trajectory run_small_problem(const std::string& name,
                             const Overrides& overrides,
                             const SmallProblem& p) {
  const auto& api = optimizer_api(name);
  auto opt = make_optimizer(name, p.w0.size(), dtype_of<T>(), overrides);
  std::vector<T> w(p.w0.begin(), p.w0.end());
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    const std::vector<T> g(p.grads[k].begin(), p.grads[k].end());
    REQUIRE(step(api, opt.get(), w, g, p.lrs[k], k + 1) == DESCENT_OK);
    out[k].assign(w.begin(), w.end());
  }
  return out;
}

inline void check_close(const Trajectory& got, const Trajectory& expected,
                        double relative) {
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < expected[k].size(); ++i) {
      INFO("after step " << k + 1 << ", parameter " << i);
      CHECK(got[k][i] == Approx(expected[k][i]).epsilon(relative));
    }
}

// f64 must agree to 1e-12 relative, f32 to 1e-5.
inline void check_small_problem(const std::string& name,
                                const Overrides& overrides,
                                const SmallProblem& p,
                                const Trajectory& expected) {
  SECTION("f64") {
    check_close(run_small_problem<double>(name, overrides, p), expected, 1e-12);
  }
  SECTION("f32") {
    check_close(run_small_problem<float>(name, overrides, p), expected, 1e-5);
  }
}

// ---- the state contract ----------------------------------------------------

struct ContractCase {
  std::string name;
  Overrides overrides = {};
  // An optimizer whose blob must be refused; best one with the same state
  // layout, so only the component name tells the blobs apart.
  std::string other;
  Overrides other_overrides = {};
  bool uses_step_number = true;  // then t = 0 must be refused
};

// A noisy quadratic: g = w + noise, the noise keyed by (step, parameter
// count) so that runs are reproducible and depend on the state they carry.
template <class T>
std::vector<T> noisy_gradient(const std::vector<T>& w, std::uint64_t t) {
  sdk::RandomStream noise({0x5eedULL, t, w.size()});
  std::vector<T> g(w.size());
  for (std::size_t i = 0; i < w.size(); ++i)
    g[i] = w[i] + static_cast<T>(noise.normal());
  return g;
}

template <class T>
std::vector<T> start_point(std::size_t n) {
  sdk::RandomStream init({0x1417ULL, n});
  std::vector<T> w(n);
  for (auto& x : w) x = static_cast<T>(init.normal());
  return w;
}

// Runs steps first_t .. first_t + count - 1 on w.
template <class T>
void run_steps(const descent_optimizer_api& api, descent_optimizer* opt,
               std::vector<T>& w, std::uint64_t first_t, std::uint64_t count) {
  for (std::uint64_t t = first_t; t < first_t + count; ++t)
    REQUIRE(step(api, opt, w, noisy_gradient(w, t), 1e-2, t) == DESCENT_OK);
}

// A refused blob must give BAD_STATE, say why, and leave the state as is.
inline void check_refused(const descent_optimizer_api& api,
                          descent_optimizer* target, const Blob& blob) {
  const Blob before = save_state(api, target);
  CHECK(load_state(api, target, blob) == DESCENT_ERROR_BAD_STATE);
  CHECK(std::string(api.last_error(target)).find("state blob rejected") !=
        std::string::npos);
  CHECK(save_state(api, target) == before);
}

template <class T>
void check_state_contract(const ContractCase& c) {
  constexpr std::size_t n = 7;
  constexpr std::uint64_t warmup = 4;
  const auto& api = optimizer_api(c.name);
  const auto make = [&](std::size_t size) {
    return make_optimizer(c.name, size, dtype_of<T>(), c.overrides);
  };
  auto trained = make(n);
  std::vector<T> w = start_point<T>(n);
  run_steps(api, trained.get(), w, 1, warmup);
  const Blob blob = save_state(api, trained.get());
  const bool has_state = blob.size() > sizeof(descent_state_header);
  // A stateful optimizer must have moved away from its fresh state, or the
  // checks below could pass with a plugin that saves nothing.
  if (has_state) CHECK(blob != save_state(api, make(n).get()));

  SECTION("save, load into a fresh instance, continue bit for bit") {
    auto restored = make(n);
    REQUIRE(load_state(api, restored.get(), blob) == DESCENT_OK);
    CHECK(save_state(api, restored.get()) == blob);
    std::vector<T> w_trained = w, w_restored = w;
    run_steps(api, trained.get(), w_trained, warmup + 1, 3);
    run_steps(api, restored.get(), w_restored, warmup + 1, 3);
    CHECK(same_bits(w_trained, w_restored));
    CHECK(save_state(api, trained.get()) == save_state(api, restored.get()));
    if (has_state) {  // the loaded state, not luck, made them agree
      auto fresh = make(n);
      std::vector<T> w_fresh = w;
      run_steps(api, fresh.get(), w_fresh, warmup + 1, 3);
      CHECK_FALSE(same_bits(w_trained, w_fresh));
    }
  }
  SECTION("a blob with a flipped byte is refused") {
    auto target = make(n);
    run_steps(api, target.get(), w, 1, 2);  // a state worth protecting
    // The last byte is in the payload, or in the checksum (the header's
    // last field) when the optimizer keeps no state.
    std::vector<std::size_t> offsets{blob.size() - 1};
    if (has_state) offsets.push_back(sizeof(descent_state_header));
    for (std::size_t offset : offsets) {
      INFO("flipped byte " << offset);
      Blob corrupt = blob;
      corrupt[offset] ^= 0x01;
      check_refused(api, target.get(), corrupt);
    }
  }
  SECTION("a truncated blob is refused") {
    auto target = make(n);
    check_refused(api, target.get(), Blob(blob.begin(), blob.end() - 1));
  }
  SECTION("a blob made for another parameter count is refused") {
    auto bigger = make(n + 1);
    std::vector<T> w_bigger = start_point<T>(n + 1);
    run_steps(api, bigger.get(), w_bigger, 1, warmup);
    check_refused(api, trained.get(), save_state(api, bigger.get()));
  }
  SECTION("a blob of the other dtype is refused") {
    using Other = std::conditional_t<std::is_same_v<T, float>, double, float>;
    auto other = make_optimizer(c.name, n, dtype_of<Other>(), c.overrides);
    std::vector<Other> w_other = start_point<Other>(n);
    run_steps(api, other.get(), w_other, 1, warmup);
    check_refused(api, trained.get(), save_state(api, other.get()));
  }
  SECTION("a blob from another optimizer is refused") {
    const auto& other_api = optimizer_api(c.other);
    auto other = make_optimizer(c.other, n, dtype_of<T>(), c.other_overrides);
    std::vector<T> w_other = start_point<T>(n);
    run_steps(other_api, other.get(), w_other, 1, warmup);
    const Blob foreign = save_state(other_api, other.get());
    INFO("payload sizes: " << blob.size() << " vs " << foreign.size());
    check_refused(api, trained.get(), foreign);
  }
  SECTION("reset() makes it behave as a new instance") {
    REQUIRE(api.reset(trained.get()) == DESCENT_OK);
    auto fresh = make(n);
    CHECK(save_state(api, trained.get()) == save_state(api, fresh.get()));
    std::vector<T> w_reset = start_point<T>(n), w_fresh = w_reset;
    run_steps(api, trained.get(), w_reset, 1, 3);
    run_steps(api, fresh.get(), w_fresh, 1, 3);
    CHECK(same_bits(w_reset, w_fresh));
  }
  if (c.uses_step_number) {
    SECTION("t = 0 is refused: steps are numbered from 1") {
      std::vector<T> w_zero = w;
      const std::vector<T> g = noisy_gradient(w, 1);
      CHECK(step(api, trained.get(), w_zero, g, 1e-2, 0) ==
            DESCENT_ERROR_INVALID_ARGUMENT);
      CHECK(same_bits(w_zero, w));
      CHECK(save_state(api, trained.get()) == blob);
    }
  }
}

inline void check_optimizer_contract(const ContractCase& c) {
  SECTION("f64") { check_state_contract<double>(c); }
  SECTION("f32") { check_state_contract<float>(c); }
}

}  // namespace descent::test
