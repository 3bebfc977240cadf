#include "sweep_records.hpp"

#include <descent/errors.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace descent::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Reads whole, parseable lines; returns them and the byte length they span.
std::vector<json> read_whole_lines(const fs::path& file, std::uintmax_t& good) {
  std::vector<json> records;
  good = 0;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: a torn write
    try {
      records.push_back(json::parse(line));
    } catch (const json::exception&) {
      break;  // a torn or damaged line ends what can be trusted
    }
    good += line.size() + 1;
  }
  return records;
}

}  // namespace

TrialsLog::TrialsLog(const fs::path& file) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    std::uintmax_t good = 0;
    existing_ = read_whole_lines(file, good);
    if (good < fs::file_size(file)) fs::resize_file(file, good);
  }
  out_ = std::fopen(file.c_str(), "ab");
  if (out_ == nullptr) throw RunError(file.string() + ": cannot append");
}

TrialsLog::~TrialsLog() {
  if (out_ != nullptr) std::fclose(out_);
}

std::vector<json> read_records(const fs::path& file) {
  std::uintmax_t good = 0;
  return read_whole_lines(file, good);
}

std::set<std::uint64_t> TrialsLog::finished_ids() const {
  std::set<std::uint64_t> ids;
  for (const json& r : existing_)
    ids.insert(r.at("trial").get<std::uint64_t>());
  return ids;
}

void TrialsLog::append(const json& record) {
  const std::string line = record.dump() + "\n";
  const std::lock_guard<std::mutex> lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() ||
      std::fflush(out_) != 0 || ::fsync(::fileno(out_)) != 0)
    throw RunError("trials.jsonl: write failed");
}

namespace {

struct ConfigStats {
  std::uint64_t config = 0;
  json params;
  std::vector<std::uint64_t> trials;
  std::vector<double> values;  // the metric of its ok trials
  std::map<std::string, int> statuses;
  double mean = 0.0, std = 0.0;
};

double metric_of(const json& record, const std::string& metric) {
  const json& final = record.value("final", json::object());
  if (!final.contains(metric) || !final[metric].is_number()) return NAN;
  return final[metric].get<double>();
}

void finish_stats(ConfigStats& s) {
  if (s.values.empty()) return;
  double sum = 0.0;
  for (double v : s.values) sum += v;
  s.mean = sum / static_cast<double>(s.values.size());
  double sq = 0.0;
  for (double v : s.values) sq += (v - s.mean) * (v - s.mean);
  // Sample standard deviation (n - 1), 0 for a single value.
  s.std = s.values.size() > 1
              ? std::sqrt(sq / static_cast<double>(s.values.size() - 1))
              : 0.0;
}

// Search configurations, best first: those with an ok trial by mean metric
// (ties by config index), then those without.
std::vector<ConfigStats> rank_configs(const SweepSpec& spec,
                                      const std::vector<json>& records) {
  std::map<std::uint64_t, ConfigStats> by_config;
  for (const json& r : records) {
    if (r.value("phase", "search") != "search") continue;
    ConfigStats& s = by_config[r.at("config").get<std::uint64_t>()];
    s.config = r.at("config").get<std::uint64_t>();
    s.params = r.at("params");
    s.trials.push_back(r.at("trial").get<std::uint64_t>());
    s.statuses[r.at("status").get<std::string>()] += 1;
    const double v = metric_of(r, spec.metric);
    if (r.at("status") == "ok" && !std::isnan(v)) s.values.push_back(v);
  }
  std::vector<ConfigStats> ranked;
  for (auto& [config, s] : by_config) {
    std::sort(s.trials.begin(), s.trials.end());
    finish_stats(s);
    ranked.push_back(std::move(s));
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](const ConfigStats& a, const ConfigStats& b) {
                     if (a.values.empty() != b.values.empty())
                       return b.values.empty();
                     if (a.values.empty()) return false;
                     return spec.maximize ? a.mean > b.mean : a.mean < b.mean;
                   });
  return ranked;
}

json stats_json(const ConfigStats& s) {
  json j{{"config", s.config},
         {"params", s.params},
         {"trials", s.trials},
         {"statuses", s.statuses}};
  if (!s.values.empty()) {
    j["mean"] = s.mean;
    j["std"] = s.std;
    j["n"] = s.values.size();
  }
  return j;
}

json best_seeds_json(const SweepSpec& spec, const std::vector<json>& records) {
  ConfigStats s;
  for (const json& r : records) {
    if (r.value("phase", "search") != "best_seeds") continue;
    s.config = r.at("config").get<std::uint64_t>();
    s.params = r.at("params");
    s.trials.push_back(r.at("trial").get<std::uint64_t>());
    s.statuses[r.at("status").get<std::string>()] += 1;
    const double v = metric_of(r, spec.metric);
    if (r.at("status") == "ok" && !std::isnan(v)) s.values.push_back(v);
  }
  std::sort(s.trials.begin(), s.trials.end());
  finish_stats(s);
  json j = stats_json(s);
  j["values"] = s.values;
  return j;
}

}  // namespace

const json* best_search_record(const SweepSpec& spec,
                               const std::vector<json>& records) {
  const auto ranked = rank_configs(spec, records);
  if (ranked.empty() || ranked.front().values.empty()) return nullptr;
  const std::uint64_t first = ranked.front().trials.front();
  for (const json& r : records)
    if (r.at("trial").get<std::uint64_t>() == first) return &r;
  return nullptr;
}

json summarize(const SweepSpec& spec, std::vector<json> records) {
  std::sort(records.begin(), records.end(), [](const json& a, const json& b) {
    return a.at("trial").get<std::uint64_t>() <
           b.at("trial").get<std::uint64_t>();
  });
  std::map<std::string, int> counts{{"ok", 0}, {"diverged", 0}, {"failed", 0}};
  for (const json& r : records) counts[r.at("status").get<std::string>()] += 1;
  json ranking = json::array();
  const auto ranked = rank_configs(spec, records);
  for (const ConfigStats& s : ranked) ranking.push_back(stats_json(s));

  json summary{{"status", "complete"},
               {"metric", spec.metric},
               {"goal", spec.maximize ? "max" : "min"},
               {"trials", records.size()},
               {"counts", counts},
               {"ranking", ranking}};
  summary["best"] = nullptr;
  if (!ranked.empty() && !ranked.front().values.empty()) {
    json best = stats_json(ranked.front());
    for (const json& r : records)
      if (r.at("trial") == ranked.front().trials.front()) {
        best["trial"] = r.at("trial");
        best["final"] = r.at("final");
      }
    summary["best"] = best;
  }
  if (spec.then_best_seeds > 0)
    summary["best_seeds"] = best_seeds_json(spec, records);
  return summary;
}

}  // namespace descent::sweep
