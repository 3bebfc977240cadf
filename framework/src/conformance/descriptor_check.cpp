// Check 1 for every kind: the descriptor the host validates at load time,
// plus what the registry cannot see from one file alone (a name clash with
// another library in the search path) and a missing reference (WARN).
#include "support.hpp"

#include <descent/sdk/hparams.hpp>

namespace descent::conformance {
namespace fs = std::filesystem;
namespace {

fs::path canonical_or_same(const fs::path& file) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(file, ec);
  return ec ? file : out;
}

// The first other library in the search path that provides a component of
// the same kind and name, if any. The registry would silently keep only
// the first one it meets, so a clash makes the plugin unreachable.
std::optional<fs::path> name_clash(const Target& target,
                                   const Options& options) {
  const fs::path own = canonical_or_same(target.file);
  for (const Target& other : list_folders(options.search_path))
    if (other.kind == target.kind && other.name == target.name &&
        canonical_or_same(other.file) != own)
      return other.file;
  return std::nullopt;
}

std::optional<std::string> default_out_of_bounds(const descent_descriptor& d) {
  for (std::uint32_t i = 0; i < d.hparam_count; ++i)
    if (auto why =
            sdk::check_value(d.hparams[i], sdk::default_value(d.hparams[i])))
      return std::string("default of '") + d.hparams[i].name + "': " + *why;
  return std::nullopt;
}

std::optional<std::string> missing_doc(const descent_descriptor& d) {
  if (d.doc == nullptr || *d.doc == '\0') return "the component has no doc";
  for (std::uint32_t i = 0; i < d.hparam_count; ++i)
    if (d.hparams[i].doc == nullptr || *d.hparams[i].doc == '\0')
      return std::string("hyperparameter '") + d.hparams[i].name +
             "' has no doc";
  return std::nullopt;
}

}  // namespace

CheckResult check_descriptor_sane(const Target& target,
                                  const Component& component,
                                  const Options& options) {
  const char* name = "descriptor";
  const descent_descriptor& d = *component.descriptor;
  if (auto why = check_descriptor(d, target.kind)) return fail(name, *why);
  if (auto why = default_out_of_bounds(d)) return fail(name, *why);
  if (auto why = missing_doc(d)) return fail(name, *why);
  if (auto other = name_clash(target, options))
    return fail(name, std::string(kind_name(target.kind)) + " name '" +
                          target.name + "' is also provided by " +
                          other->string());
  const std::string summary = "name unique in " +
                              std::to_string(options.search_path.size()) +
                              " folder(s); " + std::to_string(d.hparam_count) +
                              " default(s) within bounds; docs present";
  if (d.reference == nullptr || *d.reference == '\0')
    return warn(name, summary + "; no reference (cite the method's source)");
  return pass(name, summary + "; reference: " + d.reference);
}

}  // namespace descent::conformance
