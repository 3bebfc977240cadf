// descent plugins — what is loaded, from where, and what failed to load.
#include "cli.hpp"

#include <descent/catalog.hpp>
#include <descent/errors.hpp>
#include <descent/instances.hpp>
#include <descent/sdk/hparams.hpp>
#include <descent/settings.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

namespace descent::cli {
namespace {

namespace fs = std::filesystem;

po::options_description plugins_options() {
  po::options_description options(
      "usage: descent plugins [show NAME] [options]\n\n"
      "Lists the loaded optimizers, models and losses, the folders searched "
      "(in order)\nwith the plugin files found in each, then the files that "
      "failed to load.\n`show NAME` prints a plugin's hyperparameters, which "
      "are experiment keys <kind>.<name>.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "markdown", "print the catalog as Markdown (plugins/README.md)");
  add_plugin_options(options);
  return options;
}

const char* kind_plural(descent_kind kind) {
  switch (kind) {
    case DESCENT_KIND_OPTIMIZER:
      return "optimizers";
    case DESCENT_KIND_MODEL:
      return "models";
    default:
      return "losses";
  }
}

// "optimizer adam, model linear": what one library file provides.
std::map<fs::path, std::string> contents_by_file(const Registry& registry) {
  std::map<fs::path, std::string> contents;
  for (descent_kind kind :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS})
    for (const Component* c : registry.of_kind(kind)) {
      std::string& text = contents[c->file];
      text += (text.empty() ? "" : ", ") + std::string(kind_name(kind)) + " " +
              std::string(c->name());
    }
  return contents;
}

// Each searched folder in search order, with the files loaded from it, so
// that a plugin shadowed or picked up from an unexpected folder is visible.
// (The first folder holding a name wins; later ones are in the problems.)
void print_search_path(const Registry& registry) {
  std::map<fs::path, std::string> contents = contents_by_file(registry);
  std::printf(
      "\nsearched, in order (built-in, DESCENT_PLUGIN_PATH, "
      "--plugin-dir):\n");
  for (const fs::path& folder : registry.searched()) {
    std::error_code ec;
    const bool exists = fs::is_directory(folder, ec);
    std::printf("  %s%s\n", folder.string().c_str(),
                exists ? "" : "  (does not exist)");
    for (auto it = contents.begin(); it != contents.end();)
      if (folder / it->first.filename() == it->first) {
        std::printf("    %-34s %s\n", it->first.filename().string().c_str(),
                    it->second.c_str());
        it = contents.erase(it);  // a folder listed twice shows its files once
      } else {
        ++it;
      }
  }
}

void list_plugins(const Registry& registry) {
  for (descent_kind kind :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS}) {
    const auto components = registry.of_kind(kind);
    std::printf("%s (%zu)\n", kind_plural(kind), components.size());
    for (const Component* c : components)
      std::printf("  %-14s %s\n", c->descriptor->name, c->descriptor->doc);
  }
  print_search_path(registry);
  const auto& problems = registry.diagnostics();
  std::printf("\nproblems (%zu)\n", problems.size());
  for (const Diagnostic& d : problems)
    std::printf("  %s: %s\n", d.file.string().c_str(), d.reason.c_str());
}

std::string type_text(const descent_hparam_desc& h) {
  switch (h.type) {
    case DESCENT_HPARAM_REAL:
      return "real";
    case DESCENT_HPARAM_INT:
      return "int";
    case DESCENT_HPARAM_BOOL:
      return "bool";
    case DESCENT_HPARAM_CHOICE:
      return "choice";
    default:
      return "text";
  }
}

std::string range_text(const descent_hparam_desc& h) {
  if (h.type == DESCENT_HPARAM_REAL || h.type == DESCENT_HPARAM_INT)
    return sdk::interval_text(h.min_value, h.max_value) +
           (h.flags & DESCENT_HPARAM_LOG_SCALE ? " log" : "");
  if (h.type == DESCENT_HPARAM_CHOICE) {
    std::string list;
    for (std::uint32_t i = 0; i < h.choice_count; ++i)
      list += (i ? "|" : "") + std::string(h.choices[i]);
    return list;
  }
  return "";
}

void show_component(const Component& c) {
  const descent_descriptor& d = *c.descriptor;
  std::printf("%s %s %s — %s\n", kind_name(c.kind), d.name, d.version, d.doc);
  if (*d.reference != '\0') std::printf("reference: %s\n", d.reference);
  std::printf("file: %s\n", c.file.string().c_str());
  if (c.kind == DESCENT_KIND_MODEL)
    std::printf("precision: %s\n",
                (c.model->flags & DESCENT_MODEL_ANALYTIC) != 0 ? "f64"
                : Model::supports_f32(*c.model)
                    ? "f64, f32 (trainer.dtype; ABI 1.1 float path)"
                    : "f64 (no float32 path)");
  std::printf("\n");
  std::printf("  %-26s %-7s %-10s %-22s %s\n", "key", "type", "default",
              "range", "doc");
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    const descent_hparam_desc& h = d.hparams[i];
    const std::string key = std::string(kind_name(c.kind)) + "." + h.name;
    std::printf("  %-26s %-7s %-10s %-22s %s\n", key.c_str(),
                type_text(h).c_str(), default_text(h).c_str(),
                range_text(h).c_str(), h.doc);
  }
}

}  // namespace

int plugins_command(const std::vector<std::string>& args) {
  const po::options_description options = plugins_options();
  po::options_description all = options;
  all.add_options()("words", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("words", -1);
  const po::variables_map vm = parse(args, all, positional, "plugins");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  const Registry registry = load_registry(vm);
  const auto words = vm.count("words")
                         ? vm["words"].as<std::vector<std::string>>()
                         : std::vector<std::string>{};
  if (vm.count("markdown")) {
    std::cout << plugins_markdown(registry);
    return kExitOk;
  }
  if (words.empty()) {
    list_plugins(registry);
    return kExitOk;
  }
  if (words.size() != 2 || words[0] != "show")
    throw InputError(
        "descent plugins: expected `plugins` or `plugins show "
        "NAME` (see descent plugins --help)");
  bool found = false;
  for (descent_kind kind :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS})
    if (const Component* c = registry.find(kind, words[1])) {
      if (found) std::printf("\n");
      show_component(*c);
      found = true;
    }
  if (!found)
    throw InputError("descent plugins show: no plugin named '" + words[1] +
                     "' (see descent plugins)");
  return kExitOk;
}

}  // namespace descent::cli
