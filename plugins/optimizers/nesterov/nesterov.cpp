// nesterov — Nesterov's accelerated gradient in the momentum form of
// torch.optim.SGD(nesterov=True) (PyTorch 1.13 semantics and defaults).
//
// Nesterov, "A method of solving a convex programming problem with
// convergence rate O(1/k^2)", Soviet Math. Doklady 27, 1983; rewritten as a
// momentum method by Sutskever, Martens, Dahl & Hinton, "On the importance
// of initialization and momentum in deep learning", ICML 2013. PyTorch
// evaluates the look-ahead without a second gradient call. Per element (the
// kernel, shared with sgd and momentum, is common/torch_sgd.hpp):
//   g   <- g + weight_decay * w        (after g <- -g to maximize)
//   buf <- g                           (first step, t = 1)
//   buf <- momentum * buf + g          (t > 1; PyTorch forbids dampening)
//   w   <- w - lr * (g + momentum * buf)
#include "torch_sgd.hpp"

#include <descent/sdk/optimizer.hpp>

#include <cstddef>

namespace {

namespace kernels = descent::kernels;
namespace sdk = descent::sdk;

template <class T>
class Nesterov : public kernels::TorchSgd<T> {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-2),
      sdk::real("momentum", 0.9, sdk::kAboveZero, sdk::kBelowOne,
                "decay of the velocity buffer, in (0, 1)"),
      kernels::l2_weight_decay(),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "nesterov", "1.1.0",
      "Nesterov momentum, as torch.optim.SGD(nesterov=True)",
      "Nesterov 1983; Sutskever, Martens, Dahl & Hinton, ICML 2013", hparams};

  Nesterov(const sdk::HParams& hp, std::size_t n)
      : kernels::TorchSgd<T>({.momentum = hp.real("momentum"),
                              .weight_decay = hp.real("weight_decay"),
                              .nesterov = true,
                              .maximize = hp.flag("maximize")},
                             n) {}
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Nesterov)
