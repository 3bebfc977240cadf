// momentum — gradient descent with heavy-ball momentum: torch.optim.SGD
// with momentum 0.9 by default (PyTorch 1.13 semantics).
//
// Polyak, "Some methods of speeding up the convergence of iteration
// methods", USSR Comput. Math. & Math. Phys. 4(5), 1964; in the deep-learning
// form of Sutskever, Martens, Dahl & Hinton, "On the importance of
// initialization and momentum in deep learning", ICML 2013. Per element
// (the kernel, shared with sgd and nesterov, is common/torch_sgd.hpp):
//   g   <- g + weight_decay * w                  (after g <- -g to maximize)
//   buf <- g                                     (first step, t = 1)
//   buf <- momentum * buf + (1 - dampening) * g  (t > 1)
//   w   <- w - lr * buf
#include "torch_sgd.hpp"

#include <descent/sdk/optimizer.hpp>

#include <cstddef>

namespace {

namespace kernels = descent::kernels;
namespace sdk = descent::sdk;

template <class T>
class Momentum : public kernels::TorchSgd<T> {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-2),
      sdk::real("momentum", 0.9, 0.0, sdk::kBelowOne,
                "decay of the velocity buffer, in [0, 1)"),
      sdk::real("dampening", 0.0, 0.0, 1.0,
                "share of the gradient kept out of the buffer"),
      kernels::l2_weight_decay(),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "momentum", "1.1.0",
      "heavy-ball momentum, as torch.optim.SGD(momentum=...)",
      "Polyak 1964; Sutskever, Martens, Dahl & Hinton, ICML 2013", hparams};

  Momentum(const sdk::HParams& hp, std::size_t n)
      : kernels::TorchSgd<T>({.momentum = hp.real("momentum"),
                              .dampening = hp.real("dampening"),
                              .weight_decay = hp.real("weight_decay"),
                              .maximize = hp.flag("maximize")},
                             n) {}
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Momentum)
