// Test helper: open a built plugin by kind and name straight through the C
// ABI (no host registry involved), and make instances with hyperparameters
// given by name. Libraries stay loaded for the life of the test process.
#pragma once

#include <descent/abi/descent.h>
#include <descent/sdk/hparams.hpp>

#include <boost/dll/shared_library.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace descent::test {

inline const descent_plugin_entry& open_plugin(const std::string& kind,
                                               const std::string& name) {
  static std::map<std::string, boost::dll::shared_library> libraries;
  const std::string path = std::string(DESCENT_TEST_PLUGIN_DIR) + "/descent-" +
                           kind + "-" + name + ".so";
  auto it = libraries.find(path);
  if (it == libraries.end())
    it = libraries
             .emplace(path, boost::dll::shared_library(
                                path, boost::dll::load_mode::rtld_now |
                                          boost::dll::load_mode::rtld_local))
             .first;
  return it->second.get<const descent_plugin_entry>(DESCENT_ENTRY_SYMBOL);
}

inline const descent_optimizer_api& optimizer_api(const std::string& name) {
  return *open_plugin("optimizer", name).optimizer(0);
}
inline const descent_model_api& model_api(const std::string& name) {
  return *open_plugin("model", name).model(0);
}
inline const descent_loss_api& loss_api(const std::string& name) {
  return *open_plugin("loss", name).loss(0);
}

// Hyperparameter values for `desc`: the defaults, with `overrides` (name ->
// number, or name -> text for TEXT) applied. Unknown names throw.
struct Overrides {
  std::map<std::string, double> numbers = {};
  std::map<std::string, std::string> texts = {};
};

inline std::vector<descent_hparam_value> hparam_values(
    const descent_descriptor& desc, const Overrides& overrides = {}) {
  std::vector<descent_hparam_value> values;
  std::size_t used = 0;
  for (std::uint32_t i = 0; i < desc.hparam_count; ++i) {
    const descent_hparam_desc& h = desc.hparams[i];
    descent_hparam_value v = descent::sdk::default_value(h);
    if (auto n = overrides.numbers.find(h.name); n != overrides.numbers.end()) {
      v.number = n->second;
      ++used;
    }
    if (auto t = overrides.texts.find(h.name); t != overrides.texts.end()) {
      v.text = t->second.c_str();
      ++used;
    }
    values.push_back(v);
  }
  if (used != overrides.numbers.size() + overrides.texts.size())
    throw std::invalid_argument(std::string(desc.name) +
                                ": override names an undeclared hparam");
  return values;
}

// RAII owners for instances made through an api table.
struct OptimizerDeleter {
  const descent_optimizer_api* api;
  void operator()(descent_optimizer* p) const { api->destroy(p); }
};
using OptimizerPtr = std::unique_ptr<descent_optimizer, OptimizerDeleter>;

inline OptimizerPtr make_optimizer(const std::string& name,
                                   std::uint64_t n_params, descent_dtype dtype,
                                   const Overrides& overrides = {}) {
  const descent_optimizer_api& api = optimizer_api(name);
  const auto values = hparam_values(*api.descriptor, overrides);
  descent_optimizer* out = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (api.create(values.data(), static_cast<std::uint32_t>(values.size()),
                 n_params, dtype, &out, error) != DESCENT_OK)
    throw std::runtime_error(name + ": create failed: " + error);
  return OptimizerPtr(out, OptimizerDeleter{&api});
}

struct ModelDeleter {
  const descent_model_api* api;
  void operator()(descent_model* p) const { api->destroy(p); }
};
using ModelPtr = std::unique_ptr<descent_model, ModelDeleter>;

inline ModelPtr make_model(const std::string& name, std::uint64_t n_inputs,
                           std::uint64_t n_outputs,
                           const Overrides& overrides = {}) {
  const descent_model_api& api = model_api(name);
  const auto values = hparam_values(*api.descriptor, overrides);
  descent_model* out = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (api.create(values.data(), static_cast<std::uint32_t>(values.size()),
                 n_inputs, n_outputs, &out, error) != DESCENT_OK)
    throw std::runtime_error(name + ": create failed: " + error);
  return ModelPtr(out, ModelDeleter{&api});
}

struct LossDeleter {
  const descent_loss_api* api;
  void operator()(descent_loss* p) const { api->destroy(p); }
};
using LossPtr = std::unique_ptr<descent_loss, LossDeleter>;

inline LossPtr make_loss(const std::string& name,
                         const Overrides& overrides = {}) {
  const descent_loss_api& api = loss_api(name);
  const auto values = hparam_values(*api.descriptor, overrides);
  descent_loss* out = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (api.create(values.data(), static_cast<std::uint32_t>(values.size()), &out,
                 error) != DESCENT_OK)
    throw std::runtime_error(name + ": create failed: " + error);
  return LossPtr(out, LossDeleter{&api});
}

}  // namespace descent::test
