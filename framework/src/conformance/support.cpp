#include "support.hpp"

#include <descent/sdk/hparams.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>

namespace descent::conformance {
namespace fs = std::filesystem;

const char* verdict_text(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "PASS";
    case Verdict::warn:
      return "WARN";
    default:
      return "FAIL";
  }
}

Verdict worst(const std::vector<CheckResult>& results) {
  Verdict out = Verdict::pass;
  for (const CheckResult& r : results) out = std::max(out, r.verdict);
  return out;
}

std::string number(double value) { return sdk::number_text(value); }

std::string approx(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

Loaded load(const Target& target) {
  Loaded out{std::make_unique<Registry>(), nullptr};
  if (!out.registry->load_file(target.file))
    throw std::runtime_error(out.registry->diagnostics().back().reason);
  out.component = out.registry->find(target.kind, target.name);
  if (out.component == nullptr)
    throw std::runtime_error(target.file.string() + " holds no " +
                             kind_name(target.kind) + " named '" + target.name +
                             "'");
  return out;
}

bool still_loaded(const fs::path& file) {
  // RTLD_NOLOAD only looks: it returns a handle if the library is resident
  // and never loads it.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  return true;
}

GradientError compare_gradients(const std::vector<double>& analytic,
                                const std::vector<double>& differences) {
  GradientError worst_error;
  for (std::size_t i = 0; i < analytic.size(); ++i) {
    const double a = analytic[i];
    const double d = differences[i];
    const double scale = std::max({1.0, std::abs(a), std::abs(d)});
    // NaN compares false: count it as the worst possible error.
    const double error = std::abs(a - d) / scale;
    if (!(error <= worst_error.error)) worst_error = {error, i};
    if (std::isnan(error)) return {INFINITY, i};
  }
  return worst_error;
}

LibraryContents list_library(const fs::path& file) {
  Registry registry;
  if (!registry.load_file(file))
    return {{}, registry.diagnostics().back().reason};
  LibraryContents out;
  for (descent_kind kind :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS})
    for (const Component* c : registry.of_kind(kind))
      out.components.push_back({file, kind, std::string(c->name())});
  return out;
}

std::vector<Target> list_folders(const std::vector<fs::path>& folders) {
  std::vector<Target> out;
  for (const fs::path& folder : folders) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(folder, ec))
      if (item.path().extension() == ".so") files.push_back(item.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      LibraryContents contents = list_library(file);
      out.insert(out.end(), contents.components.begin(),
                 contents.components.end());
    }
  }
  return out;
}

std::vector<CheckResult> check_component(const Target& target,
                                         const Options& options) {
  switch (target.kind) {
    case DESCENT_KIND_OPTIMIZER:
      return check_optimizer(target, options);
    case DESCENT_KIND_MODEL:
      return check_model(target, options);
    default:
      return check_loss(target, options);
  }
}

}  // namespace descent::conformance

namespace descent::conformance {
namespace {

// The first few items; a long list would bury the line.
std::string join_some(const std::vector<std::string>& items) {
  constexpr std::size_t kShown = 3;
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kShown; ++i)
    out += (i ? "; " : "") + items[i];
  if (items.size() > kShown)
    out += " (and " + std::to_string(items.size() - kShown) + " more)";
  return out;
}

}  // namespace

CheckResult Findings::result(const char* name,
                             const std::string& pass_detail) const {
  if (!failures.empty()) return fail(name, join_some(failures));
  if (!warnings.empty()) return warn(name, join_some(warnings));
  return pass(name, pass_detail);
}

}  // namespace descent::conformance
