#include <descent/errors.hpp>
#include <descent/registry.hpp>
#include <descent/sdk/hparams.hpp>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <type_traits>

namespace descent {
namespace fs = std::filesystem;

void keep_plugin_libraries_single_threaded() {
  // Debian's OpenBLAS (the pthread build; the serial one lacks the locking
  // concurrent trials need) starts a thread per core as it loads, and each
  // spins on sched_yield for about 0.1 s before it sleeps. The models call
  // it single-threaded anyway (dense_layer.hpp), so that spinning only took
  // a core from the first trials of every sweep: they ran 40 ms slower.
  ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
}

const char* kind_name(descent_kind kind) {
  switch (kind) {
    case DESCENT_KIND_OPTIMIZER:
      return "optimizer";
    case DESCENT_KIND_MODEL:
      return "model";
    case DESCENT_KIND_LOSS:
      return "loss";
    default:
      return "unknown";
  }
}

std::optional<descent_kind> parse_kind(std::string_view name) {
  for (descent_kind k :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS})
    if (name == kind_name(k)) return k;
  return std::nullopt;
}

namespace {

bool is_identifier(const char* s) {
  if (s == nullptr || *s == '\0') return false;
  for (; *s != '\0'; ++s)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

std::optional<std::string> check_hparam(const descent_hparam_desc& h) {
  if (!is_identifier(h.name))
    return "a hyperparameter name must match [a-z0-9_]+";
  const std::string where = std::string("hyperparameter '") + h.name + "': ";
  if (h.doc == nullptr || *h.doc == '\0') return where + "missing doc";
  if (h.type > DESCENT_HPARAM_TEXT) return where + "unknown type";
  if ((h.type == DESCENT_HPARAM_REAL || h.type == DESCENT_HPARAM_INT) &&
      !(h.min_value <= h.max_value))
    return where + "min exceeds max";
  if (h.type == DESCENT_HPARAM_CHOICE) {
    if (h.choices == nullptr || h.choice_count == 0)
      return where + "a choice needs at least one option";
    for (std::uint32_t i = 0; i < h.choice_count; ++i)
      if (!is_identifier(h.choices[i]))
        return where + "choice names must match [a-z0-9_]+";
  }
  if (h.type == DESCENT_HPARAM_TEXT && h.default_text == nullptr)
    return where + "a text hyperparameter needs a default";
  if (auto why = sdk::check_value(h, sdk::default_value(h)))
    return where + "default " + std::to_string(h.default_value) +
           " is invalid: " + *why;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_descriptor(const descent_descriptor& d,
                                            descent_kind expected_kind) {
  if (d.struct_size < sizeof(descent_descriptor))
    return "descriptor struct_size " + std::to_string(d.struct_size) +
           " is smaller than ABI v1's " +
           std::to_string(sizeof(descent_descriptor));
  if (d.kind != expected_kind)
    return std::string("descriptor kind is not ") + kind_name(expected_kind);
  if (!is_identifier(d.name)) return "component name must match [a-z0-9_]+";
  if (std::char_traits<char>::length(d.name) >= DESCENT_STATE_NAME_CAPACITY)
    return "component name longer than " +
           std::to_string(DESCENT_STATE_NAME_CAPACITY - 1) + " characters";
  const std::string where = std::string("'") + d.name + "': ";
  if (d.version == nullptr || *d.version == '\0')
    return where + "missing version";
  if (d.doc == nullptr || *d.doc == '\0') return where + "missing doc";
  if (d.reference == nullptr) return where + "reference is NULL (use \"\")";
  if (d.hparam_count > 0 && d.hparams == nullptr)
    return where + "hparams is NULL";
  std::set<std::string_view> names;
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    if (auto why = check_hparam(d.hparams[i])) return where + *why;
    if (!names.insert(d.hparams[i].name).second)
      return where + "duplicate hyperparameter '" + d.hparams[i].name + "'";
  }
  if (expected_kind == DESCENT_KIND_OPTIMIZER &&
      (d.hparam_count == 0 || std::string_view(d.hparams[0].name) != "lr" ||
       d.hparams[0].type != DESCENT_HPARAM_REAL))
    return where +
           "an optimizer must declare the real hyperparameter 'lr' "
           "first";
  return std::nullopt;
}

namespace {

// The smallest struct a 1.0 plugin has; later minors only append.
template <class Api>
constexpr std::size_t v1_0_size() {
  if constexpr (std::is_same_v<Api, descent_model_api>)
    return DESCENT_MODEL_API_V1_0_SIZE;
  return sizeof(Api);
}

template <class Api>
bool has_v1_size(const Api* api) {
  return api->struct_size >= v1_0_size<Api>() && api->descriptor != nullptr;
}

std::optional<std::string> check_functions(const descent_optimizer_api& a) {
  if (!a.create || !a.destroy || !a.step_f32 || !a.step_f64 || !a.reset ||
      !a.state_size || !a.state_save || !a.state_load || !a.last_error)
    return "optimizer api has a NULL function";
  return std::nullopt;
}
std::optional<std::string> check_functions(const descent_model_api& a) {
  if (!a.create || !a.destroy || !a.param_count || !a.init || !a.forward ||
      !a.backward || !a.last_error)
    return "model api has a NULL function";
  if (a.struct_size >= sizeof(descent_model_api) &&
      (a.forward_f32 == nullptr) != (a.backward_f32 == nullptr))
    return "model api sets only one of forward_f32 and backward_f32";
  return std::nullopt;
}
std::optional<std::string> check_functions(const descent_loss_api& a) {
  if (!a.create || !a.destroy || !a.value_and_grad || !a.last_error)
    return "loss api has a NULL function";
  return std::nullopt;
}

// Every component the entry lists, checked; the first problem aborts the
// whole file so that a half-broken library never partly loads.
template <class Api>
std::optional<std::string> collect(const Api* (*getter)(std::uint32_t),
                                   descent_kind kind, const Component& base,
                                   std::vector<Component>& out) {
  if (getter == nullptr)
    return std::string(kind_name(kind)) + " getter is NULL";
  for (std::uint32_t i = 0;; ++i) {
    const Api* api = getter(i);
    if (api == nullptr) return std::nullopt;
    if (i >= 1024) return "entry lists more than 1024 components";
    if (!has_v1_size(api))
      return std::string(kind_name(kind)) +
             " api struct_size is smaller than ABI v1's";
    if (auto why = check_descriptor(*api->descriptor, kind)) return why;
    if (auto why = check_functions(*api)) return why;
    Component c = base;
    c.kind = kind;
    c.descriptor = api->descriptor;
    if constexpr (std::is_same_v<Api, descent_optimizer_api>) c.optimizer = api;
    if constexpr (std::is_same_v<Api, descent_model_api>) c.model = api;
    if constexpr (std::is_same_v<Api, descent_loss_api>) c.loss = api;
    out.push_back(std::move(c));
  }
}

// Boost.DLL wraps dlerror()'s text in its own words and an errno string;
// keep only dlerror's reason, without the path it repeats.
std::string dlopen_reason(const std::string& what, const fs::path& file) {
  const std::string marker = "system message: ";
  const auto begin = what.find(marker);
  const auto end = what.rfind(')');
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    return what;
  std::string reason =
      what.substr(begin + marker.size(), end - begin - marker.size());
  const std::string prefix = file.string() + ": ";
  if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
  return reason;
}

std::string version_text(const descent_version& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." +
         std::to_string(v.patch);
}

}  // namespace

bool Registry::load_file(const fs::path& file) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  const fs::path key = ec ? file : canonical;
  if (std::find(loaded_files_.begin(), loaded_files_.end(), key) !=
      loaded_files_.end())
    return true;  // the same file reached twice through the search path
  auto fail = [&](std::string reason) {
    diagnostics_.push_back({file, std::move(reason)});
    return false;
  };

  std::shared_ptr<boost::dll::shared_library> library;
  try {
    library = std::make_shared<boost::dll::shared_library>(
        file,
        boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return fail("not a loadable shared library: " +
                dlopen_reason(e.what(), file));
  }
  if (!library->has(DESCENT_ENTRY_SYMBOL))
    return fail("no '" DESCENT_ENTRY_SYMBOL "' symbol: not a descent plugin");
  const auto& entry =
      library->get<const descent_plugin_entry>(DESCENT_ENTRY_SYMBOL);
  if (!descent_version_is_compatible(entry.abi_version))
    return fail("built for descent ABI " + version_text(entry.abi_version) +
                ", this host speaks ABI " +
                std::to_string(DESCENT_ABI_VERSION_MAJOR) + ".x");
  if (entry.struct_size < sizeof(descent_plugin_entry))
    return fail("entry struct_size is smaller than ABI v1's");

  Component base;
  base.file = file;
  base.abi_version = entry.abi_version;
  base.library = library;
  std::vector<Component> found;
  std::optional<std::string> why =
      collect(entry.optimizer, DESCENT_KIND_OPTIMIZER, base, found);
  if (!why) why = collect(entry.model, DESCENT_KIND_MODEL, base, found);
  if (!why) why = collect(entry.loss, DESCENT_KIND_LOSS, base, found);
  if (why) return fail("invalid descriptor: " + *why);
  if (found.empty()) return fail("the entry lists no components");

  loaded_files_.push_back(key);
  for (Component& c : found) add_component(std::move(c));
  return true;
}

void Registry::add_component(Component component) {
  if (const Component* other = find(component.kind, component.name())) {
    diagnostics_.push_back(
        {component.file, std::string("duplicate ") + kind_name(component.kind) +
                             " name '" + std::string(component.name()) +
                             "' (already loaded from " + other->file.string() +
                             "); skipped"});
    return;
  }
  components_.push_back(std::move(component));
}

void Registry::scan(const std::vector<fs::path>& folders) {
  for (const fs::path& folder : folders) {
    searched_.push_back(folder);
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
      diagnostics_.push_back({folder, "plugin folder does not exist"});
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(folder, ec))
      if (item.path().extension() == ".so") files.push_back(item.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) load_file(file);
  }
}

const Component* Registry::find(descent_kind kind,
                                std::string_view name) const {
  for (const Component& c : components_)
    if (c.kind == kind && c.name() == name) return &c;
  return nullptr;
}

const Component& Registry::require(descent_kind kind,
                                   std::string_view name) const {
  if (const Component* c = find(kind, name)) return *c;
  std::ostringstream known;
  for (const Component* c : of_kind(kind))
    known << (known.tellp() > 0 ? ", " : "") << c->name();
  throw InputError("no " + std::string(kind_name(kind)) + " plugin named '" +
                   std::string(name) + "' (loaded: " + known.str() +
                   "; see `descent plugins`)");
}

std::vector<const Component*> Registry::of_kind(descent_kind kind) const {
  std::vector<const Component*> out;
  for (const Component& c : components_)
    if (c.kind == kind) out.push_back(&c);
  std::sort(out.begin(), out.end(), [](const Component* a, const Component* b) {
    return a->name() < b->name();
  });
  return out;
}

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& extra) {
  std::vector<fs::path> folders;
  const fs::path exe = boost::dll::program_location();
  folders.push_back(exe.parent_path().parent_path() / "lib" / "descent" /
                    "plugins");
  if (const char* env = std::getenv("DESCENT_PLUGIN_PATH")) {
    std::stringstream list(env);
    std::string folder;
    while (std::getline(list, folder, ':'))
      if (!folder.empty()) folders.emplace_back(folder);
  }
  folders.insert(folders.end(), extra.begin(), extra.end());
  return folders;
}

}  // namespace descent
