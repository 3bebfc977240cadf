#include <descent/errors.hpp>
#include <descent/file_hash.hpp>
#include <descent/records.hpp>
#include <descent/reproduce.hpp>
#include <descent/run.hpp>
#include <descent/sweep.hpp>
#include <descent/text_file.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace descent {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& file) {
  if (!fs::exists(file))
    throw InputError(file.string() + ": missing; is this a run folder?");
  try {
    return json::parse(read_text_file(file));
  } catch (const json::exception& e) {
    throw InputError(file.string() + ": unreadable JSON: " + e.what());
  }
}

std::vector<std::vector<std::string>> csv_rows(const fs::path& file) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(read_text_file(file));
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::stringstream cellstream(line);
    std::string cell;
    while (std::getline(cellstream, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(std::move(cells));
  }
  return rows;
}

// Compares two metrics.csv files cell by cell, skipping wall-clock time.
std::string compare_csv(const fs::path& a, const fs::path& b,
                        std::size_t& compared) {
  if (!fs::exists(b)) return b.string() + ": missing";
  const auto x = csv_rows(a), y = csv_rows(b);
  if (x.empty() || y.empty() || x[0] != y[0])
    return a.string() + ": header differs from " + b.string();
  if (x.size() != y.size())
    return a.string() + ": " + std::to_string(x.size() - 1) + " rows, " +
           b.string() + ": " + std::to_string(y.size() - 1);
  for (std::size_t r = 1; r < x.size(); ++r)
    for (std::size_t c = 0; c < x[0].size(); ++c) {
      if (x[0][c] == "seconds") continue;
      const std::string left = c < x[r].size() ? x[r][c] : "";
      const std::string right = c < y[r].size() ? y[r][c] : "";
      if (left != right)
        return a.filename().string() + " line " + std::to_string(r + 1) + " (" +
               x[0][0] + " " + x[r][0] + "), column " + x[0][c] +
               ": recorded " + left + ", re-run " + right;
      ++compared;
    }
  return "";
}

// Compares two JSON values leaf by leaf, skipping "seconds".
std::string compare_json(const json& a, const json& b, const std::string& at,
                         std::size_t& compared) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (key == "seconds") continue;
      if (!b.contains(key)) return at + "." + key + ": missing in the re-run";
      const std::string d =
          compare_json(value, b[key], at + "." + key, compared);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string d = compare_json(
          a[i], b[i], at + "[" + std::to_string(i) + "]", compared);
      if (!d.empty()) return d;
    }
    return "";
  }
  ++compared;
  // Doubles in JSON are printed round-trip exact, so text equality is bit
  // equality.
  if (a.dump() != b.dump())
    return at + ": recorded " + a.dump() + ", re-run " + b.dump();
  return "";
}

std::vector<json> trial_lines(const fs::path& file) {
  std::vector<json> out;
  std::istringstream lines(read_text_file(file));
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

std::string compare_sweeps(const fs::path& a, const fs::path& b,
                           std::size_t& compared) {
  std::map<std::uint64_t, json> rerun;
  for (json& r : trial_lines(b / "trials.jsonl")) {
    const auto id = r.at("trial").get<std::uint64_t>();
    rerun[id] = std::move(r);
  }
  for (const json& r : trial_lines(a / "trials.jsonl")) {
    const auto id = r.at("trial").get<std::uint64_t>();
    const std::string where = "trial " + std::to_string(id);
    if (!rerun.count(id)) return where + ": missing in the re-run";
    std::string d = compare_json(r, rerun[id], where, compared);
    if (d.empty()) {
      const fs::path m =
          fs::path("trials") / std::to_string(id) / "metrics.csv";
      if (fs::exists(a / m)) d = compare_csv(a / m, b / m, compared);
      if (!d.empty()) d = where + ": " + d;
    }
    if (!d.empty()) return d;
  }
  return compare_json(read_json(a / "summary.json"),
                      read_json(b / "summary.json"), "summary", compared);
}

bool is_sweep(const fs::path& dir) { return fs::exists(dir / "sweep.json"); }

void check_file(const json& entry, const std::string& what,
                std::vector<std::string>& changes) {
  const std::string path = entry.value("file", entry.value("path", ""));
  if (path.empty() || !entry.contains("sha256")) return;
  if (!fs::exists(path)) {
    changes.push_back(what + " " + path + ": missing");
    return;
  }
  if (sha256_file(path) != entry["sha256"].get<std::string>())
    changes.push_back(what + " " + path +
                      ": SHA-256 differs from the manifest");
}

Registry registry_for(const json& manifest, const ReproduceRequest& r) {
  Registry registry;
  // The very files the run used come first, so their names win.
  for (const json& p : manifest.value("plugins", json::array()))
    if (p.is_object() && fs::exists(p.value("file", "")))
      registry.load_file(p["file"].get<std::string>());
  registry.scan(plugin_search_path(r.plugin_dirs));
  return registry;
}

fs::path output_dir(const ReproduceRequest& r) {
  if (!r.out.empty()) return r.out;
  const fs::path dir = fs::absolute(r.run_dir).lexically_normal();
  return default_run_dir(dir.parent_path(),
                         dir.filename().string() + "-reproduced");
}

}  // namespace

std::vector<std::string> changed_inputs(const fs::path& run_dir) {
  const json manifest = read_json(run_dir / "manifest.json");
  std::vector<std::string> changes;
  for (const json& p : manifest.value("plugins", json::array()))
    if (p.is_object())
      check_file(p, "plugin '" + p.value("name", "?") + "'", changes);
  for (const json& f : manifest.value("data_files", json::array()))
    if (f.is_object()) check_file(f, "data file", changes);
  return changes;
}

std::string compare_records(const fs::path& expected, const fs::path& actual,
                            std::size_t& compared) {
  compared = 0;
  if (is_sweep(expected)) return compare_sweeps(expected, actual, compared);
  std::string d =
      compare_csv(expected / "metrics.csv", actual / "metrics.csv", compared);
  if (!d.empty()) return d;
  return compare_json(read_json(expected / "summary.json"),
                      read_json(actual / "summary.json"), "summary", compared);
}

int reproduce(const ReproduceRequest& r) {
  const json manifest = read_json(r.run_dir / "manifest.json");
  const auto changes = changed_inputs(r.run_dir);
  for (const std::string& c : changes)
    std::fprintf(stderr, "%s: %s\n", r.allow_changed ? "warning" : "error",
                 c.c_str());
  if (!changes.empty() && !r.allow_changed)
    throw InputError(r.run_dir.string() + ": " +
                     std::to_string(changes.size()) +
                     " input(s) changed since the run (listed above); "
                     "refusing without --allow-changed");
  const Registry registry = registry_for(manifest, r);
  const fs::path out = output_dir(r);
  if (is_sweep(r.run_dir)) {
    SweepOptions o = recorded_sweep(r.run_dir, /*allow_copy=*/true);
    o.out = out;
    o.threads = r.threads;
    o.quiet = r.quiet;
    o.command_line = r.command_line;
    run_sweep(o, registry);
  } else {
    RunRequest run{
        r.run_dir / "config.ini", {}, out, r.threads, r.quiet, r.command_line};
    run_experiment(run, registry);
  }
  std::size_t compared = 0;
  const std::string difference = compare_records(r.run_dir, out, compared);
  if (!difference.empty()) {
    std::printf("differs: %s\nre-run folder: %s\n", difference.c_str(),
                out.string().c_str());
    return kExitRunFailed;
  }
  std::printf("reproduced: %zu values identical\nre-run folder: %s\n", compared,
              out.string().c_str());
  return kExitOk;
}

}  // namespace descent
