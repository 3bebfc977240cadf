// descent SDK — write an optimizer as one class template, get the C ABI.
//
//   template <class T>                       // T is float or double
//   class Sgd {
//    public:
//     static constexpr descent_hparam_desc hparams[] = {
//         descent::sdk::learning_rate(1e-2)};
//     static constexpr descent::sdk::Info info{
//         "sgd", "1.0.0", "plain gradient descent", "Robbins & Monro 1951",
//         hparams};
//     Sgd(const descent::sdk::HParams& hp, std::size_t n);
//     void step(std::span<T> w, std::span<const T> g, double lr,
//               std::uint64_t t);
//     auto state() { return std::array<std::span<T>, 0>{}; }
//   };
//   DESCENT_EXPORT_OPTIMIZER(Sgd)
//
// state() lists the buffers that make up the optimizer's state; the SDK
// saves, loads and checksums them. reset() rebuilds the object from the
// hyperparameters it was created with. Define `static constexpr
// std::uint32_t state_version` to version a changed state layout.
//
// Elementwise optimizers — each output element depends only on the same
// element of w, g and the state, as in every built-in one — declare so and
// split step() in two:
//
//     static constexpr bool elementwise = true;
//     Scalars prepare(double lr, std::uint64_t t);   // once per step
//     void update(std::size_t first, std::span<T> w, std::span<const T> g,
//                 const Scalars& s);
//
// update() steps elements [first, first + w.size()) (w and g are that
// slice; the state is indexed from `first`). The SDK then walks the arrays
// in blocks of kStepBlockBytes of gradient: it checks a block's gradient
// for NaN/Inf (the block is then in L1) and updates that block, so the
// gradient is read from memory once. Above kParallelStepElements the
// blocks are spread over the caller's TBB arena (results are the same:
// blocks are disjoint and every element sees the same arithmetic). The
// price: a NaN in block k is found after blocks < k were updated, so on
// DESCENT_ERROR_NON_FINITE the params and state of an elementwise
// optimizer are unspecified (see abi/optimizer.h). Any other optimizer
// gets a full pre-check and keeps "nothing changed".
#pragma once

#include <descent/abi/entry.h>
#include <descent/sdk/component.hpp>
#include <descent/sdk/error.hpp>
#include <descent/sdk/hparams.hpp>
#include <descent/sdk/state.hpp>

// TBB is optional for plugin authors: without its headers large steps run
// on the calling thread (same results; elementwise blocks are independent).
#if __has_include(<tbb/parallel_for.h>) && !defined(DESCENT_SDK_NO_TBB)
#define DESCENT_SDK_PARALLEL_STEP 1
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#else
#define DESCENT_SDK_PARALLEL_STEP 0
#endif

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

// Put on an elementwise kernel: compiled for AVX2 as well as the baseline
// ISA, chosen once at load time by the CPU. Without FMA contraction (GCC
// does not contract across ISAs here: -ffp-contract only fuses when the
// target has FMA, and "avx2" alone does not enable it) and with correctly
// rounded +, -, *, / and sqrt, both versions give the same bits.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define DESCENT_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define DESCENT_KERNEL
#endif

namespace descent::sdk {

// Owned copy of the create() arguments, so reset() can rebuild the object
// after the host's strings are gone.
class StoredHParams {
 public:
  StoredHParams(std::span<const descent_hparam_desc> declared,
                const descent_hparam_value* values, std::uint32_t count)
      : declared_(declared),
        values_(checked(values, count), checked(values, count) + count) {
    texts_.reserve(count);
    for (auto& v : values_) {
      texts_.emplace_back(v.text != nullptr ? v.text : "");
      if (v.text != nullptr) v.text = texts_.back().c_str();
    }
  }
  static const descent_hparam_value* checked(const descent_hparam_value* v,
                                             std::uint32_t count) {
    if (count > 0 && v == nullptr)
      throw invalid_argument("hyperparameter values are NULL");
    return v;
  }
  StoredHParams(StoredHParams&&) = default;  // strings keep their buffers
  StoredHParams(const StoredHParams&) = delete;
  StoredHParams& operator=(const StoredHParams&) = delete;

  HParams view() const {
    return HParams(declared_, values_.data(),
                   static_cast<std::uint32_t>(values_.size()));
  }

 private:
  std::span<const descent_hparam_desc> declared_;
  std::vector<descent_hparam_value> values_;
  std::vector<std::string> texts_;  // reserved: c_str() pointers stay valid
};

// True when no value is NaN or Inf: a value is non-finite exactly when its
// exponent bits are all ones. An integer OR-reduction, so it vectorizes
// (a floating-point sum would not without -ffast-math).
template <class T>
bool all_finite(const T* values, std::size_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits exponent = sizeof(T) == 4
                                ? static_cast<Bits>(0x7f800000u)
                                : static_cast<Bits>(0x7ff0000000000000u);
  Bits bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, values + i, sizeof bits);
    bad |= static_cast<Bits>((bits & exponent) == exponent);
  }
  return bad == 0;
}

// Gradient bytes per block of an elementwise step. Small, so that the
// check's read of the gradient and the update's streams over the weights
// and the state alternate finely and the hardware prefetchers keep all of
// them running. An Adam step over 10M floats on one core: `descent bench
// optimizer adam` 0.78 ns per element with 16 KiB blocks, 0.65 with 2 KiB;
// the same loop outside descent 0.64 and 0.53, where one fused loop with
// no check at all takes 0.55.
inline constexpr std::size_t kStepBlockBytes = 2048;
// Steps of at least this many elements run their blocks in parallel.
inline constexpr std::size_t kParallelStepElements = std::size_t{1} << 20;
// Blocks per parallel task (1 MiB of gradient): keeps scheduling cheap.
inline constexpr std::size_t kParallelStepGrain =
    (std::size_t{1} << 20) / kStepBlockBytes;

template <class Impl>
concept ElementwiseOptimizer = requires {
  Impl::elementwise;
}
&&Impl::elementwise;

// One step of an elementwise optimizer over n > 0 elements, checked and
// updated block by block. False if a gradient block held NaN or Inf.
template <class T, class Impl>
bool blocked_step(Impl& impl, T* params, const T* grads, std::size_t n,
                  double lr, std::uint64_t t) {
  constexpr std::size_t block = kStepBlockBytes / sizeof(T);
  const auto scalars = impl.prepare(lr, t);
  const std::size_t blocks = (n + block - 1) / block;
  auto run = [&](std::size_t first_block, std::size_t last_block) {
    for (std::size_t b = first_block; b < last_block; ++b) {
      const std::size_t first = b * block;
      const std::size_t len = std::min(block, n - first);
      if (!all_finite(grads + first, len)) return false;
      impl.update(first, std::span<T>(params + first, len),
                  std::span<const T>(grads + first, len), scalars);
    }
    return true;
  };
#if DESCENT_SDK_PARALLEL_STEP
  if (n < kParallelStepElements) return run(0, blocks);
  std::atomic<bool> finite{true};
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks, kParallelStepGrain),
      [&](const tbb::blocked_range<std::size_t>& r) {
        if (!finite.load(std::memory_order_relaxed)) return;
        if (!run(r.begin(), r.end()))
          finite.store(false, std::memory_order_relaxed);
      });
  return finite.load();
#else
  return run(0, blocks);
#endif
}

template <template <class> class Impl>
class OptimizerAdapter {
  using Info64 = Impl<double>;
  static_assert(std::char_traits<char>::length(Info64::info.name) <
                    DESCENT_STATE_NAME_CAPACITY,
                "component names must fit the state blob header");

  static constexpr std::uint32_t state_version() {
    if constexpr (requires { Info64::state_version; })
      return Info64::state_version;
    else
      return 1;
  }

  struct Instance {
    Instance(StoredHParams hp, std::uint64_t n, descent_dtype type)
        : hparams(std::move(hp)), n_params(n), dtype(type) {
      rebuild();
    }
    // Builds the new object before replacing the old one, so a constructor
    // that throws (e.g. bad_alloc) leaves the instance usable.
    void rebuild() {
      const HParams hp = hparams.view();
      const auto n = static_cast<std::size_t>(n_params);
      if (dtype == DESCENT_DTYPE_F32) {
        std::optional<Impl<float>> fresh(std::in_place, hp, n);
        f32.swap(fresh);
      } else {
        std::optional<Impl<double>> fresh(std::in_place, hp, n);
        f64.swap(fresh);
      }
    }
    StateIdentity identity() const {
      return {Info64::info.name, state_version(), dtype, n_params};
    }
    StoredHParams hparams;
    std::uint64_t n_params;
    descent_dtype dtype;
    std::optional<Impl<float>> f32;
    std::optional<Impl<double>> f64;
    std::string last_error;
  };

  static Instance* self(descent_optimizer* p) {
    return reinterpret_cast<Instance*>(p);
  }
  static const Instance* self(const descent_optimizer* p) {
    return reinterpret_cast<const Instance*>(p);
  }

  static descent_status create(const descent_hparam_value* values,
                               std::uint32_t count, std::uint64_t n_params,
                               descent_dtype dtype, descent_optimizer** out,
                               char* error) noexcept {
    if (out != nullptr) *out = nullptr;
    return guarded_create(error, [&] {
      if (out == nullptr) throw invalid_argument("create: out is NULL");
      if (dtype != DESCENT_DTYPE_F32 && dtype != DESCENT_DTYPE_F64)
        throw Error(DESCENT_ERROR_UNSUPPORTED, "unknown dtype");
      StoredHParams stored(Info64::info.hparams, values, count);
      auto instance =
          std::make_unique<Instance>(std::move(stored), n_params, dtype);
      *out = reinterpret_cast<descent_optimizer*>(instance.release());
    });
  }

  static void destroy(descent_optimizer* p) noexcept { delete self(p); }

  template <class T>
  static descent_status step(descent_optimizer* p, T* params, const T* grads,
                             std::uint64_t n, double lr,
                             std::uint64_t t) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] {
      if (t == 0) throw invalid_argument("step: t is 1-based, got 0");
      if (n != s->n_params)
        throw invalid_argument("step: n = " + std::to_string(n) +
                               ", instance was created for " +
                               std::to_string(s->n_params));
      auto& impl = [&]() -> auto& {
        if constexpr (std::is_same_v<T, float>)
          return s->f32;
        else
          return s->f64;
      }
      ();
      if (!impl) throw invalid_argument("step: dtype differs from create()");
      const auto size = static_cast<std::size_t>(n);
      if (size == 0) return;  // pointers may be NULL
      if constexpr (ElementwiseOptimizer<Impl<T>>) {
        if (!blocked_step(*impl, params, grads, size, lr, t))
          throw Error(DESCENT_ERROR_NON_FINITE,
                      "step: the gradient holds NaN or Inf; params and "
                      "state are unspecified, stop the run");
      } else {
        if (!all_finite(grads, size))
          throw Error(DESCENT_ERROR_NON_FINITE,
                      "step: the gradient holds NaN or Inf; nothing changed");
        impl->step(std::span<T>(params, size), std::span<const T>(grads, size),
                   lr, t);
      }
    });
  }

  static descent_status reset(descent_optimizer* p) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] { s->rebuild(); });
  }

  template <class F>
  static auto with_state(const Instance* s, F&& f) {
    if (s->f32) return f(const_cast<Impl<float>&>(*s->f32).state());
    return f(const_cast<Impl<double>&>(*s->f64).state());
  }

  static std::uint64_t state_size(const descent_optimizer* p) noexcept {
    return sizeof(descent_state_header) +
           with_state(self(p), [](const auto& b) { return payload_bytes(b); });
  }

  static descent_status state_save(const descent_optimizer* p, void* buffer,
                                   std::uint64_t capacity,
                                   std::uint64_t* written) noexcept {
    const Instance* s = self(p);
    auto& error = const_cast<Instance*>(s)->last_error;
    return guarded(error, [&] {
      const std::uint64_t n = with_state(s, [&](const auto& buffers) {
        return save_state(s->identity(), buffers, buffer, capacity);
      });
      if (written != nullptr) *written = n;
    });
  }

  static descent_status state_load(descent_optimizer* p, const void* buffer,
                                   std::uint64_t size) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] {
      with_state(s, [&](const auto& buffers) {
        load_state(s->identity(), buffers, buffer, size);
        return 0;
      });
    });
  }

  static const char* last_error(const descent_optimizer* p) noexcept {
    return self(p)->last_error.c_str();
  }

 public:
  static constexpr descent_descriptor descriptor =
      make_descriptor(DESCENT_KIND_OPTIMIZER, Info64::info);

  static constexpr descent_optimizer_api api{sizeof(descent_optimizer_api),
                                             0,
                                             &descriptor,
                                             &create,
                                             &destroy,
                                             &step<float>,
                                             &step<double>,
                                             &reset,
                                             &state_size,
                                             &state_save,
                                             &state_load,
                                             &last_error};
};

template <class Api>
const Api* only(std::uint32_t index, const Api* api) noexcept {
  return index == 0 ? api : nullptr;
}

}  // namespace descent::sdk

// Exports the library's entry for a single optimizer class template.
#define DESCENT_EXPORT_OPTIMIZER(Impl)                                         \
  namespace {                                                                  \
  const descent_optimizer_api* descent_sdk_optimizer(std::uint32_t i) {        \
    return ::descent::sdk::only(i,                                             \
                                &::descent::sdk::OptimizerAdapter<Impl>::api); \
  }                                                                            \
  const descent_model_api* descent_sdk_model(std::uint32_t) {                  \
    return nullptr;                                                            \
  }                                                                            \
  const descent_loss_api* descent_sdk_loss(std::uint32_t) { return nullptr; }  \
  }                                                                            \
  DESCENT_DECLARE_ENTRY = {                                                    \
      DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),                  \
      &descent_sdk_optimizer, &descent_sdk_model, &descent_sdk_loss};
