// cross_entropy — softmax cross-entropy on logits with class-index targets.
//
// Per row: logsumexp(o) - o[target], the negative log-likelihood of the
// multinomial logistic model (Bishop, "Pattern Recognition and Machine
// Learning", 2006, sec. 4.3.4); with scale = 1/rows it equals
// torch.nn.CrossEntropyLoss(reduction='mean'). logsumexp subtracts the row
// maximum first, so logits like +-1000 neither overflow nor give NaN. The
// gradient is scale * (softmax(o) - onehot(target)).
#include <descent/sdk/loss.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <string>

namespace {

using ConstRowView = Eigen::Map<const Eigen::RowVectorXd>;
using RowView = Eigen::Map<Eigen::RowVectorXd>;

// The class index stored in `target`, or invalid_argument naming the row.
Eigen::Index class_index(double target, std::uint64_t row, std::uint64_t cols) {
  const bool valid = std::isfinite(target) && target == std::floor(target) &&
                     target >= 0.0 && target < static_cast<double>(cols);
  if (!valid)
    throw descent::sdk::invalid_argument(
        "row " + std::to_string(row) + ": target " + std::to_string(target) +
        " is not a class index in [0, " + std::to_string(cols) + ")");
  return static_cast<Eigen::Index>(target);
}

// log(sum(exp(o))) computed as max + log(sum(exp(o - max))): every exp
// argument is <= 0 and the largest term is exactly 1.
double log_sum_exp(const ConstRowView& logits) {
  const double top = logits.maxCoeff();
  return top + std::log((logits.array() - top).exp().sum());
}

class CrossEntropy {
 public:
  static constexpr descent::sdk::Info info{
      "cross_entropy",
      "1.0.0",
      "softmax cross-entropy on logits; targets are class indices",
      "Bishop, PRML 2006, sec. 4.3.4; matches torch.nn.CrossEntropyLoss",
      {}};
  static constexpr std::uint32_t flags = DESCENT_LOSS_CLASS_TARGETS;

  explicit CrossEntropy(const descent::sdk::HParams& /*hp*/) {}

  double value_and_grad(const double* outputs, const double* targets,
                        std::uint64_t rows, std::uint64_t cols, double scale,
                        double* dout) {
    if (cols == 0) throw descent::sdk::invalid_argument("cols must be >= 1");
    if (rows == 0) return 0.0;
    if (outputs == nullptr || targets == nullptr)
      throw descent::sdk::invalid_argument("outputs or targets is NULL");
    // Check every target before writing anything, so a bad batch leaves
    // dout untouched.
    for (std::uint64_t r = 0; r < rows; ++r) class_index(targets[r], r, cols);
    const auto classes = static_cast<Eigen::Index>(cols);
    double total = 0.0;
    for (std::uint64_t r = 0; r < rows; ++r)
      total += row_loss(ConstRowView(outputs + r * cols, classes),
                        class_index(targets[r], r, cols), scale,
                        dout == nullptr ? nullptr : dout + r * cols);
    return scale * total;
  }

 private:
  // The unscaled loss of one row; writes the row's scaled gradient if asked.
  // With a gradient, exp(logit - max) is computed once, into the gradient
  // row, and serves both the log-sum-exp and the softmax.
  static double row_loss(const ConstRowView& logits, Eigen::Index label,
                         double scale, double* drow) {
    if (drow == nullptr) return log_sum_exp(logits) - logits[label];
    RowView grad(drow, logits.size());
    const double top = logits.maxCoeff();
    grad = (logits.array() - top).exp();
    const double sum = grad.sum();
    grad *= scale / sum;  // scale * softmax
    grad[label] -= scale;
    return top + std::log(sum) - logits[label];
  }
};

}  // namespace

DESCENT_EXPORT_LOSS(CrossEntropy)
