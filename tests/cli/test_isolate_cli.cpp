// End to end: `descent sweep --isolate` (issue 9, crash isolation). A
// test-only optimizer (plugins/faulty.cpp) segfaults, aborts, throws out of
// its C entry point or hangs on request; each fault marks only its own
// trial and every other trial's results equal, bit for bit, those of an
// in-process sweep without the faulty values.
//
// Exit codes (README): 0 ok, 1 no trial ended ok, 2 bad input.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace descent::cli_test;
using nlohmann::json;

namespace {

const fs::path kFaultyDir = DESCENT_TEST_FAULTY_PLUGIN_DIR;

// Softmax regression on blobs with the faulty optimizer (plain SGD until
// step at_step = 3): `sweep` is the [sweep] body. Trials take milliseconds.
std::string faulty_sweep(const std::string& sweep) {
  return "# crash isolation: a sweep over faults\n"
         "[experiment]\nname = isolate\nseed = 5\n\n"
         "[data]\nsource = blobs\nrows = 400\nfeatures = 8\nclasses = 3\n"
         "spread = 3\n\n"
         "[model]\nname = softmax\n\n"
         "[loss]\nname = cross_entropy\n\n"
         "[optimizer]\nname = faulty\n\n"
         "[trainer]\nbatch_size = 16\nepochs = 2\n\n"
         "[sweep]\n" +
         sweep;
}

const std::string kFaultGrid =
    "optimizer.fault = none, segfault, abort, throw, hang\n"
    "optimizer.lr = 0.01, 0.1\n";
// The key listed last varies fastest: trial 2k and 2k+1 share fault k.
const std::vector<std::string> kFaultOfTrial{
    "none",  "none",  "segfault", "segfault", "abort",
    "abort", "throw", "throw",    "hang",     "hang"};

// ASan turns a SIGSEGV into a report and exit 1; the test wants the signal.
// Set unconditionally (clang and g++ announce ASan differently, and a
// process without ASan ignores the variable).
void let_segfaults_kill() {
  const char* old = std::getenv("ASAN_OPTIONS");
  const std::string options =
      std::string(old != nullptr ? old : "") + ":handle_segv=0";
  ::setenv("ASAN_OPTIONS", options.c_str(), 1);
}

Result run_faulty(const std::vector<std::string>& args, const TempDir& tmp) {
  std::vector<std::string> all = args;
  all.insert(all.end(), {"--plugin-dir", kFaultyDir.string(), "--quiet"});
  return run_descent(all, tmp.path());
}

std::map<std::uint64_t, json> records(const fs::path& sweep) {
  std::map<std::uint64_t, json> out;
  for (const std::string& line : lines_of(read_file(sweep / "trials.jsonl"))) {
    json r = json::parse(line);
    r.erase("seconds");
    const auto id = r.at("trial").get<std::uint64_t>();
    INFO("trial " << id << " appears twice");
    CHECK(out.count(id) == 0);
    out[id] = r;
  }
  return out;
}

bool same_csv(const Csv& a, const Csv& b) {
  return a.header == b.header && a.rows == b.rows;
}

Csv metrics(const fs::path& sweep, std::uint64_t id) {
  return read_csv(sweep / "trials" / std::to_string(id) / "metrics.csv")
      .without("seconds");
}

void require_exit(const Result& r, int code) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == code);
}

// Checks the isolated fault grid's records: only the faulty trials are
// marked, each with its reason.
void check_fault_records(const std::map<std::uint64_t, json>& by_id) {
  REQUIRE(by_id.size() == kFaultOfTrial.size());
  for (const auto& [id, r] : by_id) {
    const std::string fault = kFaultOfTrial.at(id);
    INFO("trial " << id << " fault " << fault << ": " << r.dump());
    CHECK(r.at("params").at("optimizer.fault") == fault);
    const std::string status = r.at("status");
    const std::string reason = r.value("reason", "");
    if (fault == "none") {
      CHECK(status == "ok");
    } else if (fault == "segfault") {
      CHECK(status == "crashed");
      CHECK(contains(reason, "killed by signal 11 (SIGSEGV)"));
    } else if (fault == "abort") {
      CHECK(status == "crashed");
      CHECK(contains(reason, "killed by signal 6 (SIGABRT)"));
    } else if (fault == "throw") {
      // The exception unwinds into the host's trial code, in the worker
      // as in process: the trial failed, the worker did not crash.
      CHECK(status == "failed");
      CHECK(contains(reason, "thrown out of the C entry point step"));
    } else {
      CHECK(status == "timeout");
      CHECK(reason == "killed after the trial timeout of 3 s");
    }
    if (status != "ok") CHECK(r.at("final") == json::object());
  }
}

}  // namespace

TEST_CASE(
    "sweep --isolate: segfault, abort, throw and hang mark only their own "
    "trials, the others equal an in-process sweep bit for bit",
    "[cli][sweep][isolate]") {
  let_segfaults_kill();
  TempDir tmp("isolate-faults");
  write_file(tmp / "faults.ini", faulty_sweep(kFaultGrid));
  write_file(tmp / "clean.ini", faulty_sweep("optimizer.fault = none, throw\n"
                                             "optimizer.lr = 0.01, 0.1\n"));

  const Result isolated =
      run_faulty({"sweep", "faults.ini", "--isolate", "--trial-timeout", "3",
                  "--threads", "2", "--out", "iso"},
                 tmp);
  require_exit(isolated, 0);
  const auto iso = records(tmp / "iso");
  check_fault_records(iso);

  const json summary = read_json(tmp / "iso" / "summary.json");
  CHECK(summary.at("counts") == json({{"ok", 2},
                                      {"diverged", 0},
                                      {"failed", 2},
                                      {"crashed", 4},
                                      {"timeout", 2}}));
  CHECK(summary.at("best").at("params").at("optimizer.fault") == "none");
  const json sweep_json = read_json(tmp / "iso" / "sweep.json");
  CHECK(sweep_json.at("isolate") == true);
  CHECK(sweep_json.at("trial_timeout") == 3.0);
  CHECK(read_json(tmp / "iso" / "manifest.json").at("isolate") == true);
  // The workers' hand-over files and their folder are gone; a crashed
  // worker's stderr is kept beside its trial only when it wrote one.
  CHECK_FALSE(fs::exists(tmp / "iso" / ".workers"));

  // In process, the same configurations without the process-killing
  // faults: "none" and "throw" (an exception crossing the C boundary is
  // caught by the host and fails only its trial). Trials 0-3 there are
  // trials 0, 1, 6 and 7 of the isolated sweep: the same points, and the
  // same seeds (a seed depends only on the repeat index here).
  const Result in_process = run_faulty(
      {"sweep", "clean.ini", "--threads", "2", "--out", "inproc"}, tmp);
  require_exit(in_process, 0);
  const auto ref = records(tmp / "inproc");
  REQUIRE(ref.size() == 4);
  const std::map<std::uint64_t, std::uint64_t> iso_of_ref{
      {0, 0}, {1, 1}, {2, 6}, {3, 7}};
  for (const auto& [ref_id, iso_id] : iso_of_ref) {
    INFO("in-process trial " << ref_id << " = isolated trial " << iso_id);
    json a = ref.at(ref_id), b = iso.at(iso_id);
    for (json* r : {&a, &b}) {
      r->erase("trial");
      r->erase("config");
    }
    CHECK(a.dump() == b.dump());
    if (a.at("status") == "ok")
      CHECK(same_csv(metrics(tmp / "inproc", ref_id),
                     metrics(tmp / "iso", iso_id)));
  }
}

TEST_CASE(
    "sweep --isolate: a sweep that a segfault killed in process finishes "
    "with --resume --isolate, and resume keeps isolation and the timeout",
    "[cli][sweep][isolate][resume]") {
  let_segfaults_kill();
  TempDir tmp("isolate-resume");
  write_file(tmp / "exp.ini", faulty_sweep("optimizer.fault = none, segfault\n"
                                           "optimizer.lr = 0.01, 0.1\n"));
  // In process, the segfault takes the whole sweep down (128 + SIGSEGV)...
  const Result killed =
      run_faulty({"sweep", "exp.ini", "--threads", "1", "--out", "s"}, tmp);
  require_exit(killed, 128 + 11);
  CHECK_FALSE(fs::exists(tmp / "s" / "summary.json"));
  const std::size_t before =
      lines_of(read_file(tmp / "s" / "trials.jsonl")).size();
  CHECK(before <= 2);  // at most the two "none" trials
  // ...and --resume --isolate finishes it: only the segfault trials crash.
  const Result resumed =
      run_faulty({"sweep", "--resume", "s", "--isolate"}, tmp);
  require_exit(resumed, 0);
  auto by_id = records(tmp / "s");
  REQUIRE(by_id.size() == 4);
  for (const std::uint64_t id : {0, 1})
    CHECK(by_id.at(id).at("status") == "ok");
  for (const std::uint64_t id : {2, 3}) {
    CHECK(by_id.at(id).at("status") == "crashed");
    CHECK(contains(by_id.at(id).at("reason"), "SIGSEGV"));
  }

  // An isolated sweep's resume isolates again, with the recorded timeout.
  write_file(tmp / "hang.ini", faulty_sweep("optimizer.fault = none, hang\n"));
  require_exit(run_faulty({"sweep", "hang.ini", "--isolate", "--trial-timeout",
                           "1.5", "--out", "h"},
                          tmp),
               0);
  const std::vector<std::string> lines =
      lines_of(read_file(tmp / "h" / "trials.jsonl"));
  REQUIRE(lines.size() == 2);
  std::string kept;  // the "none" trial's line: drop the "hang" trial's
  for (const std::string& line : lines)
    if (json::parse(line).at("status") == "ok") kept = line + "\n";
  write_file(tmp / "h" / "trials.jsonl", kept);
  require_exit(run_faulty({"sweep", "--resume", "h"}, tmp), 0);
  by_id = records(tmp / "h");
  REQUIRE(by_id.size() == 2);
  CHECK(by_id.at(1).at("status") == "timeout");
  CHECK(by_id.at(1).at("reason") == "killed after the trial timeout of 1.5 s");
}

TEST_CASE(
    "sweep: --trial-timeout without --isolate, or not a positive number, "
    "exits 2 with one line naming the flag and writes nothing",
    "[cli][sweep][isolate]") {
  TempDir tmp("isolate-bad");
  write_file(tmp / "exp.ini", faulty_sweep("optimizer.lr = 0.01, 0.1\n"));
  const std::vector<std::vector<std::string>> cases{
      {"--trial-timeout", "5"},
      {"--isolate", "--trial-timeout", "0"},
      {"--isolate", "--trial-timeout", "-1"},
      {"--isolate", "--trial-timeout", "abc"},
      {"--isolate", "--trial-timeout", "nan"},
      {"--isolate", "--trial-timeout", "inf"},
      {"--isolate", "--trial-timeout", ""},
  };
  for (const auto& flags : cases) {
    std::vector<std::string> args{"sweep", "exp.ini", "--out", "out"};
    args.insert(args.end(), flags.begin(), flags.end());
    const Result r = run_faulty(args, tmp);
    INFO("flags: " << flags.back() << " stderr: " << r.err);
    CHECK(r.code == 2);
    REQUIRE(r.err_lines().size() == 1);
    CHECK(contains(r.err_lines()[0], "--trial-timeout"));
    CHECK_FALSE(fs::exists(tmp / "out"));
  }
  // On --resume too, and the folder is left as it was.
  require_exit(run_faulty({"sweep", "exp.ini", "--out", "done"}, tmp), 0);
  const auto files = snapshot(tmp / "done");
  const Result r =
      run_faulty({"sweep", "--resume", "done", "--trial-timeout", "2"}, tmp);
  CHECK(r.code == 2);
  CHECK(r.err_lines().size() == 1);
  CHECK(contains(r.err, "--trial-timeout"));
  CHECK(snapshot(tmp / "done") == files);
}
