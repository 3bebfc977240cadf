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
#pragma once

#include <descent/abi/entry.h>
#include <descent/sdk/component.hpp>
#include <descent/sdk/error.hpp>
#include <descent/sdk/hparams.hpp>
#include <descent/sdk/state.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

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

// True when no value is NaN or Inf. One read-only pass that vectorizes:
// x - x is 0 for finite x and NaN otherwise, and NaN survives the sum.
template <class T>
bool all_finite(const T* values, std::size_t n) {
  T probe = 0;
  for (std::size_t i = 0; i < n; ++i) probe += values[i] - values[i];
  return probe == T(0);
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
      if (!all_finite(grads, size))
        throw Error(DESCENT_ERROR_NON_FINITE,
                    "step: the gradient holds NaN or Inf; nothing changed");
      impl->step(std::span<T>(params, size), std::span<const T>(grads, size),
                 lr, t);
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
