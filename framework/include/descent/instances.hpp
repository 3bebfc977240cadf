// descent host — owning C++ handles for plugin instances.
//
// Each handle keeps its library loaded (it holds the component's library
// handle) and frees its instance with the same plugin's destroy(). A failed
// call becomes a RunError carrying the plugin's last_error text.
#pragma once

#include <descent/abi/descent.h>
#include <descent/registry.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace descent {

// Values for create(), with storage for TEXT values.
struct HParamValues {
  std::vector<descent_hparam_value> values;
  std::vector<std::string> texts;  // one per value; data() points in here

  // Re-points TEXT values at `texts` (call after copying or moving).
  void bind();
  std::uint32_t count() const {
    return static_cast<std::uint32_t>(values.size());
  }
};

// The declared defaults of a component.
HParamValues default_hparams(const descent_descriptor& descriptor);

class Optimizer {
 public:
  Optimizer(const Component& component, HParamValues hparams,
            std::uint64_t n_params, descent_dtype dtype);
  ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void step(std::span<double> params, std::span<const double> grads, double lr,
            std::uint64_t t);
  void step(std::span<float> params, std::span<const float> grads, double lr,
            std::uint64_t t);
  void reset();
  std::vector<unsigned char> save_state() const;
  void load_state(std::span<const unsigned char> blob);
  const Component& component() const { return component_; }

 private:
  [[noreturn]] void fail(const char* what, descent_status status) const;
  Component component_;
  descent_optimizer* instance_ = nullptr;
};

class Model {
 public:
  Model(const Component& component, const HParamValues& hparams,
        std::uint64_t n_inputs, std::uint64_t n_outputs);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  std::uint64_t param_count() const;
  bool analytic() const {
    return (component_.model->flags & DESCENT_MODEL_ANALYTIC) != 0;
  }
  void init(std::span<double> params, std::uint64_t seed);
  void forward(const double* params, const double* X, std::uint64_t rows,
               double* out);
  void backward(const double* params, const double* X, std::uint64_t rows,
                const double* dout, double* grad);
  // ABI 1.1: the float32 path, when the plugin has one.
  bool has_f32() const { return supports_f32(*component_.model); }
  void forward(const float* params, const float* X, std::uint64_t rows,
               float* out);
  void backward(const float* params, const float* X, std::uint64_t rows,
                const float* dout, float* grad);

  // True when a model plugin provides forward_f32/backward_f32 (ABI >= 1.1).
  static bool supports_f32(const descent_model_api& api) {
    return api.struct_size >= sizeof(descent_model_api) &&
           api.forward_f32 != nullptr && api.backward_f32 != nullptr;
  }

 private:
  [[noreturn]] void fail(const char* what, descent_status status) const;
  Component component_;
  descent_model* instance_ = nullptr;
};

class Loss {
 public:
  Loss(const Component& component, const HParamValues& hparams);
  ~Loss();
  Loss(const Loss&) = delete;
  Loss& operator=(const Loss&) = delete;

  bool class_targets() const {
    return (component_.loss->flags & DESCENT_LOSS_CLASS_TARGETS) != 0;
  }
  // scale * summed loss; fills dout (rows x cols) unless it is null.
  double value_and_grad(const double* outputs, const double* targets,
                        std::uint64_t rows, std::uint64_t cols, double scale,
                        double* dout);

 private:
  [[noreturn]] void fail(const char* what, descent_status status) const;
  Component component_;
  descent_loss* instance_ = nullptr;
};

}  // namespace descent
