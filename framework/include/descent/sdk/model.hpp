// descent SDK — write a model as one class, get the C ABI.
//
//   class Linear {
//    public:
//     static constexpr descent_hparam_desc hparams[] = {...};
//     static constexpr descent::sdk::Info info{"linear", "1.0.0", "...", "",
//                                              hparams};
//     static constexpr std::uint32_t flags = 0;  // or DESCENT_MODEL_ANALYTIC
//     Linear(const descent::sdk::HParams& hp, std::uint64_t n_inputs,
//            std::uint64_t n_outputs);
//     std::uint64_t param_count() const;
//     void init(std::span<double> params, std::uint64_t seed);
//     void forward(std::span<const double> params, const double* X,
//                  std::uint64_t rows, double* out);
//     void backward(std::span<const double> params, const double* X,
//                   std::uint64_t rows, const double* dout,
//                   std::span<double> grad);
//   };
//
// A model whose forward/backward also accept float (write them as templates
// over the scalar type) gets the ABI 1.1 float32 entry points too, and can
// be trained with `trainer.dtype = f32`.
//   DESCENT_EXPORT_MODEL(Linear)
#pragma once

#include <descent/abi/entry.h>
#include <descent/sdk/component.hpp>
#include <descent/sdk/error.hpp>
#include <descent/sdk/hparams.hpp>

#include <memory>
#include <span>
#include <string>

namespace descent::sdk {

// True when Impl computes in float as well as in double.
template <class Impl>
concept HasFloat32Path = requires(Impl& m, std::span<const float> p,
                                  const float* x, float* y,
                                  std::span<float> g) {
  m.forward(p, x, std::uint64_t{1}, y);
  m.backward(p, x, std::uint64_t{1}, x, g);
};

template <class Impl>
class ModelAdapter {
  struct Instance {
    template <class... Args>
    explicit Instance(Args&&... args) : impl(std::forward<Args>(args)...) {}
    Impl impl;
    std::string last_error;
  };
  static Instance* self(descent_model* p) {
    return reinterpret_cast<Instance*>(p);
  }
  static const Instance* self(const descent_model* p) {
    return reinterpret_cast<const Instance*>(p);
  }

  static descent_status create(const descent_hparam_value* values,
                               std::uint32_t count, std::uint64_t n_inputs,
                               std::uint64_t n_outputs, descent_model** out,
                               char* error) noexcept {
    if (out != nullptr) *out = nullptr;
    return guarded_create(error, [&] {
      if (out == nullptr) throw invalid_argument("create: out is NULL");
      const HParams hp(Impl::info.hparams, values, count);
      auto instance = std::make_unique<Instance>(hp, n_inputs, n_outputs);
      *out = reinterpret_cast<descent_model*>(instance.release());
    });
  }

  static void destroy(descent_model* p) noexcept { delete self(p); }

  static std::uint64_t param_count(const descent_model* p) noexcept {
    return self(p)->impl.param_count();
  }

  static void check_params(const Instance* s, std::uint64_t n) {
    if (n != s->impl.param_count())
      throw invalid_argument("expected " +
                             std::to_string(s->impl.param_count()) +
                             " parameters, got " + std::to_string(n));
  }

  static descent_status init(descent_model* p, double* params, std::uint64_t n,
                             std::uint64_t seed) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] {
      check_params(s, n);
      s->impl.init(std::span<double>(params, static_cast<std::size_t>(n)),
                   seed);
    });
  }

  template <class T>
  static std::span<const T> param_span(const Instance* s, const T* params) {
    return {params, static_cast<std::size_t>(s->impl.param_count())};
  }

  template <class T>
  static descent_status forward(descent_model* p, const T* params, const T* X,
                                std::uint64_t rows, T* out) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] {
      s->impl.forward(param_span(s, params), X, rows, out);
    });
  }

  template <class T>
  static descent_status backward(descent_model* p, const T* params, const T* X,
                                 std::uint64_t rows, const T* dout,
                                 T* grad) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] {
      const auto n = static_cast<std::size_t>(s->impl.param_count());
      s->impl.backward(param_span(s, params), X, rows, dout,
                       std::span<T>(grad, n));
    });
  }

  static constexpr auto forward_f32() {
    if constexpr (HasFloat32Path<Impl>)
      return &forward<float>;
    else
      return static_cast<decltype(&forward<float>)>(nullptr);
  }
  static constexpr auto backward_f32() {
    if constexpr (HasFloat32Path<Impl>)
      return &backward<float>;
    else
      return static_cast<decltype(&backward<float>)>(nullptr);
  }

  static const char* last_error(const descent_model* p) noexcept {
    return self(p)->last_error.c_str();
  }

 public:
  static constexpr descent_descriptor descriptor =
      make_descriptor(DESCENT_KIND_MODEL, Impl::info);

  static constexpr descent_model_api api{sizeof(descent_model_api),
                                         Impl::flags,
                                         &descriptor,
                                         &create,
                                         &destroy,
                                         &param_count,
                                         &init,
                                         &forward<double>,
                                         &backward<double>,
                                         &last_error,
                                         forward_f32(),
                                         backward_f32()};
};

}  // namespace descent::sdk

// Exports the library's entry for a single model class.
#define DESCENT_EXPORT_MODEL(Impl)                                            \
  namespace {                                                                 \
  const descent_optimizer_api* descent_sdk_optimizer(std::uint32_t) {         \
    return nullptr;                                                           \
  }                                                                           \
  const descent_model_api* descent_sdk_model(std::uint32_t i) {               \
    return i == 0 ? &::descent::sdk::ModelAdapter<Impl>::api : nullptr;       \
  }                                                                           \
  const descent_loss_api* descent_sdk_loss(std::uint32_t) { return nullptr; } \
  }                                                                           \
  DESCENT_DECLARE_ENTRY = {                                                   \
      DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),                 \
      &descent_sdk_optimizer, &descent_sdk_model, &descent_sdk_loss};
