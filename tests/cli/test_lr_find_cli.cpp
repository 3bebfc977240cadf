// End to end: `descent lr-find` as a user runs it — exit codes, the lines it
// prints, the run folder it leaves, and bad input refused before anything is
// written.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

using namespace descent::cli_test;
using nlohmann::json;

namespace {

// Synthetic linear regression with sgd and mini-batches of 16: runs in
// milliseconds.
std::string small_experiment() {
  return "[experiment]\nname = cli_small\nseed = 3\n\n"
         "[data]\nsource = linear\nrows = 200\nfeatures = 3\n\n"
         "[model]\nname = linear\n\n"
         "[loss]\nname = mse\n\n"
         "[optimizer]\nname = sgd\nlr = 0.01\n\n"
         "[trainer]\nbatch_size = 16\nepochs = 2\n";
}

fs::path write_small(const TempDir& tmp) {
  const fs::path file = tmp / "small.ini";
  write_file(file, small_experiment());
  return file;
}

double number_after(const std::string& line, const std::string& prefix) {
  REQUIRE(line.rfind(prefix, 0) == 0);
  return std::strtod(line.c_str() + prefix.size(), nullptr);
}

// Bad input: exit 2, one line on stderr naming every one of `names`, and no
// run folder.
void require_bad_input(const Result& r, const fs::path& out,
                       const std::vector<std::string>& names) {
  require_one_line_error(r, names);
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.parent_path() / "runs"));
}

}  // namespace

TEST_CASE("lr-find writes the curve, the summary and a suggestion",
          "[cli][lr_find]") {
  TempDir tmp("lrfind-ok");
  const fs::path out = tmp / "run";
  const Result r = run_descent(
      {"lr-find", write_small(tmp).string(), "--out", out.string(), "--start",
       "1e-5", "--end", "100", "--steps", "80", "--threads", "1"},
      tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  for (const char* file :
       {"config.ini", "manifest.json", "lr_find.csv", "summary.json"})
    CHECK(fs::exists(out / file));

  const json summary = read_json(out / "summary.json");
  CHECK(summary["status"] == "ok");
  CHECK(summary["stopped"] == "diverged");  // sgd cannot survive lr = 100
  const auto steps = summary["steps"].get<std::size_t>();
  CHECK(steps < 80);
  const double suggested = summary["suggested_lr"].get<double>();
  CHECK(suggested == summary["lr_min"].get<double>());
  CHECK(suggested >= 1e-5);
  CHECK(suggested <= 100);
  CHECK(summary["lr_steep"].is_number());
  CHECK(summary["min_loss"].is_number());
  CHECK(read_json(out / "manifest.json")["lr_find"]["steps"] == 80);

  const Csv csv = read_csv(out / "lr_find.csv");
  CHECK(csv.header ==
        std::vector<std::string>{"step", "lr", "loss", "smoothed_loss"});
  REQUIRE(csv.rows.size() == steps);
  CHECK(csv.rows[0][0] == "0");
  CHECK(std::strtod(csv.rows[0][1].c_str(), nullptr) == 1e-5);
  CHECK(csv.rows[0][2] == csv.rows[0][3]);  // smoothing starts unbiased

  // One line each for lr_min and lr_steep, and the suggestion last.
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[lines.size() - 5].rfind("stopped: diverged", 0) == 0);
  CHECK(lines[lines.size() - 4].rfind("lr_min: ", 0) == 0);
  CHECK(lines[lines.size() - 3].rfind("lr_steep: ", 0) == 0);
  CHECK(number_after(lines.back(), "suggested lr: ") ==
        Approx(suggested).epsilon(1e-2));

  // config.ini is the resolved experiment: `descent run` accepts it.
  const Result again =
      run_descent({"run", (out / "config.ini").string(), "--out",
                   (tmp / "again").string(), "--quiet"},
                  tmp.path());
  CHECK(again.code == 0);
}

TEST_CASE("lr-find runs to the end when nothing blows up, quietly",
          "[cli][lr_find]") {
  TempDir tmp("lrfind-end");
  const Result r =
      run_descent({"lr-find", write_small(tmp).string(), "--start", "1e-6",
                   "--end", "1e-3", "--steps", "20", "--quiet"},
                  tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // Default folder: runs/<experiment>-lrfind-<UTC time>.
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(tmp / "runs"))
    runs.push_back(entry.path());
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].filename().string().rfind("cli_small-lrfind-", 0) == 0);
  const json summary = read_json(runs[0] / "summary.json");
  CHECK(summary["stopped"] == "end");
  CHECK(summary["steps"] == 20);
  CHECK_FALSE(contains(r.out, "step "));  // no progress lines
  CHECK(lines_of(r.out).back().rfind("suggested lr: ", 0) == 0);
}

TEST_CASE("lr-find curves do not depend on the thread count",
          "[cli][lr_find][determinism]") {
  TempDir tmp("lrfind-threads");
  const fs::path file = write_small(tmp);
  for (const char* threads : {"1", "2"}) {
    const Result r =
        run_descent({"lr-find", file.string(), "--out",
                     (tmp / threads).string(), "--threads", threads, "--quiet"},
                    tmp.path());
    REQUIRE(r.code == 0);
  }
  CHECK(read_file(tmp / "1" / "lr_find.csv") ==
        read_file(tmp / "2" / "lr_find.csv"));
}

TEST_CASE("lr-find on an analytic objective", "[cli][lr_find]") {
  TempDir tmp("lrfind-analytic");
  const Result r = run_descent(
      {"lr-find", (kExperiments / "rosenbrock_momentum.ini").string(), "--out",
       (tmp / "run").string(), "--quiet"},
      tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const json summary = read_json(tmp / "run" / "summary.json");
  CHECK(summary["status"] == "ok");
  CHECK(summary["suggested_lr"].is_number());
}

TEST_CASE("lr-find refuses bad flags before writing anything",
          "[cli][lr_find]") {
  TempDir tmp("lrfind-bad");
  const std::string file = write_small(tmp).string();
  const fs::path out = tmp / "run";
  struct Case {
    std::vector<std::string> flags;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      {{"--start", "0"}, {"--start"}},
      {{"--start", "-1"}, {"--start"}},
      {{"--start", "1", "--end", "1"}, {"--end", "--start"}},
      {{"--start", "10", "--end", "1"}, {"--end", "--start"}},
      {{"--steps", "1"}, {"--steps"}},
      {{"--steps", "-5"}, {"--steps"}},
      {{"--steps", "many"}, {"steps"}},
      {{"--smoothing", "1"}, {"--smoothing"}},
      {{"--stop-factor", "0.5"}, {"--stop-factor"}},
      {{"--optimizer.bogus=1"}, {"optimizer.bogus"}},
      {{"--bogus"}, {"bogus"}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"lr-find", file, "--out", out.string()};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    INFO("flags: " << c.flags.front());
    require_bad_input(run_descent(args, tmp.path()), out, c.names);
  }
  require_bad_input(run_descent({"lr-find", (tmp / "missing.ini").string(),
                                 "--out", out.string()},
                                tmp.path()),
                    out, {"missing.ini"});
  require_bad_input(run_descent({"lr-find"}, tmp.path()), out,
                    {"EXPERIMENT.ini"});
}

TEST_CASE("descent lr-find --help exits 0", "[cli][lr_find]") {
  TempDir tmp("lrfind-help");
  const Result r = run_descent({"lr-find", "--help"}, tmp.path());
  CHECK(r.code == 0);
  CHECK(contains(r.out, "usage: descent lr-find"));
  CHECK(contains(r.out, "--stop-factor"));
  const Result top = run_descent({"--help"}, tmp.path());
  CHECK(contains(top.out, "lr-find"));
}
