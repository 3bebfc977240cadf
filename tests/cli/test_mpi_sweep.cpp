// End to end: `mpirun -np 2 descent sweep` (issue 10) gives the records of a
// --threads 1 sweep in one process, rank 0 writing the one folder; a
// rank-0 folder cut short resumes with or without MPI. Built only when
// descent was built with MPI and mpirun exists.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

using namespace descent::cli_test;
using nlohmann::json;

namespace {

// 6 trials: 3 rates x 2 repeats on synthetic blobs, the largest diverging.
std::string mpi_sweep(const std::string& extra = "") {
  return "[experiment]\nname = mpi\nseed = 11\n\n"
         "[data]\nsource = blobs\nrows = 600\nfeatures = 8\nclasses = 4\n"
         "spread = 3\n\n"
         "[model]\nname = softmax\n\n[loss]\nname = cross_entropy\n\n"
         "[optimizer]\nname = sgd\n\n[trainer]\nbatch_size = 16\nepochs = 2\n\n"
         "[sweep]\noptimizer.lr = 0.01, 1, 100\nrepeats = 2\n" +
         extra;
}

// `mpirun -np N descent args...` in `dir`. As root in a container mpirun
// needs --allow-run-as-root; --oversubscribe lets 2 ranks share fewer
// cores. The shared-memory transport works here without MCA settings.
Result mpirun(int ranks, const std::vector<std::string>& args,
              const fs::path& dir) {
  const fs::path script = dir / "mpirun.sh";
  std::string line = "exec '" DESCENT_TEST_MPIEXEC "' -np " +
                     std::to_string(ranks) + " --oversubscribe";
  if (::geteuid() == 0) line += " --allow-run-as-root";
  line += " '" + kDescent.string() + "'";
  for (const std::string& a : args) line += " '" + a + "'";
  write_file(script, "#!/bin/sh\n" + line + "\n");
  fs::permissions(script, fs::perms::owner_all);
  // run_descent runs kDescent; run the script through a shell instead.
  const std::string command =
      "cd '" + dir.string() + "' && ./mpirun.sh >" + ".mpi-out 2>.mpi-err";
  Result r;
  const int status = std::system(command.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(dir / ".mpi-out");
  r.err = read_file(dir / ".mpi-err");
  return r;
}

std::vector<std::string> lines_without_seconds(const fs::path& file) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(read_file(file))) {
    json r = json::parse(line);
    r.erase("seconds");
    out.push_back(r.dump());
  }
  return out;
}

void require_same_folder(const fs::path& a, const fs::path& b) {
  const auto la = lines_without_seconds(a / "trials.jsonl");
  const auto lb = lines_without_seconds(b / "trials.jsonl");
  CHECK(la.size() == lb.size());
  CHECK(la == lb);  // the same lines in the same (trial-id) order
  CHECK(read_file(a / "summary.json") == read_file(b / "summary.json"));
  for (std::size_t id = 0; id < la.size(); ++id) {
    const fs::path ta = a / "trials" / std::to_string(id);
    const fs::path tb = b / "trials" / std::to_string(id);
    INFO("trials/" << id);
    CHECK(read_file(ta / "config.ini") == read_file(tb / "config.ini"));
    const Csv ca = read_csv(ta / "metrics.csv").without("seconds");
    const Csv cb = read_csv(tb / "metrics.csv").without("seconds");
    CHECK(ca.header == cb.header);
    CHECK(ca.rows == cb.rows);
  }
}

}  // namespace

TEST_CASE(
    "mpirun -np 2 descent sweep: trials.jsonl and summary identical to "
    "--threads 1 in one process",
    "[cli][sweep][mpi]") {
  TempDir tmp("mpi-sweep");
  write_file(tmp / "exp.ini", mpi_sweep());
  const Result one = run_descent(
      {"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
      tmp.path());
  REQUIRE(one.code == 0);
  const Result r = mpirun(
      2, {"sweep", "exp.ini", "--threads", "1", "--out", "mpi"}, tmp.path());
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "best: trial"));
  // Rank 0's progress line says that it counts rank 0's share (ids 0, 2, 4).
  CHECK(contains(r.err, "sweep, rank 0 of 2 (its share): 3/3 done"));
  REQUIRE(lines_of(read_file(tmp / "mpi" / "trials.jsonl")).size() == 6);
  require_same_folder(tmp / "one", tmp / "mpi");
  const json manifest = read_json(tmp / "mpi" / "manifest.json");
  REQUIRE(manifest.at("ranks").size() == 2);
  CHECK(manifest.at("ranks")[1].at("rank") == 1);
  CHECK_FALSE(manifest.at("ranks")[1].at("host").get<std::string>().empty());
  CHECK(read_json(tmp / "mpi" / "summary.json").at("counts").at("diverged") ==
        2);
}

TEST_CASE(
    "mpirun with then_best_seeds: rank 0 picks the best and the ranks "
    "share the re-runs and a cut-short folder resumes under mpirun",
    "[cli][sweep][mpi][resume]") {
  TempDir tmp("mpi-best");
  write_file(tmp / "exp.ini", mpi_sweep("then_best_seeds = 3\n"));
  REQUIRE(run_descent(
              {"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
              tmp.path())
              .code == 0);
  Result r = mpirun(
      2, {"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "mpi"},
      tmp.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  require_same_folder(tmp / "one", tmp / "mpi");
  CHECK(read_json(tmp / "mpi" / "summary.json").at("best_seeds").at("trials") ==
        json({6, 7, 8}));

  // As if the job died after 4 trials: --resume under mpirun finishes it.
  const auto lines = lines_of(read_file(tmp / "mpi" / "trials.jsonl"));
  std::string kept;
  for (std::size_t i = 0; i < 4; ++i) kept += lines[i] + "\n";
  write_file(tmp / "mpi" / "trials.jsonl", kept);
  fs::remove(tmp / "mpi" / "summary.json");
  r = mpirun(2, {"sweep", "--resume", "mpi", "--quiet", "--threads", "1"},
             tmp.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  const auto after = lines_of(read_file(tmp / "mpi" / "trials.jsonl"));
  REQUIRE(after.size() == 9);
  for (std::size_t i = 0; i < 4; ++i) CHECK(after[i] == lines[i]);
  require_same_folder(tmp / "one", tmp / "mpi");
}

TEST_CASE("mpirun with --shard is refused with one line naming --shard",
          "[cli][sweep][mpi]") {
  TempDir tmp("mpi-shard");
  write_file(tmp / "exp.ini", mpi_sweep());
  const Result r = mpirun(
      2, {"sweep", "exp.ini", "--shard", "1/2", "--out", "out"}, tmp.path());
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--shard 1/2: not under mpirun"));
  std::size_t count = 0;
  for (const std::string& line : r.err_lines())
    count += contains(line, "--shard") ? 1 : 0;
  CHECK(count == 1);  // one rank reports, not every rank
  CHECK_FALSE(fs::exists(tmp / "out"));
}

TEST_CASE(
    "mpirun with --isolate: each rank's trials run in worker processes, and "
    "the records are those of one process",
    "[cli][sweep][mpi][isolate]") {
  TempDir tmp("mpi-isolate");
  write_file(tmp / "exp.ini", mpi_sweep());
  REQUIRE(run_descent(
              {"sweep", "exp.ini", "--quiet", "--threads", "1", "--out", "one"},
              tmp.path())
              .code == 0);
  const Result r = mpirun(2,
                          {"sweep", "exp.ini", "--quiet", "--threads", "1",
                           "--isolate", "--out", "mpi"},
                          tmp.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  require_same_folder(tmp / "one", tmp / "mpi");
  CHECK(read_json(tmp / "mpi" / "manifest.json").at("isolate") == true);
  CHECK_FALSE(fs::exists(tmp / "mpi" / ".workers"));
}
