// abi_momentum — heavy-ball momentum written with the C++ SDK, built several
// times by the ABI stability tests: with g++ (the reference), with clang++,
// and with g++ and -D_GLIBCXX_USE_CXX11_ABI=0. Every build has the same
// component name, so their state blobs are interchangeable and their numbers
// must agree exactly (all builds use -ffp-contract=off).
//
//   v <- beta * v + g;   w <- w - lr * v
//
// The state (the velocity) and every error message live in C++ types
// (std::vector, std::string) inside the plugin; only C types cross the ABI.
#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

namespace sdk = descent::sdk;

template <class T>
class AbiMomentum {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-2),
      sdk::real("beta", 0.9, 0.0, sdk::kBelowOne,
                "decay of the velocity, in [0, 1)"),
  };
  static constexpr sdk::Info info{
      "abi_momentum", "1.0.0",
      "heavy-ball momentum built by several compilers (ABI test plugin)",
      "Polyak 1964", hparams};

  AbiMomentum(const sdk::HParams& hp, std::size_t n)
      : beta_(static_cast<T>(hp.real("beta"))), velocity_(n, T(0)) {}

  void step(std::span<T> w, std::span<const T> g, double lr, std::uint64_t) {
    const auto rate = static_cast<T>(lr);
    for (std::size_t i = 0; i < w.size(); ++i) {
      velocity_[i] = beta_ * velocity_[i] + g[i];
      w[i] -= rate * velocity_[i];
    }
  }

  auto state() { return std::array<std::span<T>, 1>{std::span<T>(velocity_)}; }

 private:
  T beta_;
  std::vector<T> velocity_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(AbiMomentum)
