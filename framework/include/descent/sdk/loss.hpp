// descent SDK — write a loss as one class, get the C ABI.
//
//   class Mse {
//    public:
//     static constexpr descent_hparam_desc hparams[] = {...};  // may be empty
//     static constexpr descent::sdk::Info info{"mse", "1.0.0", "...", "",
//                                              hparams};
//     static constexpr std::uint32_t flags = 0;  // or CLASS_TARGETS
//     explicit Mse(const descent::sdk::HParams& hp);
//     // returns scale * sum of row losses; fills dout when not null
//     double value_and_grad(const double* outputs, const double* targets,
//                           std::uint64_t rows, std::uint64_t cols,
//                           double scale, double* dout);
//   };
//   DESCENT_EXPORT_LOSS(Mse)
#pragma once

#include <descent/abi/entry.h>
#include <descent/sdk/component.hpp>
#include <descent/sdk/error.hpp>
#include <descent/sdk/hparams.hpp>

#include <memory>
#include <string>

namespace descent::sdk {

template <class Impl>
class LossAdapter {
  struct Instance {
    explicit Instance(const HParams& hp) : impl(hp) {}
    Impl impl;
    std::string last_error;
  };
  static Instance* self(descent_loss* p) {
    return reinterpret_cast<Instance*>(p);
  }

  static descent_status create(const descent_hparam_value* values,
                               std::uint32_t count, descent_loss** out,
                               char* error) noexcept {
    if (out != nullptr) *out = nullptr;
    return guarded_create(error, [&] {
      if (out == nullptr) throw invalid_argument("create: out is NULL");
      const HParams hp(Impl::info.hparams, values, count);
      *out = reinterpret_cast<descent_loss*>(new Instance(hp));
    });
  }

  static void destroy(descent_loss* p) noexcept { delete self(p); }

  static descent_status value_and_grad(descent_loss* p, const double* outputs,
                                       const double* targets,
                                       std::uint64_t rows, std::uint64_t cols,
                                       double scale, double* value,
                                       double* dout) noexcept {
    Instance* s = self(p);
    return guarded(s->last_error, [&] {
      if (value == nullptr) throw invalid_argument("value is NULL");
      *value =
          s->impl.value_and_grad(outputs, targets, rows, cols, scale, dout);
    });
  }

  static const char* last_error(const descent_loss* p) noexcept {
    return reinterpret_cast<const Instance*>(p)->last_error.c_str();
  }

 public:
  static constexpr descent_descriptor descriptor =
      make_descriptor(DESCENT_KIND_LOSS, Impl::info);

  static constexpr descent_loss_api api{
      sizeof(descent_loss_api), Impl::flags, &descriptor, &create, &destroy,
      &value_and_grad,          &last_error};
};

}  // namespace descent::sdk

// Exports the library's entry for a single loss class.
#define DESCENT_EXPORT_LOSS(Impl)                                      \
  namespace {                                                          \
  const descent_optimizer_api* descent_sdk_optimizer(std::uint32_t) {  \
    return nullptr;                                                    \
  }                                                                    \
  const descent_model_api* descent_sdk_model(std::uint32_t) {          \
    return nullptr;                                                    \
  }                                                                    \
  const descent_loss_api* descent_sdk_loss(std::uint32_t i) {          \
    return i == 0 ? &::descent::sdk::LossAdapter<Impl>::api : nullptr; \
  }                                                                    \
  }                                                                    \
  DESCENT_DECLARE_ENTRY = {                                            \
      DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),          \
      &descent_sdk_optimizer, &descent_sdk_model, &descent_sdk_loss};
