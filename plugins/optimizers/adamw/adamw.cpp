// adamw — Adam with decoupled weight decay, as torch.optim.AdamW (PyTorch
// 1.13 semantics and defaults): the parameters shrink towards 0 by
// lr * weight_decay before the Adam step, instead of an L2 term entering the
// moments.
//
// Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
// Algorithm 2 with PyTorch's scaling of the decay by lr. Per step t and
// element (the kernel, shared with adam and amsgrad, is
// common/adam_family.hpp):
//   w    <- w * (1 - lr * weight_decay)          (g <- -g first to maximize)
//   m    <- beta1 * m + (1 - beta1) * g
//   v    <- beta2 * v + (1 - beta2) * g * g
//   vmax <- max(vmax, v)                         (amsgrad; used for v)
//   w    <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include "adam_family.hpp"

#include <descent/sdk/optimizer.hpp>

#include <cstddef>

namespace {

namespace kernels = descent::kernels;
namespace sdk = descent::sdk;

template <class T>
class AdamW : public kernels::AdamFamily<T> {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-3),
      kernels::beta1(),
      kernels::beta2(),
      kernels::eps(1e-8),
      sdk::real("weight_decay", 1e-2, 0.0, 1e3,
                "decoupled decay: w shrinks by lr * wd before each step"),
      sdk::flag("amsgrad", false,
                "divide by the running maximum of the second moment "
                "(Reddi et al. 2018)"),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "adamw", "1.0.0", "Adam with weight decay decoupled from the gradient",
      "Loshchilov & Hutter, ICLR 2019", hparams};

  AdamW(const sdk::HParams& hp, std::size_t n)
      : kernels::AdamFamily<T>({.beta1 = hp.real("beta1"),
                                .beta2 = hp.real("beta2"),
                                .eps = hp.real("eps"),
                                .weight_decay = hp.real("weight_decay"),
                                .decoupled_weight_decay = true,
                                .amsgrad = hp.flag("amsgrad"),
                                .maximize = hp.flag("maximize")},
                               n) {}
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(AdamW)
