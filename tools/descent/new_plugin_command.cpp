// descent new-plugin — scaffolds a plugin project outside descent's tree: a
// commented, working example (plain SGD, a linear model, MSE), a
// CMakeLists.txt that uses the installed package, check.sh and a README.
// The files come from tools/descent/templates/, compiled into the CLI.
#include "cli.hpp"

#include <descent/abi/state.h>
#include <descent/errors.hpp>

#include <cctype>
#include <fstream>
#include <iostream>
#include <string_view>
#include <utility>

namespace descent::cli {

// Defined in the generated plugin_templates.cpp.
std::string_view plugin_template(std::string_view file);
std::string_view descent_package_version();

namespace {

namespace fs = std::filesystem;

using Substitutions = std::vector<std::pair<std::string, std::string>>;

po::options_description new_plugin_options() {
  po::options_description options(
      "usage: descent new-plugin optimizer|model|loss NAME [--dir DIR]\n\n"
      "Writes a plugin project into DIR (default ./NAME): NAME.cpp, a working "
      "example\n(plain SGD, a linear model or MSE) to edit; CMakeLists.txt, "
      "which builds it\nagainst this descent's installed package; check.sh, "
      "which builds it and runs\n`descent check-plugin`; and README.md. NAME "
      "must match [a-z][a-z0-9_]*; an\nexisting non-empty DIR is refused.\n\n"
      "options");
  options.add_options()("help,h", "show this help")(
      "dir", po::value<std::string>(), "the folder to create (default ./NAME)");
  return options;
}

// Plugin names become experiment values and file names: keep them plain.
void require_plugin_name(const std::string& name) {
  const bool shaped =
      !name.empty() && std::islower(static_cast<unsigned char>(name[0])) &&
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") ==
          std::string::npos;
  if (!shaped)
    throw InputError("descent new-plugin: NAME '" + name +
                     "' must match [a-z][a-z0-9_]*");
  if (name.size() >= DESCENT_STATE_NAME_CAPACITY)
    throw InputError("descent new-plugin: NAME '" + name + "' is longer than " +
                     std::to_string(DESCENT_STATE_NAME_CAPACITY - 1) +
                     " characters");
}

void require_kind(const std::string& kind) {
  if (kind != "optimizer" && kind != "model" && kind != "loss")
    throw InputError("descent new-plugin: kind '" + kind +
                     "': expected optimizer, model or loss");
}

// Never mix a scaffold into someone's files: only a missing or empty folder.
void require_fresh_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec))
    throw InputError("descent new-plugin: " + dir.string() +
                     " exists and is not a folder");
  if (!fs::is_empty(dir, ec))
    throw InputError("descent new-plugin: " + dir.string() +
                     " exists and is not empty; choose another --dir");
}

// "sign_sgd" -> "SignSgd": the C++ class of the example.
std::string class_name(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : c;
    upper = false;
  }
  return out;
}

const char* example_of(const std::string& kind) {
  if (kind == "optimizer") return "plain SGD, w -= lr * g";
  if (kind == "model") return "a linear model, out = X W^T + b";
  return "the mean squared error";
}

// Replaces every {{key}} of the template.
std::string fill(std::string_view text, const Substitutions& values) {
  std::string out(text);
  for (const auto& [key, value] : values) {
    const std::string token = "{{" + key + "}}";
    for (auto at = out.find(token); at != std::string::npos;
         at = out.find(token, at + value.size()))
      out.replace(at, token.size(), value);
  }
  return out;
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw RunError("cannot write " + file.string());
}

// The scaffold's files (written name -> template), in the order listed.
std::vector<std::pair<std::string, std::string>> files_of(
    const std::string& kind, const std::string& name) {
  return {{name + ".cpp", kind + ".cpp"},
          {"CMakeLists.txt", "CMakeLists.txt"},
          {"check.sh", "check.sh"},
          {"README.md", "README.md"}};
}

void scaffold(const std::string& kind, const std::string& name,
              const fs::path& dir) {
  const Substitutions values = {
      {"name", name},
      {"kind", kind},
      {"Class", class_name(name)},
      {"target", "descent-" + kind + "-" + name},
      {"example", example_of(kind)},
      {"package_version", std::string(descent_package_version())}};
  fs::create_directories(dir);
  std::cout << "created " << dir.string() << " (" << kind << " " << name
            << "):\n";
  for (const auto& [file, source] : files_of(kind, name)) {
    write_text(dir / file, fill(plugin_template(source), values));
    std::cout << "  " << (dir / file).string() << "\n";
  }
  fs::permissions(
      dir / "check.sh",
      fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
      fs::perm_options::add);
  std::cout << "next: " << (dir / "check.sh").string()
            << "   (builds it and runs descent check-plugin)\n";
}

}  // namespace

int new_plugin_command(const std::vector<std::string>& args) {
  const po::options_description options = new_plugin_options();
  po::options_description all = options;
  all.add_options()("words", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("words", -1);
  const po::variables_map vm = parse(args, all, positional, "new-plugin");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  const auto words = vm.count("words")
                         ? vm["words"].as<std::vector<std::string>>()
                         : std::vector<std::string>{};
  if (words.size() != 2)
    throw InputError(
        "descent new-plugin: expected KIND NAME, e.g. `descent new-plugin "
        "optimizer my_sgd` (see descent new-plugin --help)");
  const std::string& kind = words[0];
  const std::string& name = words[1];
  require_kind(kind);
  require_plugin_name(name);
  const fs::path dir =
      vm.count("dir") ? fs::path(vm["dir"].as<std::string>()) : fs::path(name);
  require_fresh_folder(dir);
  scaffold(kind, name, dir);
  return kExitOk;
}

}  // namespace descent::cli
