// adam — bias-corrected running moments of the gradient, as
// torch.optim.Adam (PyTorch 1.13 semantics and defaults); weight decay is
// an L2 term in the gradient (adamw decouples it).
//
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
// Algorithm 1 with eps outside the bias-corrected root, as PyTorch has it;
// the amsgrad variant is Reddi, Kale & Kumar, ICLR 2018. Per step t and
// element (the kernel, shared with adamw and amsgrad, is
// common/adam_family.hpp):
//   g    <- g + weight_decay * w                 (after g <- -g to maximize)
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
class Adam : public kernels::AdamFamily<T> {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-3),
      kernels::beta1(),
      kernels::beta2(),
      kernels::eps(1e-8),
      kernels::l2_weight_decay(),
      sdk::flag("amsgrad", false,
                "divide by the running maximum of the second moment "
                "(Reddi et al. 2018)"),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "adam", "1.1.0", "bias-corrected adaptive moment estimation",
      "Kingma & Ba, ICLR 2015; Reddi, Kale & Kumar, ICLR 2018 (amsgrad)",
      hparams};

  Adam(const sdk::HParams& hp, std::size_t n)
      : kernels::AdamFamily<T>({.beta1 = hp.real("beta1"),
                                .beta2 = hp.real("beta2"),
                                .eps = hp.real("eps"),
                                .weight_decay = hp.real("weight_decay"),
                                .amsgrad = hp.flag("amsgrad"),
                                .maximize = hp.flag("maximize")},
                               n) {}
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Adam)
