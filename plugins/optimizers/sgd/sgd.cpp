// sgd — torch.optim.SGD (PyTorch 1.13 semantics and defaults): plain
// gradient descent, w <- w - lr * g, with optional momentum, dampening,
// Nesterov look-ahead, L2 weight decay and maximize.
//
// Robbins & Monro, "A Stochastic Approximation Method", Ann. Math. Statist.
// 1951; the momentum forms are described in common/torch_sgd.hpp, which
// holds the update rule shared with the momentum and nesterov plugins:
//   g <- g + weight_decay * w;  buf <- momentum * buf + (1 - dampening) * g
//   w <- w - lr * (nesterov ? g + momentum * buf : buf)   (momentum > 0)
//   w <- w - lr * g                                       (momentum = 0)
// This file shows how small a plugin is once its kernel exists.
#include "torch_sgd.hpp"

#include <descent/sdk/optimizer.hpp>

#include <cstddef>

namespace {

namespace kernels = descent::kernels;
namespace sdk = descent::sdk;

template <class T>
class Sgd : public kernels::TorchSgd<T> {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-2),
      sdk::real("momentum", 0.0, 0.0, sdk::kBelowOne,
                "decay of the velocity buffer, in [0, 1); 0 = none"),
      sdk::real("dampening", 0.0, 0.0, 1.0,
                "share of the gradient kept out of the buffer"),
      kernels::l2_weight_decay(),
      sdk::flag("nesterov", false,
                "Nesterov look-ahead; needs momentum > 0 and dampening = 0"),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "sgd", "1.1.0",
      "gradient descent, w -= lr * g, as torch.optim.SGD (momentum optional)",
      "Robbins & Monro, Ann. Math. Statist. 1951", hparams};

  Sgd(const sdk::HParams& hp, std::size_t n)
      : kernels::TorchSgd<T>({.momentum = hp.real("momentum"),
                              .dampening = hp.real("dampening"),
                              .weight_decay = hp.real("weight_decay"),
                              .nesterov = hp.flag("nesterov"),
                              .maximize = hp.flag("maximize")},
                             n) {}
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Sgd)
