// amsgrad — Adam that divides by the running maximum of its second moment,
// so the effective step size never grows: torch.optim.Adam(amsgrad=True)
// (PyTorch 1.13 semantics and defaults) as a preset of its own, like
// ensmallen's `using AMSGrad = AdamType<AMSGradUpdate>`.
//
// Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018,
// with Adam's bias corrections as PyTorch keeps them. Per step t and element
// (the kernel, shared with adam and adamw, is common/adam_family.hpp):
//   g    <- g + weight_decay * w                 (after g <- -g to maximize)
//   m    <- beta1 * m + (1 - beta1) * g
//   v    <- beta2 * v + (1 - beta2) * g * g
//   vmax <- max(vmax, v)
//   w    <- w - lr / (1 - beta1^t) * m / (sqrt(vmax) / sqrt(1 - beta2^t) + eps)
#include "adam_family.hpp"

#include <descent/sdk/optimizer.hpp>

#include <cstddef>

namespace {

namespace kernels = descent::kernels;
namespace sdk = descent::sdk;

template <class T>
class AmsGrad : public kernels::AdamFamily<T> {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-3), kernels::beta1(),           kernels::beta2(),
      kernels::eps(1e-8),       kernels::l2_weight_decay(), kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "amsgrad", "1.0.0",
      "Adam dividing by the running maximum of the second moment",
      "Reddi, Kale & Kumar, ICLR 2018", hparams};

  AmsGrad(const sdk::HParams& hp, std::size_t n)
      : kernels::AdamFamily<T>({.beta1 = hp.real("beta1"),
                                .beta2 = hp.real("beta2"),
                                .eps = hp.real("eps"),
                                .weight_decay = hp.real("weight_decay"),
                                .amsgrad = true,
                                .maximize = hp.flag("maximize")},
                               n) {}
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(AmsGrad)
