// Hyperparameter declarations shared by the torch.optim-style optimizer
// plugins, so that a key means the same thing, with the same bounds and
// doc, in every plugin that declares it.
#pragma once

#include <descent/sdk/hparams.hpp>

namespace descent::kernels {

// torch.optim's `weight_decay` in all but AdamW: an L2 term in g.
constexpr descent_hparam_desc l2_weight_decay() {
  return sdk::real("weight_decay", 0.0, 0.0, 1e3,
                   "L2 penalty added to the gradient: g + wd * w");
}

// torch.optim's `maximize`: g is negated before anything else uses it.
constexpr descent_hparam_desc maximize() {
  return sdk::flag("maximize", false,
                   "ascend the objective: the gradient is negated first");
}

constexpr descent_hparam_desc beta1(double default_value = 0.9) {
  return sdk::real("beta1", default_value, 0.0, sdk::kBelowOne,
                   "decay of the running mean of g, in [0, 1)");
}

constexpr descent_hparam_desc beta2(double default_value = 0.999) {
  return sdk::real("beta2", default_value, 0.0, sdk::kBelowOne,
                   "decay of the running mean of g * g, in [0, 1)");
}

constexpr descent_hparam_desc eps(double default_value) {
  return sdk::real("eps", default_value, 0.0, 1.0,
                   "added to the denominator so the division is safe");
}

// Multiplying g by this applies `maximize` exactly (a sign flip rounds
// nothing).
template <class T>
constexpr T gradient_sign(bool maximize) {
  return maximize ? T(-1) : T(1);
}

}  // namespace descent::kernels
