// descent host — finds plugin libraries, checks them against the ABI, and
// hands out their components by kind and name.
//
// A library stays loaded while the registry or any instance made from it
// lives (components and instances share ownership of the library). A file
// that cannot be used becomes a Diagnostic naming the file and the reason;
// the other files still load.
#pragma once

#include <descent/abi/descent.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::dll {
class shared_library;
}

namespace descent {

using LibraryHandle = std::shared_ptr<const boost::dll::shared_library>;

// One component of a loaded library. Exactly one api pointer is set.
struct Component {
  descent_kind kind = DESCENT_KIND_OPTIMIZER;
  const descent_descriptor* descriptor = nullptr;
  const descent_optimizer_api* optimizer = nullptr;
  const descent_model_api* model = nullptr;
  const descent_loss_api* loss = nullptr;
  std::filesystem::path file;
  descent_version abi_version{};
  LibraryHandle library;

  std::string_view name() const { return descriptor->name; }
};

struct Diagnostic {
  std::filesystem::path file;
  std::string reason;
};

const char* kind_name(descent_kind kind);  // "optimizer", "model", "loss"

std::optional<descent_kind> parse_kind(std::string_view name);

// TBB is the one parallel runtime, so the libraries plugins link must not
// start thread pools of their own. Sets OPENBLAS_NUM_THREADS=1, read by
// OpenBLAS when a model plugin loads it. Call first in main(): it changes
// the environment, which is safe only before any other thread starts.
void keep_plugin_libraries_single_threaded();

class Registry {
 public:
  // Loads every *.so directly inside each folder, folders in order, files
  // by name; a missing folder is a diagnostic. The first component with a
  // name wins; later ones with the same kind and name are diagnostics.
  void scan(const std::vector<std::filesystem::path>& folders);
  // Loads one library file; returns false and records a diagnostic if the
  // file cannot be used.
  bool load_file(const std::filesystem::path& file);

  // The component of this kind and name, or nullptr.
  const Component* find(descent_kind kind, std::string_view name) const;
  // As find(), but a missing one is an InputError listing what exists.
  const Component& require(descent_kind kind, std::string_view name) const;

  std::vector<const Component*> of_kind(descent_kind kind) const;
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  const std::vector<std::filesystem::path>& searched() const {
    return searched_;
  }

 private:
  void add_component(Component component);

  std::vector<Component> components_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<std::filesystem::path> searched_;
  std::vector<std::filesystem::path> loaded_files_;
};

// The build's (or installation's) plugin folder next to the running
// executable, then every folder of DESCENT_PLUGIN_PATH, then `extra`.
std::vector<std::filesystem::path> plugin_search_path(
    const std::vector<std::filesystem::path>& extra);

// Why a descriptor is unusable, or nothing if it is fine.
std::optional<std::string> check_descriptor(const descent_descriptor& d,
                                            descent_kind expected_kind);

}  // namespace descent
