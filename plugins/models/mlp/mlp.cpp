// mlp — multilayer perceptron: affine layers with a pointwise activation
// between them and an affine output layer (logits or regression outputs).
//
// Gradients by backpropagation (Rumelhart, Hinton & Williams, "Learning
// representations by back-propagating errors", Nature 1986). Initial
// weights: "he" draws normal(0, sqrt(2 / fan_in)) (He et al., "Delving Deep
// into Rectifiers", ICCV 2015); "glorot" draws uniform(+-sqrt(6 / (fan_in +
// fan_out))) (Glorot & Bengio, AISTATS 2010). Biases start at zero.
// Parameters: each layer's W (row-major, outputs x inputs) then b, from the
// input layer to the output layer.
#include "dense_layer.hpp"

#include <descent/sdk/model.hpp>
#include <descent/sdk/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace {

using descent::models::ConstMatrixView;
using descent::models::DenseLayer;
using descent::models::Index;
using descent::models::MatrixView;

constexpr const char* kActivations[] = {"relu", "tanh", "sigmoid"};
enum class Activation { relu, tanh, sigmoid };
constexpr const char* kInits[] = {"he", "glorot"};

Activation parse_activation(std::string_view name) {
  if (name == "tanh") return Activation::tanh;
  if (name == "sigmoid") return Activation::sigmoid;
  return Activation::relu;
}

// z <- act(z), in place on a layer's pre-activations.
template <class T>
void activate(Activation act, MatrixView<T> z) {
  auto a = z.array();
  switch (act) {
    case Activation::relu:
      a = a.max(T(0));
      break;
    case Activation::tanh:
      a = a.tanh();
      break;
    // exp(-z) may overflow to inf for very negative z; 1 / inf = 0 is right.
    case Activation::sigmoid:
      a = T(1) / (T(1) + (-a).exp());
      break;
  }
}

// delta <- delta * act'(z), with act' written in terms of a = act(z), the
// value cached by forward: relu' = [a > 0], tanh' = 1 - a^2,
// sigmoid' = a (1 - a).
template <class T>
void scale_by_derivative(Activation act, const ConstMatrixView<T>& a,
                         MatrixView<T> delta) {
  auto d = delta.array();
  const auto av = a.array();
  switch (act) {
    case Activation::relu:
      d = (av > T(0)).select(d, T(0));
      break;
    case Activation::tanh:
      d *= T(1) - av.square();
      break;
    case Activation::sigmoid:
      d *= av * (T(1) - av);
      break;
  }
}

// Grow-only buffers of one precision: the cached output of each hidden
// layer (read by backward) and two scratch deltas.
template <class T>
struct Workspace {
  std::vector<std::vector<T>> activations;  // one per hidden layer
  std::vector<T> scratch[2];
  Index capacity_rows = 0;
};

class Mlp {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::text("hidden", "128",
                         "hidden layer widths, comma-separated; \"\" = none"),
      descent::sdk::choice("activation", kActivations, 0,
                           "activation of the hidden layers"),
      descent::sdk::choice("init", kInits, 0,
                           "weight init: he (normal) or glorot (uniform)"),
  };
  static constexpr descent::sdk::Info info{
      "mlp", "1.0.0", "multilayer perceptron with an affine output layer",
      "Rumelhart, Hinton & Williams, Nature 1986; init: He et al. ICCV 2015, "
      "Glorot & Bengio AISTATS 2010",
      hparams};
  static constexpr std::uint32_t flags = 0;

  Mlp(const descent::sdk::HParams& hp, std::uint64_t n_inputs,
      std::uint64_t n_outputs)
      : activation_(parse_activation(hp.choice("activation"))),
        glorot_(hp.choice("init") == "glorot") {
    std::vector<Index> widths{
        descent::models::checked_extent(n_inputs, "n_inputs")};
    for (std::int64_t w :
         descent::sdk::parse_int_list(hp.text("hidden"), "hidden"))
      widths.push_back(descent::models::checked_extent(
          static_cast<std::uint64_t>(w), "hidden: each width"));
    widths.push_back(descent::models::checked_extent(n_outputs, "n_outputs"));
    build_layers(widths);
  }

  std::uint64_t param_count() const {
    return static_cast<std::uint64_t>(layers_.back().end());
  }

  void init(std::span<double> params, std::uint64_t seed) {
    std::fill(params.begin(), params.end(), 0.0);  // biases start at zero
    descent::sdk::RandomStream stream({seed});
    for (const DenseLayer& layer : layers_) init_weights(layer, params, stream);
  }

  // T = double or float (the ABI 1.1 float32 path).
  template <class T>
  void forward(std::span<const T> params, const T* X, std::uint64_t rows,
               T* out) {
    const Index n = descent::models::checked_rows(rows);
    descent::models::require_buffer(X, n, "X");
    descent::models::require_buffer(out, n, "out");
    Workspace<T>& ws = reserve_rows<T>(n);
    const std::size_t last = layers_.size() - 1;
    for (std::size_t l = 0; l < last; ++l) {
      MatrixView<T> a = activation_view(ws, l, n);
      layers_[l].forward(params.data(), layer_input(ws, l, X, n), a);
      activate(activation_, a);
    }
    layers_[last].forward(params.data(), layer_input(ws, last, X, n),
                          MatrixView<T>(out, n, layers_[last].outputs()));
  }

  // Walks the layers from the output back, turning d(loss)/d(layer output)
  // (`delta`) into the layer's parameter gradient and the previous layer's
  // delta. Two scratch buffers alternate so that source and destination of
  // `delta * W` never alias.
  template <class T>
  void backward(std::span<const T> params, const T* X, std::uint64_t rows,
                const T* dout, std::span<T> grad) {
    const Index n = descent::models::checked_rows(rows);
    descent::models::require_buffer(X, n, "X");
    descent::models::require_buffer(dout, n, "dout");
    Workspace<T>& ws = reserve_rows<T>(n);  // a no-op after forward
    const T* delta = dout;                  // d(loss)/d(output of layer l)
    for (std::size_t l = layers_.size(); l-- > 0;) {
      const DenseLayer& layer = layers_[l];
      const ConstMatrixView<T> delta_view(delta, n, layer.outputs());
      layer.backward_params(layer_input(ws, l, X, n), delta_view, grad.data());
      if (l == 0) break;
      MatrixView<T> previous(ws.scratch[l % 2].data(), n, layer.inputs());
      layer.backward_input(params.data(), delta_view, previous);
      scale_by_derivative(activation_, layer_input(ws, l, X, n), previous);
      delta = previous.data();
    }
  }

 private:
  void build_layers(const std::vector<Index>& widths) {
    Index offset = 0;
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
      layers_.emplace_back(widths[l], widths[l + 1], true, offset);
      offset = layers_.back().end();
      if (offset > static_cast<Index>(descent::models::kMaxExtent))
        throw descent::sdk::invalid_argument(
            "hidden: the network would have more than " +
            std::to_string(descent::models::kMaxExtent) + " parameters");
    }
  }

  void init_weights(const DenseLayer& layer, std::span<double> params,
                    descent::sdk::RandomStream& stream) const {
    const auto fan_in = static_cast<double>(layer.inputs());
    const auto fan_out = static_cast<double>(layer.outputs());
    auto weights = layer.weights(params.data());
    if (glorot_) {
      const double limit = std::sqrt(6.0 / (fan_in + fan_out));
      for (Index i = 0; i < weights.size(); ++i)
        weights.data()[i] = limit * (2.0 * stream.uniform() - 1.0);
    } else {
      const double stddev = std::sqrt(2.0 / fan_in);
      for (Index i = 0; i < weights.size(); ++i)
        weights.data()[i] = stddev * stream.normal();
    }
  }

  // The workspace of precision T, grown for `rows` (a steady batch size
  // never reallocates).
  template <class T>
  Workspace<T>& reserve_rows(Index rows) {
    auto& ws = std::get<Workspace<T>>(workspaces_);
    if (rows <= ws.capacity_rows) return ws;
    ws.activations.resize(layers_.size() - 1);
    Index widest = 0;
    for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
      ws.activations[l].resize(
          static_cast<std::size_t>(rows * layers_[l].outputs()));
      widest = std::max(widest, layers_[l].outputs());
    }
    for (auto& buffer : ws.scratch)
      buffer.resize(static_cast<std::size_t>(rows * widest));
    ws.capacity_rows = rows;
    return ws;
  }

  // Cached output of hidden layer l (rows x its width), filled by forward.
  template <class T>
  MatrixView<T> activation_view(Workspace<T>& ws, std::size_t l,
                                Index rows) const {
    return {ws.activations[l].data(), rows, layers_[l].outputs()};
  }
  // What layer l saw as input in the last forward: X or a hidden output.
  template <class T>
  ConstMatrixView<T> layer_input(const Workspace<T>& ws, std::size_t l,
                                 const T* X, Index rows) const {
    if (l == 0) return {X, rows, layers_[0].inputs()};
    return {ws.activations[l - 1].data(), rows, layers_[l].inputs()};
  }

  Activation activation_;
  bool glorot_;
  std::vector<DenseLayer> layers_;
  std::tuple<Workspace<double>, Workspace<float>> workspaces_;
};

}  // namespace

DESCENT_EXPORT_MODEL(Mlp)
