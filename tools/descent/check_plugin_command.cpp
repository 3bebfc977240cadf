// descent check-plugin — runs the conformance checks on one plugin and
// prints one line per check.
#include "cli.hpp"

#include <descent/conformance.hpp>
#include <descent/errors.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

namespace descent::cli {
namespace {

namespace fs = std::filesystem;
using conformance::CheckResult;
using conformance::Target;
using conformance::Verdict;

po::options_description check_plugin_options() {
  po::options_description options(
      "usage: descent check-plugin NAME|PATH [--kind optimizer|model|loss] "
      "[options]\n\n"
      "Checks a plugin against the C ABI's documented behaviour and prints "
      "PASS, WARN or\nFAIL per check. NAME is looked up in the plugin search "
      "path; a PATH (with a '/'\nor ending in .so) is loaded on its own. Exit "
      "code 0 if nothing FAILs, 1 if\nsomething does, 2 for bad input.\n\n"
      "options");
  options.add_options()("help,h", "show this help")(
      "kind", po::value<std::string>(),
      "only components of this kind: optimizer, model or loss");
  add_plugin_options(options);
  return options;
}

bool is_path(const std::string& arg) {
  return arg.find('/') != std::string::npos ||
         (arg.size() > 3 && arg.compare(arg.size() - 3, 3, ".so") == 0);
}

std::optional<descent_kind> kind_filter(const po::variables_map& vm) {
  if (!vm.count("kind")) return std::nullopt;
  const std::string text = vm["kind"].as<std::string>();
  if (auto kind = parse_kind(text)) return kind;
  throw InputError("descent check-plugin: --kind '" + text +
                   "': expected optimizer, model or loss");
}

std::vector<Target> keep_kind(std::vector<Target> targets,
                              std::optional<descent_kind> kind) {
  if (!kind) return targets;
  std::erase_if(targets, [&](const Target& t) { return t.kind != *kind; });
  return targets;
}

// The first component of each kind with that name, in search order: the
// one `descent run` would use.
std::vector<Target> find_by_name(const std::string& name,
                                 const std::vector<fs::path>& search_path) {
  std::vector<Target> out;
  for (const Target& t : conformance::list_folders(search_path))
    if (t.name == name &&
        std::none_of(out.begin(), out.end(),
                     [&](const Target& o) { return o.kind == t.kind; }))
      out.push_back(t);
  return out;
}

void print_result(const CheckResult& r) {
  std::printf("%s  %-30s  %s\n", conformance::verdict_text(r.verdict),
              r.name.c_str(), r.detail.c_str());
}

// Prints the count line; returns the exit code.
int print_summary(const std::vector<CheckResult>& all) {
  std::size_t counts[3] = {0, 0, 0};
  for (const CheckResult& r : all) ++counts[static_cast<int>(r.verdict)];
  std::printf("%zu checks: %zu pass, %zu warn, %zu fail\n", all.size(),
              counts[0], counts[1], counts[2]);
  return counts[2] > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace

int check_plugin_command(const std::vector<std::string>& args) {
  const po::options_description options = check_plugin_options();
  po::options_description all = options;
  all.add_options()("plugin", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("plugin", 1);
  const po::variables_map vm = parse(args, all, positional, "check-plugin");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("plugin"))
    throw InputError(
        "descent check-plugin: expected a plugin NAME or PATH "
        "(see descent check-plugin --help)");
  const std::string arg = vm["plugin"].as<std::string>();
  const auto kind = kind_filter(vm);
  std::vector<fs::path> extra;
  if (vm.count("plugin-dir"))
    for (const auto& dir : vm["plugin-dir"].as<std::vector<std::string>>())
      extra.emplace_back(dir);
  const conformance::Options check_options{plugin_search_path(extra)};

  std::vector<Target> targets;
  if (is_path(arg)) {
    if (!fs::exists(arg))
      throw InputError("descent check-plugin: no such file '" + arg + "'");
    conformance::LibraryContents contents = conformance::list_library(arg);
    if (contents.error) {
      const std::vector<CheckResult> load_failure{
          {"load", Verdict::fail, arg + ": " + *contents.error}};
      print_result(load_failure[0]);
      return print_summary(load_failure);
    }
    targets = keep_kind(std::move(contents.components), kind);
  } else {
    targets = keep_kind(find_by_name(arg, check_options.search_path), kind);
  }
  if (targets.empty())
    throw InputError("descent check-plugin: no " +
                     std::string(kind ? kind_name(*kind) : "plugin") +
                     " named or found at '" + arg + "' (see descent plugins)");

  std::vector<CheckResult> results;
  for (const Target& target : targets) {
    std::printf("%s '%s' (%s)\n", kind_name(target.kind), target.name.c_str(),
                target.file.string().c_str());
    for (const CheckResult& r :
         conformance::check_component(target, check_options)) {
      print_result(r);
      results.push_back(r);
    }
  }
  return print_summary(results);
}

}  // namespace descent::cli
