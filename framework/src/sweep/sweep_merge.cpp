// descent merge: the folders of `descent sweep --shard K/N` back into one
// ordinary sweep folder. Everything is read and checked before anything is
// written: shards of different sweeps are refused, naming the folder and
// what differs.
#include "sweep_records.hpp"

#include <descent/errors.hpp>
#include <descent/records.hpp>
#include <descent/sweep.hpp>
#include <descent/text_file.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace descent {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ShardFolder {
  fs::path dir;
  SweepShard shard;
  json sweep, manifest;
  std::string experiment;                 // experiment.ini's bytes
  std::map<std::uint64_t, json> records;  // by trial id
};

json read_json_in(const fs::path& dir, const std::string& name) {
  const fs::path file = dir / name;
  if (!fs::exists(file))
    throw InputError(dir.string() + ": not a sweep shard (no " + name + ")");
  try {
    return json::parse(read_text_file(file));
  } catch (const json::exception& e) {
    throw InputError(file.string() + ": unreadable: " + e.what());
  }
}

// A record must belong to its folder's shard: anything else means the
// folder was edited or mixed up.
void add_records(ShardFolder& s) {
  const auto search = s.sweep.at("search_trials").get<std::uint64_t>();
  for (const json& r : sweep::read_records(s.dir / "trials.jsonl")) {
    const auto id = r.at("trial").get<std::uint64_t>();
    if (id >= search || id % s.shard.n != s.shard.k - 1)
      throw InputError((s.dir / "trials.jsonl").string() + ": trial " +
                       std::to_string(id) + " is not in shard " +
                       s.shard.text());
    s.records.emplace(id, r);  // a repeated id keeps its first record
  }
}

ShardFolder read_shard(const fs::path& dir) {
  if (!fs::is_directory(dir))
    throw InputError(dir.string() + ": no such folder");
  ShardFolder s;
  s.dir = dir;
  s.sweep = read_json_in(dir, "sweep.json");
  if (!s.sweep.contains("shard"))
    throw InputError(dir.string() +
                     ": not a shard (its sweep.json has no shard; made "
                     "without descent sweep --shard K/N)");
  s.shard = parse_shard(s.sweep.at("shard").get<std::string>(),
                        (dir / "sweep.json").string() + ": shard");
  s.manifest = read_json_in(dir, "manifest.json");
  s.experiment = read_text_file(dir / "experiment.ini");
  add_records(s);
  return s;
}

// The name and SHA-256 of each plugin or data file a manifest lists.
std::vector<std::pair<std::string, std::string>> hashes(const json& list,
                                                        const char* name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const json& item : list)
    if (item.is_object())
      out.emplace_back(item.value(name, "?"), item.value("sha256", ""));
  return out;
}

void check_hashes(const ShardFolder& s, const ShardFolder& first,
                  const char* list, const char* name, const char* what) {
  const auto a = hashes(s.manifest.value(list, json::array()), name);
  const auto b = hashes(first.manifest.value(list, json::array()), name);
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i)
    if (i >= a.size() || i >= b.size() || a[i] != b[i])
      throw InputError(s.dir.string() + ": not the same sweep as " +
                       first.dir.string() + ": " + what + " " +
                       (i < a.size() ? a[i].first : b[i].first) +
                       " differs (SHA-256 in manifest.json)");
}

// Refuses a shard that is not of the same sweep as `first`.
void check_same_sweep(const ShardFolder& s, const ShardFolder& first) {
  auto differs = [&](const std::string& what, const json& mine,
                     const json& theirs) {
    throw InputError(s.dir.string() + ": not the same sweep as " +
                     first.dir.string() + ": " + what + " differs (" +
                     mine.dump() + " vs " + theirs.dump() + ")");
  };
  if (s.shard.n != first.shard.n)
    throw InputError(s.dir.string() + ": shard " + s.shard.text() + ", but " +
                     first.dir.string() + " is shard " + first.shard.text() +
                     "; the shards of one sweep have the same N");
  if (s.experiment != first.experiment)
    throw InputError(s.dir.string() + ": not the same sweep as " +
                     first.dir.string() +
                     ": experiment.ini differs (another experiment)");
  for (const char* key :
       {"overrides", "search_trials", "then_best_seeds", "metric"})
    if (s.sweep.value(key, json()) != first.sweep.value(key, json()))
      differs(std::string("sweep.json's ") + key, s.sweep.value(key, json()),
              first.sweep.value(key, json()));
  if (s.manifest.value("seed", json()) != first.manifest.value("seed", json()))
    differs("the seed", s.manifest.value("seed", json()),
            first.manifest.value("seed", json()));
  // Another descent build may compute differently: results are promised
  // bit for bit only for one build.
  for (const char* key : {"descent_version", "git_commit", "git_dirty"})
    if (s.manifest.value(key, json()) != first.manifest.value(key, json()))
      differs(std::string("the descent build (manifest.json's ") + key + ")",
              s.manifest.value(key, json()), first.manifest.value(key, json()));
  check_hashes(s, first, "plugins", "name", "plugin");
  check_hashes(s, first, "data_files", "path", "data file");
}

std::vector<ShardFolder> read_shards(const std::vector<fs::path>& dirs) {
  std::vector<ShardFolder> shards;
  for (const fs::path& dir : dirs) shards.push_back(read_shard(dir));
  std::stable_sort(shards.begin(), shards.end(),
                   [](const ShardFolder& a, const ShardFolder& b) {
                     return a.shard.k < b.shard.k;
                   });
  for (std::size_t i = 0; i < shards.size(); ++i) {
    check_same_sweep(shards[i], shards[0]);
    if (i > 0 && shards[i].shard.k == shards[i - 1].shard.k)
      throw InputError(shards[i].dir.string() + ": shard " +
                       shards[i].shard.text() + " again (also " +
                       shards[i - 1].dir.string() + ")");
  }
  return shards;
}

json merged_manifest(const std::vector<ShardFolder>& shards,
                     const MergeOptions& o) {
  json manifest = shards.front().manifest;
  manifest["kind"] = "sweep";
  json list = json::array();
  for (const ShardFolder& s : shards)
    list.push_back({{"shard", s.shard.text()},
                    {"folder", fs::absolute(s.dir).string()},
                    {"host", s.manifest.value("host", "")},
                    {"command_line", s.manifest.value("command_line", json())},
                    {"git_commit", s.manifest.value("git_commit", "")}});
  manifest["shards"] = list;
  manifest["command_line"] = o.command_line;
  return manifest;
}

// Writes the merged folder; returns its records in trial-id order.
std::vector<json> write_merged(const std::vector<ShardFolder>& shards,
                               const MergeOptions& o) {
  const ShardFolder& first = shards.front();
  const RunDirectory dir(o.out);
  write_file_atomically(o.out / "config.ini",
                        read_text_file(first.dir / "config.ini"));
  write_file_atomically(o.out / "experiment.ini", first.experiment);
  json sweep = first.sweep;
  sweep.erase("shard");  // an ordinary sweep folder: --resume runs it all
  dir.write_json("sweep.json", sweep);
  dir.write_json("manifest.json", merged_manifest(shards, o));
  std::map<std::uint64_t, json> records;
  fs::create_directories(o.out / "trials");
  for (const ShardFolder& s : shards)
    for (const auto& [id, record] : s.records) {
      const fs::path from = s.dir / "trials" / std::to_string(id);
      if (fs::exists(from))
        fs::copy(from, o.out / "trials" / std::to_string(id),
                 fs::copy_options::recursive);
      records.emplace(id, record);
    }
  std::string lines;
  std::vector<json> ordered;
  for (const auto& [id, record] : records) {
    lines += record.dump() + "\n";
    ordered.push_back(record);
  }
  write_file_atomically(o.out / "trials.jsonl", lines);
  return ordered;
}

std::string id_list(const std::vector<std::uint64_t>& ids) {
  std::string text;
  for (std::uint64_t id : ids)
    text += (text.empty() ? "" : " ") + std::to_string(id);
  return text;
}

}  // namespace

int merge_sweep_shards(const MergeOptions& o) {
  if (o.shards.empty())
    throw InputError("descent merge: expected the shard folders to merge");
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_empty(o.out, ec))
    throw InputError(o.out.string() +
                     ": exists and is not empty; merge writes a new folder");
  const std::vector<ShardFolder> shards = read_shards(o.shards);
  const std::vector<json> records = write_merged(shards, o);

  const json& sweep = shards.front().sweep;
  SweepSpec spec;
  spec.metric = sweep.at("metric").get<std::string>();
  spec.maximize = spec.metric == "test_accuracy";  // as parse_sweep
  spec.then_best_seeds = sweep.at("then_best_seeds").get<std::uint64_t>();
  const auto search = sweep.at("search_trials").get<std::uint64_t>();
  std::set<std::uint64_t> present;
  for (const json& r : records)
    present.insert(r.at("trial").get<std::uint64_t>());
  std::vector<std::uint64_t> missing;
  for (std::uint64_t id = 0; id < search; ++id)
    if (!present.count(id)) missing.push_back(id);
  json summary = sweep::summarize(spec, records);
  if (!missing.empty() || spec.then_best_seeds > 0) {
    summary["status"] = "incomplete";
    summary["missing"] = missing;
  }
  write_file_atomically(o.out / "summary.json", summary.dump(2) + "\n");
  std::printf("merged %zu trials from %zu shards into %s\n", records.size(),
              shards.size(), o.out.string().c_str());
  if (!missing.empty()) {
    std::fprintf(stderr,
                 "merge: %zu of %llu trials missing: %s (resume their "
                 "shards and merge again, or descent sweep --resume %s)\n",
                 missing.size(), static_cast<unsigned long long>(search),
                 id_list(missing).c_str(), o.out.string().c_str());
    return kExitRunFailed;
  }
  if (spec.then_best_seeds > 0) {
    std::fprintf(stderr,
                 "merge: the search is complete; its %llu then_best_seeds "
                 "re-runs are not run yet: descent sweep --resume %s\n",
                 static_cast<unsigned long long>(spec.then_best_seeds),
                 o.out.string().c_str());
    return kExitRunFailed;
  }
  return summary["best"].is_null() ? kExitRunFailed : kExitOk;
}

}  // namespace descent
