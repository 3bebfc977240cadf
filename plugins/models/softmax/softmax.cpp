// softmax — multinomial logistic regression: logits = X W^T + b.
//
// Cox, "The regression analysis of binary sequences", JRSS B 1958, in its
// multinomial form. The outputs are logits; the `cross_entropy` loss applies
// the (numerically stable) log-softmax, so the model itself stays affine.
// Parameters: W (n_outputs x n_inputs, row-major), then b.
#include "affine_model.hpp"

#include <descent/sdk/model.hpp>

namespace {

class Softmax : public descent::models::AffineModel {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::real("init_scale", 0.01, 0.0, 1e3,
                         "std of the normal initial weights; 0 = all zeros"),
      descent::sdk::flag("bias", true, "learn a per-class bias b"),
  };
  static constexpr descent::sdk::Info info{
      "softmax", "1.0.0",
      "multinomial logistic regression; outputs logits X W^T + b",
      "Cox, J. R. Stat. Soc. B 1958 (logistic regression)", hparams};
  static constexpr std::uint32_t flags = 0;

  using AffineModel::AffineModel;
};

}  // namespace

DESCENT_EXPORT_MODEL(Softmax)
