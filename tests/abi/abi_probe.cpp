// abi_probe — a minimal descent host that knows only the C ABI headers and
// dlopen: no SDK, no Boost, no host library. The ABI stability tests build
// it twice, with g++ (the normal build) and with clang++ (tests/abi/clang/),
// and run both over the same plugins; since every number is computed inside
// the plugins, the two reports must be byte-identical.
//
//   abi_probe PATH...   PATH is a plugin file or a folder (its *.so, by name)
//
// For every component of every library it prints one block to stdout:
//   optimizer: f64 and f32 runs of 10 steps on a fixed quadratic, the state
//     blob saved after step 5 (size and FNV-1a hash), and a replay check:
//     a fresh instance loaded from that blob must reproduce steps 6..10 bit
//     for bit; reset must reproduce steps 1..5; a wrong `n` must give
//     INVALID_ARGUMENT with a non-empty last_error; a NaN gradient must give
//     NON_FINITE.
//   model: param_count, seeded init, forward and backward (hashes + values).
//   loss: value and gradient.
//   (A model or loss may refuse the probe's sizes with a message.)
// Floating-point values are printed as hex floats (%a), so equal text means
// equal bits. File names are not printed: builds of one source found in
// different folders give the same report. Exit 0 when every call behaved,
// 1 otherwise (the reason on stderr), 2 for bad usage.
#include <descent/abi/descent.h>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

int failures = 0;

void fail(const std::string& where, const std::string& what) {
  std::fprintf(stderr, "abi_probe: FAIL %s: %s\n", where.c_str(), what.c_str());
  ++failures;
}

std::uint64_t fnv1a64(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

template <class T>
std::uint64_t hash_of(const std::vector<T>& v) {
  return fnv1a64(v.data(), v.size() * sizeof(T));
}

template <class T>
void print_values(const char* label, const std::vector<T>& v,
                  std::size_t limit = 8) {
  std::printf("  %s[%zu] hash=%016llx", label, v.size(),
              static_cast<unsigned long long>(hash_of(v)));
  for (std::size_t i = 0; i < v.size() && i < limit; ++i)
    std::printf(" %a", static_cast<double>(v[i]));
  std::printf("\n");
}

// The declared defaults, as the host would pass them.
std::vector<descent_hparam_value> defaults(const descent_descriptor& d) {
  std::vector<descent_hparam_value> values;
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    const descent_hparam_desc& h = d.hparams[i];
    values.push_back({h.default_value, h.type == DESCENT_HPARAM_TEXT
                                           ? h.default_text
                                           : nullptr});
  }
  return values;
}

// ---- optimizers -------------------------------------------------------------

template <class T>
struct StepFn;
template <>
struct StepFn<float> {
  static constexpr descent_dtype dtype = DESCENT_DTYPE_F32;
  static constexpr const char* name = "f32";
  static descent_status call(const descent_optimizer_api& api,
                             descent_optimizer* o, float* w, const float* g,
                             std::uint64_t n, double lr, std::uint64_t t) {
    return api.step_f32(o, w, g, n, lr, t);
  }
};
template <>
struct StepFn<double> {
  static constexpr descent_dtype dtype = DESCENT_DTYPE_F64;
  static constexpr const char* name = "f64";
  static descent_status call(const descent_optimizer_api& api,
                             descent_optimizer* o, double* w, const double* g,
                             std::uint64_t n, double lr, std::uint64_t t) {
    return api.step_f64(o, w, g, n, lr, t);
  }
};

constexpr std::uint64_t kParams = 7;

// Steps `first`..`last` on f(w) = sum_i (1 + i/2) (w_i - i/10)^2 / 2.
template <class T>
bool run_steps(const descent_optimizer_api& api, descent_optimizer* o,
               std::vector<T>& w, double lr, std::uint64_t first,
               std::uint64_t last, const std::string& where) {
  std::vector<T> g(w.size());
  for (std::uint64_t t = first; t <= last; ++t) {
    for (std::size_t i = 0; i < w.size(); ++i)
      g[i] = (w[i] - static_cast<T>(0.1 * static_cast<double>(i))) *
             static_cast<T>(1.0 + 0.5 * static_cast<double>(i));
    const descent_status s =
        StepFn<T>::call(api, o, w.data(), g.data(), w.size(), lr, t);
    if (s != DESCENT_OK) {
      fail(where, "step " + std::to_string(t) + " returned " +
                      std::to_string(s) + ": " + api.last_error(o));
      return false;
    }
  }
  return true;
}

struct Instance {
  const descent_optimizer_api& api;
  descent_optimizer* self = nullptr;
  Instance(const descent_optimizer_api& a, descent_dtype dtype,
           const std::string& where)
      : api(a) {
    const auto values = defaults(*api.descriptor);
    char error[DESCENT_ERROR_CAPACITY] = {};
    const descent_status s =
        api.create(values.data(), static_cast<std::uint32_t>(values.size()),
                   kParams, dtype, &self, error);
    if (s != DESCENT_OK || self == nullptr) {
      fail(where, std::string("create failed: ") + error);
      self = nullptr;
    }
  }
  ~Instance() { api.destroy(self); }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
};

template <class T>
void probe_optimizer_dtype(const descent_optimizer_api& api,
                           const std::string& name) {
  const std::string where = name + " " + StepFn<T>::name;
  const double lr = api.descriptor->hparams[0].default_value;
  std::vector<T> w0(kParams);
  for (std::size_t i = 0; i < w0.size(); ++i)
    w0[i] = static_cast<T>(0.25 * static_cast<double>(i + 1) - 1.0);

  Instance a(api, StepFn<T>::dtype, where);
  if (a.self == nullptr) return;
  std::vector<T> w = w0;
  if (!run_steps(api, a.self, w, lr, 1, 5, where)) return;
  const std::vector<T> w5 = w;
  std::vector<unsigned char> blob(api.state_size(a.self));
  std::uint64_t written = 0;
  if (api.state_save(a.self, blob.data(), blob.size(), &written) !=
          DESCENT_OK ||
      written != blob.size()) {
    fail(where, std::string("state_save: ") + api.last_error(a.self));
    return;
  }
  if (!run_steps(api, a.self, w, lr, 6, 10, where)) return;
  std::printf(" %s lr=%a\n", StepFn<T>::name, lr);
  print_values("w5", w5);
  print_values("w10", w);
  std::printf(
      "  state bytes=%zu hash=%016llx\n", blob.size(),
      static_cast<unsigned long long>(fnv1a64(blob.data(), blob.size())));

  // A fresh instance loaded from the blob replays steps 6..10 exactly.
  Instance b(api, StepFn<T>::dtype, where);
  if (b.self == nullptr) return;
  if (api.state_load(b.self, blob.data(), blob.size()) != DESCENT_OK) {
    fail(where, std::string("state_load: ") + api.last_error(b.self));
    return;
  }
  std::vector<T> replay = w5;
  if (!run_steps(api, b.self, replay, lr, 6, 10, where)) return;
  if (std::memcmp(replay.data(), w.data(), w.size() * sizeof(T)) != 0)
    fail(where, "steps 6..10 after state_load differ from the original run");

  // reset forgets everything: steps 1..5 again give w5.
  if (api.reset(a.self) != DESCENT_OK) fail(where, "reset failed");
  std::vector<T> again = w0;
  if (run_steps(api, a.self, again, lr, 1, 5, where) &&
      std::memcmp(again.data(), w5.data(), w5.size() * sizeof(T)) != 0)
    fail(where, "steps 1..5 after reset differ from a fresh instance");

  // Errors come back as status codes with a message, never as a crash.
  std::vector<T> g(kParams, T(0));
  const descent_status wrong_n =
      StepFn<T>::call(api, a.self, w.data(), g.data(), kParams - 1, lr, 11);
  const std::string message = api.last_error(a.self);
  if (wrong_n != DESCENT_ERROR_INVALID_ARGUMENT || message.empty())
    fail(where, "a wrong n gave status " + std::to_string(wrong_n) +
                    " and message '" + message + "'");
  std::printf("  wrong-n error: %s\n", message.c_str());
  g[3] = std::numeric_limits<T>::quiet_NaN();
  const descent_status nan =
      StepFn<T>::call(api, a.self, w.data(), g.data(), kParams, lr, 11);
  if (nan != DESCENT_ERROR_NON_FINITE)
    fail(where, "a NaN gradient gave status " + std::to_string(nan));
}

void probe_optimizer(const descent_optimizer_api& api) {
  const std::string name = api.descriptor->name;
  std::printf("optimizer %s hparams=%u\n", name.c_str(),
              api.descriptor->hparam_count);
  if (api.descriptor->hparam_count == 0) {
    fail(name, "an optimizer declares lr first");
    return;
  }
  probe_optimizer_dtype<double>(api, name);
  probe_optimizer_dtype<float>(api, name);

  // create() reports a bad call through its error buffer.
  descent_optimizer* out = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (api.create(nullptr, 0, kParams, DESCENT_DTYPE_F64, &out, error) ==
          DESCENT_OK ||
      out != nullptr || error[0] == '\0') {
    api.destroy(out);
    fail(name, "create() with no hyperparameters did not fail with a message");
  }
}

// ---- models and losses
// --------------------------------------------------------

// A model or loss may refuse the probe's sizes (say, a model with one
// output): fine, if it says why and makes nothing.
template <class Instance>
void refused(const std::string& name, const Instance* made, const char* error) {
  std::printf("  create refused: %s\n", error);
  if (made != nullptr || error[0] == '\0')
    fail(name, "create failed without a message or left an instance");
}

void probe_model(const descent_model_api& api) {
  const std::string name = api.descriptor->name;
  const bool analytic = (api.flags & DESCENT_MODEL_ANALYTIC) != 0;
  const std::uint64_t n_in = analytic ? 0 : 3;
  const std::uint64_t n_out = analytic ? 1 : 2;
  const std::uint64_t rows = analytic ? 1 : 4;
  std::printf("model %s flags=%u\n", name.c_str(), api.flags);
  const auto values = defaults(*api.descriptor);
  descent_model* m = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (api.create(values.data(), static_cast<std::uint32_t>(values.size()), n_in,
                 n_out, &m, error) != DESCENT_OK) {
    refused(name, m, error);
    return;
  }
  std::vector<double> params(api.param_count(m));
  std::vector<double> x(rows * n_in);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = 0.5 - 0.125 * static_cast<double>(i % 9);
  std::vector<double> out(rows * n_out);
  std::vector<double> dout(rows * n_out, 0.5);
  std::vector<double> grad(params.size());
  const double* xp = analytic ? nullptr : x.data();
  if (api.init(m, params.data(), params.size(), 42) != DESCENT_OK ||
      api.forward(m, params.data(), xp, rows, out.data()) != DESCENT_OK ||
      api.backward(m, params.data(), xp, rows, dout.data(), grad.data()) !=
          DESCENT_OK)
    fail(name, std::string("init/forward/backward: ") + api.last_error(m));
  print_values("params", params);
  print_values("out", out);
  print_values("grad", grad);
  api.destroy(m);
}

void probe_loss(const descent_loss_api& api) {
  const std::string name = api.descriptor->name;
  constexpr std::uint64_t rows = 4;
  constexpr std::uint64_t cols = 3;
  std::printf("loss %s flags=%u\n", name.c_str(), api.flags);
  const auto values = defaults(*api.descriptor);
  descent_loss* l = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (api.create(values.data(), static_cast<std::uint32_t>(values.size()), &l,
                 error) != DESCENT_OK) {
    refused(name, l, error);
    return;
  }
  const bool classes = (api.flags & DESCENT_LOSS_CLASS_TARGETS) != 0;
  std::vector<double> outputs(rows * cols);
  for (std::size_t i = 0; i < outputs.size(); ++i)
    outputs[i] = 0.3 * static_cast<double>(i % 5) - 0.4;
  std::vector<double> targets(classes ? rows : rows * cols);
  for (std::size_t i = 0; i < targets.size(); ++i)
    targets[i] = classes ? static_cast<double>(i % cols)
                         : 0.25 * static_cast<double>(i % 4);
  std::vector<double> value(1);
  std::vector<double> dout(rows * cols);
  if (api.value_and_grad(l, outputs.data(), targets.data(), rows, cols, 0.25,
                         value.data(), dout.data()) != DESCENT_OK)
    fail(name, std::string("value_and_grad: ") + api.last_error(l));
  print_values("value", value);
  print_values("dout", dout);
  api.destroy(l);
}

// ---- libraries --------------------------------------------------------------

std::size_t components = 0;

void probe_library(const fs::path& file) {
  const std::string where = file.filename().string();
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    fail(where, std::string("dlopen: ") + dlerror());
    return;
  }
  const auto* entry = static_cast<const descent_plugin_entry*>(
      dlsym(handle, DESCENT_ENTRY_SYMBOL));
  if (entry == nullptr) {
    fail(where, "no " DESCENT_ENTRY_SYMBOL);
  } else if (!descent_version_is_compatible(entry->abi_version) ||
             entry->struct_size < sizeof(descent_plugin_entry)) {
    fail(where, "incompatible ABI " + std::to_string(entry->abi_version.major));
  } else {
    std::fprintf(stderr, "abi_probe: %s: ABI %u.%u.%u\n", where.c_str(),
                 entry->abi_version.major, entry->abi_version.minor,
                 entry->abi_version.patch);
    for (std::uint32_t i = 0; const auto* api = entry->optimizer(i); ++i) {
      if (api->struct_size < sizeof(descent_optimizer_api))
        fail(where, "optimizer api smaller than ABI v1's");
      else
        probe_optimizer(*api), ++components;
    }
    for (std::uint32_t i = 0; const auto* api = entry->model(i); ++i)
      probe_model(*api), ++components;
    for (std::uint32_t i = 0; const auto* api = entry->loss(i); ++i)
      probe_loss(*api), ++components;
  }
  if (dlclose(handle) != 0) fail(where, std::string("dlclose: ") + dlerror());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: abi_probe PLUGIN.so|FOLDER...\n");
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const fs::path path = argv[i];
    std::vector<fs::path> files;
    if (fs::is_directory(path)) {
      for (const auto& item : fs::directory_iterator(path))
        if (item.path().extension() == ".so") files.push_back(item.path());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    if (files.empty()) fail(path.string(), "no plugin library found");
    for (const fs::path& file : files) probe_library(file);
  }
  std::fflush(stdout);
  std::fprintf(stderr, "abi_probe: %zu components, %d failures\n", components,
               failures);
  return failures == 0 && components > 0 ? 0 : 1;
}
