// End to end: `descent sweep` as a user runs it. The acceptance grid on
// Fashion-MNIST (large rates diverge, the summary names the best), results
// independent of --threads, a SIGKILLed sweep resumed to the same summary
// without re-running a finished trial, bad input refused before any folder
// is made, and a sweep whose trials all diverge.
//
// Exit codes (ARCHITECTURE.md): 0 ok, 1 run failed or diverged, 2 bad input.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace descent::cli_test;
using nlohmann::json;

namespace {

const fs::path kGrid = kExperiments / "lr_grid_search.ini";

bool have_fashion_mnist() {
  for (const char* name :
       {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    if (!fs::exists(kFashionDir / name)) return false;
  return true;
}

// Softmax regression on synthetic blobs, plain SGD: `sweep` is the body of
// the [sweep] section. Trials take a few milliseconds.
std::string blobs_sweep(const std::string& sweep) {
  return "# synthetic sweep for the CLI tests\n"
         "[experiment]\nname = sweep_small\nseed = 3\n\n"
         "[data]\nsource = blobs\nrows = 600\nfeatures = 8\nclasses = 4\n"
         "spread = 3\n\n"
         "[model]\nname = softmax\n\n"
         "[loss]\nname = cross_entropy\n\n"
         "[optimizer]\nname = sgd\n\n"
         "[trainer]\nbatch_size = 16\nepochs = 2\n\n"
         "[sweep]\n" +
         sweep;
}

// An MLP on overlapping blobs with Adam: 6 sampled rates x 2 repeats, then
// the best re-run with 2 fresh seeds = 14 trials of ~0.2-0.4 s on 2 cores,
// long enough to be killed midway.
std::string kill_sweep() {
  return "# a sweep to kill and resume\n"
         "[experiment]\nname = kill_resume\nseed = 4\n\n"
         "[data]\nsource = blobs\nrows = 20000\nfeatures = 64\nclasses = 5\n"
         "spread = 12\n\n"
         "[model]\nname = mlp\nhidden = 64\n\n"
         "[loss]\nname = cross_entropy\n\n"
         "[optimizer]\nname = adam\n\n"
         "[trainer]\nbatch_size = 16\nepochs = 2\n\n"
         "[sweep]\n"
         "optimizer.lr = loguniform(1e-4, 0.1)\n"
         "trials = 6\nrepeats = 2\nthen_best_seeds = 2\n";
}
constexpr std::size_t kKillSweepTrials = 6 * 2 + 2;

// The whole records of trials.jsonl, without "seconds", by trial id.
std::map<std::uint64_t, json> records_by_id(const fs::path& file) {
  std::map<std::uint64_t, json> records;
  for (const std::string& line : lines_of(read_file(file))) {
    json r = json::parse(line);
    r.erase("seconds");
    const auto id = r.at("trial").get<std::uint64_t>();
    INFO("trial " << id << " appears twice in " << file);
    CHECK(records.count(id) == 0);
    records[id] = r;
  }
  return records;
}

// The lines of a file that end with a newline (a torn last line left out).
std::vector<std::string> whole_lines(const std::string& text) {
  const auto end = text.rfind('\n');
  if (end == std::string::npos) return {};
  return lines_of(text.substr(0, end + 1));
}

// Every trial's metrics.csv without its seconds column, by trial id.
std::map<std::string, Csv> trial_metrics(const fs::path& sweep) {
  std::map<std::string, Csv> out;
  for (const auto& entry : fs::directory_iterator(sweep / "trials"))
    out[entry.path().filename().string()] =
        read_csv(entry.path() / "metrics.csv").without("seconds");
  return out;
}

bool same_csv(const Csv& a, const Csv& b) {
  return a.header == b.header && a.rows == b.rows;
}

// `descent sweep ...` with --threads N into `out`; requires exit `code`.
Result sweep(const std::vector<std::string>& args, const fs::path& scratch,
             int code = 0) {
  const Result r = run_descent(args, scratch);
  INFO("descent sweep " << (args.empty() ? "" : args[0]));
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == code);
  return r;
}

// Checks that two sweep folders hold the same results: trials.jsonl records
// (ignoring seconds and line order), summary.json, per-trial metrics.
void require_same_results(const fs::path& a, const fs::path& b) {
  const auto ra = records_by_id(a / "trials.jsonl");
  const auto rb = records_by_id(b / "trials.jsonl");
  REQUIRE(ra.size() == rb.size());
  for (const auto& [id, record] : ra) {
    INFO("trial " << id);
    REQUIRE(rb.count(id) == 1);
    CHECK(record.dump() == rb.at(id).dump());
  }
  CHECK(read_json(a / "summary.json") == read_json(b / "summary.json"));
  CHECK(read_file(a / "summary.json") == read_file(b / "summary.json"));
  const auto ma = trial_metrics(a), mb = trial_metrics(b);
  REQUIRE(ma.size() == mb.size());
  for (const auto& [id, csv] : ma) {
    INFO("trials/" << id << "/metrics.csv");
    REQUIRE(mb.count(id) == 1);
    CHECK(same_csv(csv, mb.at(id)));
  }
}

// Bad input: exit 2, exactly one non-empty stderr line mentioning each of
// `names`, and no folder at `out`.
void require_bad_input(const Result& r, const fs::path& out,
                       const std::vector<std::string>& names) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  const auto lines = r.err_lines();
  REQUIRE(lines.size() == 1);
  CHECK_FALSE(lines[0].empty());
  for (const std::string& name : names) {
    INFO("expected on stderr: " << name);
    CHECK(contains(lines[0], name));
  }
  CHECK_FALSE(fs::exists(out));
}

// ---- a child we can kill ----------------------------------------------------

// Starts `descent args...` in `scratch` (stdout and stderr to files there)
// and returns its pid.
pid_t spawn_descent(const std::vector<std::string>& args,
                    const fs::path& scratch) {
  std::vector<std::string> argv_text{kDescent.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (scratch / ".spawn-out").string();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) ::_exit(126);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    ::unsetenv("DESCENT_PLUGIN_PATH");
    if (::chdir(scratch.c_str()) != 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

std::size_t newline_count(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return 0;
  const std::string text = read_file(file);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits until `file` has at least `lines` whole lines, then SIGKILLs `pid`.
// Returns false if the process ended first (nothing was killed).
bool kill_after_lines(pid_t pid, const fs::path& file, std::size_t lines) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (newline_count(file) < lines) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("no " << lines << " lines in " << file << " after 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  CHECK(WIFSIGNALED(status));
  return true;
}

}  // namespace

// ---- acceptance: the learning-rate grid on Fashion-MNIST --------------------

// 9 log-spaced SGD rates from 1e-4 to 10 on a 6000-image subset, 1 epoch:
// lr 2.37 and 10 end diverged (train loss above 4x the initial loss), the
// seven below are ok. The same folders with --threads 1 and 2.
TEST_CASE(
    "sweep: the 9-point log grid on Fashion-MNIST diverges at the top "
    "and names the best, --threads 1 and 2 agree",
    "[cli][sweep][fashion]") {
  if (!have_fashion_mnist()) {
    WARN("skipped: Fashion-MNIST is not installed in " << kFashionDir);
    return;
  }
  TempDir tmp("sweep-grid");
  const std::vector<std::string> common{
      "sweep", kGrid.string(), "--data.train_limit=6000",
      "--data.test_limit=2000", "--trainer.epochs=1"};
  auto with = [&](const std::string& threads, const std::string& out) {
    auto args = common;
    args.insert(args.end(), {"--threads", threads, "--out", out});
    return args;
  };
  const Result one = sweep(with("1", "t1"), tmp.path());
  auto quiet = with("2", "t2");
  quiet.push_back("--quiet");
  sweep(quiet, tmp.path());
  CHECK(contains(one.out, "best: trial"));

  const auto records = records_by_id(tmp / "t1" / "trials.jsonl");
  REQUIRE(records.size() == 9);
  std::uint64_t expected_id = 0;
  double best_ok = std::numeric_limits<double>::infinity();
  std::uint64_t best_id = 0;
  bool diverged_seen = false;
  std::map<std::string, int> counts;
  for (const auto& [id, r] : records) {
    INFO(r.dump());
    CHECK(id == expected_id++);
    const double lr = r.at("params").at("optimizer.lr").get<double>();
    CHECK(lr ==
          Approx(std::pow(10.0, -4.0 + 5.0 * static_cast<double>(id) / 8.0))
              .epsilon(1e-12));
    CHECK(r.at("seed") == 1);
    const std::string status = r.at("status");
    counts[status] += 1;
    // Statuses by rising lr: ok ... ok, diverged ... diverged.
    if (diverged_seen) CHECK(status == "diverged");
    if (status == "diverged") {
      diverged_seen = true;
      CHECK(contains(r.at("reason").get<std::string>(), "initial loss"));
    }
    if (lr <= 0.2) CHECK(status == "ok");
    if (lr >= 5.0) CHECK(status == "diverged");
    if (status == "ok") {
      const double loss = r.at("final").at("test_loss").get<double>();
      if (loss < best_ok) {
        best_ok = loss;
        best_id = id;
      }
    }
    CHECK(
        fs::exists(tmp / "t1" / "trials" / std::to_string(id) / "metrics.csv"));
  }
  CHECK(counts["ok"] >= 5);
  CHECK(counts["diverged"] >= 1);

  const json summary = read_json(tmp / "t1" / "summary.json");
  CHECK(summary.at("metric") == "test_loss");
  CHECK(summary.at("counts").at("ok") == counts["ok"]);
  CHECK(summary.at("counts").at("diverged") == counts["diverged"]);
  CHECK(summary.at("counts").at("failed") == 0);
  CHECK(summary.at("ranking").size() == 9);
  const json& best = summary.at("best");
  REQUIRE(best.is_object());
  CHECK(best.at("trial") == best_id);
  CHECK(best.at("final").at("test_loss").get<double>() == best_ok);
  CHECK(best.at("params") == records.at(best_id).at("params"));
  CHECK(records.at(best_id).at("status") == "ok");
  CHECK(summary.at("ranking")[0].at("trials")[0] == best_id);

  require_same_results(tmp / "t1", tmp / "t2");
}

TEST_CASE(
    "sweep: --threads 1 and 2 give identical trials and summary on "
    "synthetic data (random search, repeats, best seeds)",
    "[cli][sweep]") {
  TempDir tmp("sweep-threads");
  write_file(tmp / "exp.ini",
             blobs_sweep("optimizer.lr = loguniform(1e-3, 100)\n"
                         "optimizer.momentum = 0, 0.9\n"
                         "trials = 6\nrepeats = 2\nthen_best_seeds = 2\n"
                         "metric = test_accuracy\n"));
  for (const std::string threads : {"1", "2"})
    sweep({"sweep", "exp.ini", "--quiet", "--threads", threads, "--out",
           "t" + threads},
          tmp.path());
  const auto records = records_by_id(tmp / "t1" / "trials.jsonl");
  REQUIRE(records.size() == 14);
  std::set<std::string> statuses;
  for (const auto& [id, r] : records) statuses.insert(r.at("status"));
  // lr up to 100 diverges: both outcomes occur and must agree.
  CHECK(statuses.count("ok") == 1);
  CHECK(statuses.count("diverged") == 1);
  const json summary = read_json(tmp / "t1" / "summary.json");
  CHECK(summary.at("goal") == "max");
  REQUIRE(summary.contains("best_seeds"));
  CHECK(summary.at("best_seeds").at("trials") == json({12, 13}));
  CHECK(summary.at("best_seeds").at("params") ==
        summary.at("best").at("params"));
  require_same_results(tmp / "t1", tmp / "t2");
}

// ---- kill and resume --------------------------------------------------------

TEST_CASE(
    "sweep: a SIGKILLed sweep resumes to the uninterrupted summary, "
    "running no finished trial twice",
    "[cli][sweep][resume]") {
  TempDir tmp("sweep-kill");
  write_file(tmp / "exp.ini", kill_sweep());
  sweep({"sweep", "exp.ini", "--quiet", "--threads", "2", "--out", "whole"},
        tmp.path());
  REQUIRE(newline_count(tmp / "whole" / "trials.jsonl") == kKillSweepTrials);

  // Killed during the search (2 lines), and during the best-seeds re-runs
  // (12 lines: the search is done).
  for (const std::size_t kill_at : {std::size_t{2}, std::size_t{12}}) {
    INFO("killed after " << kill_at << " trials");
    const std::string out = "killed" + std::to_string(kill_at);
    const fs::path log = tmp / out / "trials.jsonl";
    const pid_t pid = spawn_descent(
        {"sweep", "exp.ini", "--quiet", "--threads", "2", "--out", out},
        tmp.path());
    if (!kill_after_lines(pid, log, kill_at)) {
      WARN("the sweep finished before it could be killed at " << kill_at);
      continue;
    }
    const std::string before_text = read_file(log);
    const std::vector<std::string> before = whole_lines(before_text);
    INFO(before.size() << " trials finished before the kill");
    REQUIRE(before.size() >= kill_at);
    // A kill in the middle of a write leaves a torn line; make one.
    if (before_text.back() == '\n')
      write_file(log, before_text + R"({"trial": 99, "params": {"opt)");

    const Result r = run_descent(
        {"sweep", "--resume", out, "--quiet", "--threads", "2"}, tmp.path());
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    REQUIRE(r.code == 0);

    const std::string after_text = read_file(log);
    CHECK(after_text.back() == '\n');
    const std::vector<std::string> after = lines_of(after_text);
    CHECK(after.size() == kKillSweepTrials);
    std::map<std::uint64_t, int> seen;
    for (const std::string& line : after)
      seen[json::parse(line).at("trial").get<std::uint64_t>()] += 1;
    CHECK(seen.size() == kKillSweepTrials);
    for (const auto& [id, n] : seen) {
      INFO("trial " << id);
      CHECK(n == 1);
      CHECK(id < kKillSweepTrials);
    }
    // Trials finished before the kill kept their exact lines (a re-run
    // would have written another line, with other seconds).
    for (const std::string& line : before)
      CHECK(std::count(after.begin(), after.end(), line) == 1);

    require_same_results(tmp / "whole", tmp / out);

    // Resuming a finished sweep runs nothing and changes nothing.
    const std::string done = read_file(log);
    const std::string summary = read_file(tmp / out / "summary.json");
    sweep({"sweep", "--resume", out, "--quiet"}, tmp.path());
    CHECK(read_file(log) == done);
    CHECK(read_file(tmp / out / "summary.json") == summary);
  }
}

// Starts `args` and SIGKILLs it after `delay`. Returns true if it was killed,
// false if it finished first (then it must have exited 0).
bool kill_after(const std::vector<std::string>& args, const fs::path& scratch,
                std::chrono::milliseconds delay) {
  const pid_t pid = spawn_descent(args, scratch);
  const auto deadline = std::chrono::steady_clock::now() + delay;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      INFO(read_file(scratch / ".spawn-out"));
      REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) REQUIRE(WEXITSTATUS(status) == 0);
  return WIFSIGNALED(status);
}

// Pids of live `descent sweep-trial` workers whose request names `out`.
std::vector<std::string> workers_of(const fs::path& out) {
  std::vector<std::string> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (contains(cmdline, "sweep-trial") && contains(cmdline, out.string()))
      pids.push_back(entry.path().filename().string());
  }
  return pids;
}

// Kills the sweep into `out` at seeded-random moments, resuming it each
// time, then lets it finish. After every kill: each record written before
// it is still there exactly once (no finished trial ran again) and no
// worker outlived its sweep. Returns the number of kills survived.
int kill_at_random_moments(const fs::path& scratch, const fs::path& out,
                           const std::vector<std::string>& extra,
                           std::uint64_t seed) {
  std::mt19937_64 rng(seed);  // the moments are the same on every run
  std::uniform_int_distribution<int> delay_ms(100, 900);
  int kills = 0;
  std::vector<std::string> recorded;
  for (int attempt = 0; attempt < 6; ++attempt) {
    std::vector<std::string> args{"sweep", "--resume", out.string()};
    if (!fs::exists(out / "sweep.json")) {  // killed before it started
      fs::remove_all(out);
      args = {"sweep", "exp.ini", "--out", out.string()};
    }
    args.insert(args.end(), {"--quiet", "--threads", "2"});
    args.insert(args.end(), extra.begin(), extra.end());
    const std::chrono::milliseconds delay(delay_ms(rng));
    INFO("attempt " << attempt << ", kill after " << delay.count() << " ms");
    if (!kill_after(args, scratch, delay)) break;
    ++kills;
    const std::vector<std::string> now =
        whole_lines(read_file(out / "trials.jsonl"));
    for (const std::string& line : recorded)
      CHECK(std::count(now.begin(), now.end(), line) == 1);
    recorded = now;
    // Workers die with their parent (PR_SET_PDEATHSIG): within a second.
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!workers_of(out).empty() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(workers_of(out).empty());
  }
  std::vector<std::string> finish{"sweep", "--resume", out.string(), "--quiet"};
  finish.insert(finish.end(), extra.begin(), extra.end());
  sweep(finish, scratch);
  const std::vector<std::string> after =
      lines_of(read_file(out / "trials.jsonl"));
  for (const std::string& line : recorded)
    CHECK(std::count(after.begin(), after.end(), line) == 1);
  return kills;
}

TEST_CASE(
    "sweep: killed at seeded-random moments and resumed each time, in "
    "process and with --isolate, a sweep ends as an uninterrupted one",
    "[cli][sweep][resume][isolate]") {
  TempDir tmp("sweep-kill-random");
  write_file(tmp / "exp.ini", kill_sweep());
  sweep({"sweep", "exp.ini", "--quiet", "--threads", "2", "--out", "whole"},
        tmp.path());
  for (const bool isolate : {false, true}) {
    INFO((isolate ? "--isolate" : "in process"));
    const fs::path out = tmp / (isolate ? "isolated" : "in-process");
    const std::vector<std::string> extra =
        isolate ? std::vector<std::string>{"--isolate"}
                : std::vector<std::string>{};
    const int kills = kill_at_random_moments(tmp.path(), out, extra, 9);
    WARN(kills << " kills survived " << (isolate ? "with --isolate" : ""));
    CHECK(kills >= 2);
    // No trial lost or run twice, and the same numbers as never killed.
    CHECK(newline_count(out / "trials.jsonl") == kKillSweepTrials);
    require_same_results(tmp / "whole", out);
  }
}

// ---- bad input --------------------------------------------------------------

TEST_CASE("sweep: bad specs exit 2 with one line and no sweep folder",
          "[cli][sweep]") {
  TempDir tmp("sweep-bad");
  struct Case {
    const char* what;
    std::string sweep;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases{
      {"grid beyond lr's declared max",
       "optimizer.lr = grid(1e-4, 1e4, 3, log)\n",
       {"optimizer.lr", "1000"}},
      {"typo in the function",
       "optimizer.lr = gird(1e-4, 1, 5, log)\n",
       {"exp.ini", "sweep.optimizer.lr", "gird"}},
      {"unknown sweep option",
       "optimizer.lr = 0.1, 0.2\ntrails = 8\n",
       {"exp.ini", "sweep.trails"}},
      {"loguniform beyond the declared max",
       "optimizer.lr = loguniform(1e-4, 1e4)\ntrials = 3\n",
       {"exp.ini", "sweep.optimizer.lr"}},
      {"empty [sweep]", "", {"exp.ini", "[sweep]"}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    write_file(tmp / "exp.ini", blobs_sweep(c.sweep));
    const Result r =
        run_descent({"sweep", "exp.ini", "--out", "out"}, tmp.path());
    require_bad_input(r, tmp / "out", c.names);
  }
}

// Grid points are checked against the declared bounds when the [sweep]
// section is read, so the message names the file and the sweep key.
TEST_CASE(
    "sweep: a grid point beyond the declared bounds names the file "
    "and the sweep key",
    "[cli][sweep]") {
  TempDir tmp("sweep-bad-grid");
  write_file(tmp / "exp.ini",
             blobs_sweep("optimizer.lr = grid(1e-4, 1e4, 3, log)\n"));
  const Result r =
      run_descent({"sweep", "exp.ini", "--out", "out"}, tmp.path());
  require_bad_input(r, tmp / "out",
                    {"exp.ini", "sweep.optimizer.lr", "[0, 1000]"});
}

TEST_CASE(
    "sweep --resume refuses a folder that is not a sweep, and a "
    "changed experiment file",
    "[cli][sweep][resume]") {
  TempDir tmp("sweep-resume-bad");
  fs::create_directories(tmp / "plain");
  write_file(tmp / "plain" / "summary.json", "{}\n");
  const auto plain_before = snapshot(tmp / "plain");
  const Result not_sweep =
      run_descent({"sweep", "--resume", "plain"}, tmp.path());
  {
    INFO("stderr: " << not_sweep.err);
    CHECK(not_sweep.code == 2);
    REQUIRE(not_sweep.err_lines().size() == 1);
    CHECK(contains(not_sweep.err, "plain"));
  }
  CHECK(snapshot(tmp / "plain") == plain_before);

  const Result missing =
      run_descent({"sweep", "--resume", "nowhere"}, tmp.path());
  CHECK(missing.code == 2);
  CHECK(missing.err_lines().size() == 1);
  CHECK_FALSE(fs::exists(tmp / "nowhere"));

  write_file(tmp / "exp.ini", blobs_sweep("optimizer.lr = 0.01, 0.1\n"));
  sweep({"sweep", "exp.ini", "--quiet", "--out", "s"}, tmp.path());
  const auto sweep_before = snapshot(tmp / "s");
  write_file(tmp / "exp.ini", blobs_sweep("optimizer.lr = 0.01, 0.1, 1\n"));
  const Result changed = run_descent({"sweep", "--resume", "s"}, tmp.path());
  {
    INFO("stderr: " << changed.err);
    CHECK(changed.code == 2);
    REQUIRE(changed.err_lines().size() == 1);
    CHECK(contains(changed.err, "exp.ini"));
    CHECK(contains(changed.err, "changed"));
  }
  CHECK(snapshot(tmp / "s") == sweep_before);
}

// ---- all diverged -----------------------------------------------------------

TEST_CASE("sweep: when every trial diverges, exit 1 and a summary with counts",
          "[cli][sweep]") {
  TempDir tmp("sweep-diverge");
  write_file(tmp / "exp.ini", blobs_sweep("optimizer.lr = 200, 500, 1000\n"));
  const Result r =
      sweep({"sweep", "exp.ini", "--quiet", "--out", "out"}, tmp.path(), 1);
  const json summary = read_json(tmp / "out" / "summary.json");
  CHECK(summary.at("best").is_null());
  CHECK(summary.at("trials") == 3);
  CHECK(summary.at("counts").at("diverged") == 3);
  CHECK(summary.at("counts").at("ok") == 0);
  CHECK(summary.at("counts").at("failed") == 0);
  CHECK(summary.at("ranking").size() == 3);
  const auto records = records_by_id(tmp / "out" / "trials.jsonl");
  REQUIRE(records.size() == 3);
  for (const auto& [id, record] : records) {
    CHECK(record.at("status") == "diverged");
    CHECK_FALSE(record.at("reason").get<std::string>().empty());
  }
}

// ---- the order of a product -------------------------------------------------

// "Last key fastest" follows the order the file lists the keys in.
TEST_CASE("sweep: in a product the key listed last in the file varies fastest",
          "[cli][sweep]") {
  TempDir tmp("sweep-order");
  write_file(tmp / "exp.ini", blobs_sweep("optimizer.momentum = 0, 0.9\n"
                                          "optimizer.lr = 0.01, 0.1\n"));
  sweep({"sweep", "exp.ini", "--quiet", "--out", "out"}, tmp.path());
  const auto records = records_by_id(tmp / "out" / "trials.jsonl");
  REQUIRE(records.size() == 4);
  CHECK(records.at(0).at("params").at("optimizer.lr") == 0.01);
  CHECK(records.at(1).at("params").at("optimizer.lr") == 0.1);
  CHECK(records.at(0).at("params").at("optimizer.momentum") == 0.0);
  CHECK(records.at(1).at("params").at("optimizer.momentum") == 0.0);
}

TEST_CASE("sweep: the manifest lists every plugin a trial uses",
          "[cli][sweep]") {
  TempDir tmp("sweep-plugins");
  write_file(tmp / "exp.ini", blobs_sweep("optimizer.name = sgd, adam\n"));
  sweep({"sweep", "exp.ini", "--quiet", "--out", "out"}, tmp.path());
  const json manifest = json::parse(read_file(tmp / "out" / "manifest.json"));
  std::vector<std::string> names;
  for (const json& p : manifest.at("plugins")) {
    names.push_back(p.at("name").get<std::string>());
    CHECK(p.at("sha256").get<std::string>().size() == 64);
  }
  CHECK(names ==
        std::vector<std::string>{"softmax", "cross_entropy", "sgd", "adam"});
}
