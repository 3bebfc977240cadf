// linear — least-squares linear regression, out = X W^T + b.
//
// The ordinary least-squares model of Legendre (1805) and Gauss (1809);
// paired with the `mse` loss its objective is convex with the normal
// equations as optimum, which makes it the baseline problem for comparing
// step sizes. Parameters: W (n_outputs x n_inputs, row-major), then b.
#include "affine_model.hpp"

#include <descent/sdk/model.hpp>

namespace {

class Linear : public descent::models::AffineModel {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::real("init_scale", 0.0, 0.0, 1e3,
                         "std of the normal initial weights; 0 = all zeros"),
      descent::sdk::flag("bias", true, "learn an intercept b"),
  };
  static constexpr descent::sdk::Info info{
      "linear", "1.0.0", "linear regression, out = X W^T + b",
      "Legendre 1805 / Gauss 1809, method of least squares", hparams};
  static constexpr std::uint32_t flags = 0;

  using AffineModel::AffineModel;
};

}  // namespace

DESCENT_EXPORT_MODEL(Linear)
