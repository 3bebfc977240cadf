// End to end: a sweep split into shards (`descent sweep --shard K/N`, one
// per job-array task) and put back together by `descent merge`: the same
// records and summary as one process, missing trials named exactly,
// shards of different sweeps refused, a killed shard resumed.
//
// Exit codes: 0 ok, 1 incomplete or failed, 2 bad input.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace descent::cli_test;
using nlohmann::json;

namespace {

// Softmax regression on synthetic blobs: 6 rates, the two largest diverge.
// Trials take a few milliseconds.
std::string shard_sweep(const std::string& extra = "",
                        const std::string& seed = "3") {
  return "[experiment]\nname = shards\nseed = " + seed +
         "\n\n"
         "[data]\nsource = blobs\nrows = 600\nfeatures = 8\nclasses = 4\n"
         "spread = 3\n\n"
         "[model]\nname = softmax\n\n[loss]\nname = cross_entropy\n\n"
         "[optimizer]\nname = sgd\n\n[trainer]\nbatch_size = 16\nepochs = 2\n\n"
         "[sweep]\noptimizer.lr = 0.001, 0.01, 0.1, 1, 10, 100\n" +
         extra;
}

Result run_ok(const std::vector<std::string>& args, const fs::path& dir,
              int code) {
  const Result r = run_descent(args, dir);
  INFO("descent " << args[0] << " " << (args.size() > 1 ? args[1] : ""));
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == code);
  return r;
}

// trials.jsonl's records in file order, without "seconds".
std::vector<json> records_of(const fs::path& sweep) {
  std::vector<json> records;
  for (const std::string& line : lines_of(read_file(sweep / "trials.jsonl"))) {
    json r = json::parse(line);
    r.erase("seconds");
    records.push_back(r);
  }
  return records;
}

// Same records in the same order, same summary.json bytes, same per-trial
// metrics (seconds aside) and config.ini.
void require_same_sweep(const fs::path& a, const fs::path& b) {
  const auto ra = records_of(a), rb = records_of(b);
  REQUIRE(ra.size() == rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) CHECK(ra[i] == rb[i]);
  CHECK(read_file(a / "summary.json") == read_file(b / "summary.json"));
  for (const json& r : ra) {
    const std::string id = std::to_string(r.at("trial").get<int>());
    INFO("trials/" << id);
    const Csv ca =
        read_csv(a / "trials" / id / "metrics.csv").without("seconds");
    const Csv cb =
        read_csv(b / "trials" / id / "metrics.csv").without("seconds");
    CHECK(ca.header == cb.header);
    CHECK(ca.rows == cb.rows);
    CHECK(read_file(a / "trials" / id / "config.ini") ==
          read_file(b / "trials" / id / "config.ini"));
  }
}

void run_shards(const fs::path& dir, const std::string& n,
                const std::vector<std::string>& ks) {
  for (const std::string& k : ks)
    run_ok({"sweep", "exp.ini", "--quiet", "--shard", k + "/" + n, "--out",
            "s" + k},
           dir, 0);
}

}  // namespace

TEST_CASE(
    "shards 1/3 2/3 3/3 merged give the records and summary of one "
    "process",
    "[cli][sweep][shard]") {
  TempDir tmp("shards-merge");
  write_file(tmp / "exp.ini", shard_sweep());
  run_ok({"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
         tmp.path(), 0);
  run_shards(tmp.path(), "3", {"1", "2", "3"});

  // Each shard ran exactly its ids: t mod 3 == K - 1.
  for (const int k : {1, 2, 3}) {
    const fs::path s = tmp / ("s" + std::to_string(k));
    CHECK(read_json(s / "sweep.json").at("shard") == std::to_string(k) + "/3");
    CHECK(read_json(s / "summary.json").at("shard") ==
          std::to_string(k) + "/3");
    std::vector<int> ids;
    for (const json& r : records_of(s)) ids.push_back(r.at("trial"));
    std::sort(ids.begin(), ids.end());  // 2 threads: either order
    CHECK(ids == std::vector<int>{k - 1, k + 2});
  }

  // Folder order does not matter: the shard is read from each folder.
  const Result r =
      run_ok({"merge", "s3", "s1", "s2", "--out", "merged"}, tmp.path(), 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "merged 6 trials from 3 shards"));
  require_same_sweep(tmp / "one", tmp / "merged");
  const json summary = read_json(tmp / "merged" / "summary.json");
  CHECK(summary.at("status") == "complete");
  CHECK(summary.at("counts").at("ok") == 4);
  CHECK(summary.at("counts").at("diverged") == 2);

  const json sweep = read_json(tmp / "merged" / "sweep.json");
  CHECK_FALSE(sweep.contains("shard"));
  const json manifest = read_json(tmp / "merged" / "manifest.json");
  CHECK(manifest.at("kind") == "sweep");
  REQUIRE(manifest.at("shards").size() == 3);
  CHECK(manifest.at("shards")[0].at("shard") == "1/3");
  CHECK(manifest.at("shards")[2].at("shard") == "3/3");
  CHECK_FALSE(manifest.at("shards")[1].at("host").get<std::string>().empty());

  // The merged folder is an ordinary sweep folder: resuming it runs nothing.
  const std::string lines = read_file(tmp / "merged" / "trials.jsonl");
  run_ok({"sweep", "--resume", "merged", "--quiet"}, tmp.path(), 0);
  CHECK(read_file(tmp / "merged" / "trials.jsonl") == lines);
  require_same_sweep(tmp / "one", tmp / "merged");
}

TEST_CASE(
    "merging without one shard names exactly its trials and exits 1 "
    "and --resume of the merged folder completes it",
    "[cli][sweep][shard]") {
  TempDir tmp("shards-missing");
  write_file(tmp / "exp.ini", shard_sweep());
  run_ok({"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
         tmp.path(), 0);
  run_shards(tmp.path(), "3", {"1", "3"});

  const Result r =
      run_ok({"merge", "s1", "s3", "--out", "merged"}, tmp.path(), 1);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(contains(r.err_lines()[0], "2 of 6 trials missing: 1 4 ("));
  std::vector<int> ids;
  for (const json& rec : records_of(tmp / "merged"))
    ids.push_back(rec.at("trial"));
  CHECK(ids == std::vector<int>{0, 2, 3, 5});
  const json summary = read_json(tmp / "merged" / "summary.json");
  CHECK(summary.at("status") == "incomplete");
  CHECK(summary.at("missing") == json({1, 4}));
  CHECK(summary.at("trials") == 4);

  run_ok({"sweep", "--resume", "merged", "--quiet", "--threads", "1"},
         tmp.path(), 0);
  ids.clear();
  for (const json& rec : records_of(tmp / "merged"))
    ids.push_back(rec.at("trial"));
  CHECK(ids == std::vector<int>{0, 2, 3, 5, 1, 4});  // appended as they ran
  CHECK(read_file(tmp / "one" / "summary.json") ==
        read_file(tmp / "merged" / "summary.json"));
}

TEST_CASE("merge refuses shards of different sweeps naming the folder",
          "[cli][sweep][shard]") {
  TempDir tmp("shards-differ");
  write_file(tmp / "exp.ini", shard_sweep());
  run_shards(tmp.path(), "3", {"1", "2", "3"});
  fs::create_directories(tmp / "other");
  write_file(tmp / "other" / "exp.ini", shard_sweep("", "4"));
  run_ok({"sweep", "other/exp.ini", "--quiet", "--shard", "2/3", "--out", "x2"},
         tmp.path(), 0);
  run_ok({"sweep", "exp.ini", "--quiet", "--shard", "2/3", "--out", "o2",
          "--optimizer.momentum=0.5"},
         tmp.path(), 0);
  run_ok({"sweep", "exp.ini", "--quiet", "--shard", "2/4", "--out", "n4"},
         tmp.path(), 0);
  run_ok({"sweep", "exp.ini", "--quiet", "--out", "whole"}, tmp.path(), 0);
  const auto s1_before = snapshot(tmp / "s1");

  struct Case {
    std::vector<std::string> dirs;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases{
      {{"s1", "x2", "s3"}, {"x2", "s1", "experiment.ini"}},
      {{"s1", "o2", "s3"}, {"o2", "overrides", "optimizer.momentum=0.5"}},
      {{"s1", "n4", "s3"}, {"n4", "2/4", "1/3"}},
      {{"s1", "s2", "s2"}, {"s2", "2/3 again"}},
      {{"s1", "whole"}, {"whole", "not a shard"}},
      {{"s1", "nowhere"}, {"nowhere"}},
  };
  for (const Case& c : cases) {
    INFO(c.dirs[1] << " " << c.dirs.back());
    auto args = std::vector<std::string>{"merge"};
    args.insert(args.end(), c.dirs.begin(), c.dirs.end());
    args.insert(args.end(), {"--out", "merged"});
    require_one_line_error(run_descent(args, tmp.path()), c.names);
    CHECK_FALSE(fs::exists(tmp / "merged"));  // nothing written
  }
  CHECK(snapshot(tmp / "s1") == s1_before);  // inputs untouched

  // A shard run by another build of descent.
  const json original = read_json(tmp / "s2" / "manifest.json");
  json other_build = original;
  other_build["git_commit"] = "0123456789abcdef0123456789abcdef01234567";
  write_file(tmp / "s2" / "manifest.json", other_build.dump(2));
  require_one_line_error(
      run_descent({"merge", "s1", "s2", "s3", "--out", "merged"}, tmp.path()),
      {"s2", "descent build", "git_commit", "0123456789abcdef"});
  write_file(tmp / "s2" / "manifest.json", original.dump(2));

  // A plugin file that changed between shards (its SHA-256).
  json manifest = read_json(tmp / "s2" / "manifest.json");
  manifest["plugins"][2]["sha256"] = std::string(64, '0');
  write_file(tmp / "s2" / "manifest.json", manifest.dump(2));
  require_one_line_error(
      run_descent({"merge", "s1", "s2", "s3", "--out", "merged"}, tmp.path()),
      {"s2", "plugin sgd", "SHA-256"});

  // An existing, non-empty --out is never written into.
  fs::create_directories(tmp / "taken");
  write_file(tmp / "taken" / "keep.txt", "mine\n");
  require_one_line_error(
      run_descent({"merge", "s1", "s3", "--out", "taken"}, tmp.path()),
      {"taken"});
  CHECK(read_file(tmp / "taken" / "keep.txt") == "mine\n");
}

TEST_CASE("a killed shard resumes with --resume and merges as if whole",
          "[cli][sweep][shard][resume]") {
  TempDir tmp("shards-resume");
  write_file(tmp / "exp.ini", shard_sweep());
  run_ok({"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
         tmp.path(), 0);
  run_shards(tmp.path(), "2", {"1", "2"});
  // As if killed after its first trial, mid-write of the second.
  const auto lines = lines_of(read_file(tmp / "s2" / "trials.jsonl"));
  REQUIRE(lines.size() == 3);
  write_file(tmp / "s2" / "trials.jsonl", lines[0] + "\n{\"trial\": 3, \"par");
  fs::remove(tmp / "s2" / "summary.json");

  run_ok({"sweep", "--resume", "s2", "--quiet"}, tmp.path(), 0);
  const auto after = lines_of(read_file(tmp / "s2" / "trials.jsonl"));
  REQUIRE(after.size() == 3);
  CHECK(after[0] == lines[0]);  // the finished trial did not run again
  std::vector<int> ids;
  for (const json& r : records_of(tmp / "s2")) ids.push_back(r.at("trial"));
  CHECK(ids.size() == 3);
  CHECK(std::set<int>(ids.begin(), ids.end()) == std::set<int>{1, 3, 5});
  CHECK(read_json(tmp / "s2" / "summary.json").at("shard") == "2/2");

  run_ok({"merge", "s1", "s2", "--out", "merged"}, tmp.path(), 0);
  require_same_sweep(tmp / "one", tmp / "merged");
}

TEST_CASE(
    "with then_best_seeds the shards run the search and the merged "
    "folder's --resume runs the re-runs as one process would",
    "[cli][sweep][shard]") {
  TempDir tmp("shards-best");
  write_file(tmp / "exp.ini",
             shard_sweep("repeats = 2\nthen_best_seeds = 2\n"));
  run_ok({"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
         tmp.path(), 0);
  run_shards(tmp.path(), "2", {"1", "2"});
  for (const char* s : {"s1", "s2"}) CHECK(records_of(tmp / s).size() == 6);

  const Result r =
      run_ok({"merge", "s1", "s2", "--out", "merged"}, tmp.path(), 1);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(contains(r.err, "then_best_seeds"));
  CHECK(contains(r.err, "--resume merged"));
  CHECK(read_json(tmp / "merged" / "summary.json").at("status") ==
        "incomplete");

  run_ok({"sweep", "--resume", "merged", "--quiet", "--threads", "1"},
         tmp.path(), 0);
  require_same_sweep(tmp / "one", tmp / "merged");
  CHECK(read_json(tmp / "merged" / "summary.json")
            .at("best_seeds")
            .at("trials") == json({12, 13}));
}

TEST_CASE("sweep --shard refuses bad forms and --resume naming --shard",
          "[cli][sweep][shard]") {
  TempDir tmp("shards-bad");
  write_file(tmp / "exp.ini", shard_sweep());
  for (const std::string bad : {"0/3", "4/3", "1/0", "x", "1/3/2", ""}) {
    INFO("--shard '" << bad << "'");
    require_one_line_error(
        run_descent({"sweep", "exp.ini", "--shard", bad, "--out", "out"},
                    tmp.path()),
        {"--shard", "K/N"});
    CHECK_FALSE(fs::exists(tmp / "out"));
  }
  run_ok({"sweep", "exp.ini", "--quiet", "--shard", "1/2", "--out", "s1"},
         tmp.path(), 0);
  const auto before = snapshot(tmp / "s1");
  require_one_line_error(
      run_descent({"sweep", "--resume", "s1", "--shard", "2/2"}, tmp.path()),
      {"--shard"});
  CHECK(snapshot(tmp / "s1") == before);
  require_one_line_error(run_descent({"merge", "s1"}, tmp.path()), {"--out"});
}
