// mse — mean squared error: per row, the mean over columns of (o - t)^2.
//
// With scale = 1/rows the value equals torch.nn.MSELoss(reduction='mean')
// (PyTorch docs, torch.nn.MSELoss): the mean over all rows x cols entries.
// The gradient is scale * 2 (o - t) / cols.
#include <descent/sdk/loss.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <span>
#include <string>

namespace {

using RowMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class Mse {
 public:
  static constexpr descent::sdk::Info info{
      "mse",
      "1.0.0",
      "mean squared error, averaged over the columns of a row",
      "Gauss 1809 (least squares); matches torch.nn.MSELoss(reduction='mean')",
      {}};
  static constexpr std::uint32_t flags = 0;

  explicit Mse(const descent::sdk::HParams& /*hp*/) {}

  double value_and_grad(const double* outputs, const double* targets,
                        std::uint64_t rows, std::uint64_t cols, double scale,
                        double* dout) {
    if (cols == 0) throw descent::sdk::invalid_argument("cols must be >= 1");
    if (rows == 0) return 0.0;
    if (outputs == nullptr || targets == nullptr)
      throw descent::sdk::invalid_argument("outputs or targets is NULL");
    const auto n = static_cast<Eigen::Index>(rows);
    const auto m = static_cast<Eigen::Index>(cols);
    const Eigen::Map<const RowMatrix> o(outputs, n, m);
    const Eigen::Map<const RowMatrix> t(targets, n, m);
    const double per_entry = scale / static_cast<double>(cols);
    if (dout != nullptr)
      Eigen::Map<RowMatrix>(dout, n, m) = (2.0 * per_entry) * (o - t);
    return per_entry * (o - t).squaredNorm();
  }
};

}  // namespace

DESCENT_EXPORT_LOSS(Mse)
