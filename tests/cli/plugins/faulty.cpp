// faulty — a test-only optimizer that misbehaves on request, for the crash
// isolation tests of `descent sweep --isolate`. Never installed, never in
// the build's plugin folder: tests reach it with --plugin-dir.
//
//   fault = none | segfault | abort | throw | hang     (default none)
//   at_step = 3                 the optimizer step at which it misbehaves
//
// With fault = none it is plain SGD, w <- w - lr * g. `throw` lets a C++
// exception escape the C entry point step_f32/step_f64 — what the ABI
// forbids and the SDK's noexcept trampolines prevent — so the step
// functions below are written by hand around the SDK's.
#include <descent/sdk/optimizer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace {

namespace sdk = descent::sdk;

constexpr const char* kFaults[] = {"none", "segfault", "abort", "throw",
                                   "hang"};

// Set by Faulty::step when fault = throw; the hand-written entry point
// throws once the SDK's guarded call has returned.
thread_local bool throw_pending = false;

// An address in the never-mapped first page, which the compiler cannot see
// through: the write below is a real SIGSEGV, not a trap instruction in its
// place, and not null, which UBSan would report (and exit 1) first.
volatile std::uintptr_t nowhere = 16;

template <class T>
class Faulty {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-2),
      sdk::choice("fault", kFaults, 0,
                  "what goes wrong at step at_step (tests only)"),
      sdk::integer("at_step", 3, 1, 1000000000,
                   "the 1-based optimizer step that misbehaves"),
  };
  static constexpr sdk::Info info{
      "faulty", "1.0.0",
      "plain SGD that segfaults, aborts, throws or hangs on request (tests "
      "only)",
      "-", hparams};

  Faulty(const sdk::HParams& hp, std::size_t)
      : fault_(hp.choice("fault")),
        at_step_(static_cast<std::uint64_t>(hp.integer("at_step"))) {}

  void step(std::span<T> w, std::span<const T> g, double lr, std::uint64_t t) {
    if (t == at_step_) misbehave();
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] -= static_cast<T>(lr) * g[i];
  }
  auto state() { return std::array<std::span<T>, 0>{}; }

 private:
  void misbehave() {
    if (fault_ == "segfault") *reinterpret_cast<volatile int*>(nowhere) = 1;
    if (fault_ == "abort") std::abort();
    if (fault_ == "throw") throw_pending = true;
    if (fault_ == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }

  std::string_view fault_;
  std::uint64_t at_step_;
};

using Adapter = sdk::OptimizerAdapter<Faulty>;

// Not noexcept, on purpose: the exception crosses into the host.
template <class T>
descent_status step_that_may_throw(descent_optimizer* self, T* params,
                                   const T* grads, std::uint64_t n, double lr,
                                   std::uint64_t t) {
  descent_status status;
  if constexpr (sizeof(T) == sizeof(float))
    status = Adapter::api.step_f32(self, params, grads, n, lr, t);
  else
    status = Adapter::api.step_f64(self, params, grads, n, lr, t);
  if (throw_pending) {
    throw_pending = false;
    throw std::runtime_error(
        "faulty: a C++ exception thrown out of the C entry point step");
  }
  return status;
}

constexpr descent_optimizer_api make_api() {
  descent_optimizer_api api = Adapter::api;
  api.step_f32 = &step_that_may_throw<float>;
  api.step_f64 = &step_that_may_throw<double>;
  return api;
}
constexpr descent_optimizer_api kApi = make_api();

const descent_optimizer_api* optimizer(std::uint32_t i) {
  return i == 0 ? &kApi : nullptr;
}
const descent_model_api* model(std::uint32_t) { return nullptr; }
const descent_loss_api* loss(std::uint32_t) { return nullptr; }

}  // namespace

DESCENT_DECLARE_ENTRY = {DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),
                         &optimizer, &model, &loss};
