// `descent reproduce`, end to end: runs and sweeps re-run bit for bit; a
// changed plugin or data file is named and refused; a tampered record is
// reported with its location.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace descent::cli_test;

namespace {

const fs::path kGoodPlugins = DESCENT_TEST_GOOD_PLUGIN_DIR;
const fs::path kChangedPlugins = DESCENT_TEST_CHANGED_PLUGIN_DIR;

// The N of "reproduced: N values identical", or -1.
long identical_count(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m,
                         std::regex(R"(reproduced: (\d+) values identical)")))
    return -1;
  return std::stol(m[1]);
}

std::string blobs_experiment(const std::string& optimizer) {
  return "[experiment]\nseed = 5\n[data]\nsource = blobs\nrows = 400\n"
         "features = 4\nclasses = 3\n[model]\nname = softmax\n[loss]\n"
         "name = cross_entropy\n[optimizer]\nname = " +
         optimizer + "\nlr = 0.05\n[trainer]\nbatch_size = 16\nepochs = 3\n";
}

}  // namespace

TEST_CASE("reproduce re-runs the default experiment bit for bit",
          "[cli][reproduce]") {
  if (!fs::exists(kFashionDir)) {
    WARN("Fashion-MNIST is not installed; skipped");
    return;
  }
  TempDir tmp("reproduce-default");
  const Result run =
      run_descent({"run", (kExperiments / "fashion_mnist_softmax.ini").string(),
                   "--out", (tmp / "run").string(), "--threads", "1", "-q"},
                  tmp.path());
  REQUIRE(run.code == 0);
  // Re-run with another thread count: the promise holds at any.
  const Result re =
      run_descent({"reproduce", (tmp / "run").string(), "--out",
                   (tmp / "again").string(), "--threads", "2", "-q"},
                  tmp.path());
  INFO(re.out << re.err);
  CHECK(re.code == 0);
  // 6 metrics rows x 6 compared columns, plus the summary's values.
  CHECK(identical_count(re.out) > 36);
}

TEST_CASE("reproduce re-runs every trial of a 6-trial sweep",
          "[cli][reproduce][sweep]") {
  TempDir tmp("reproduce-sweep");
  write_file(tmp / "sweep.ini",
             blobs_experiment("sgd") +
                 "[sweep]\noptimizer.lr = 0.01, 0.1, 1\nrepeats = 2\n");
  const Result sweep = run_descent({"sweep", (tmp / "sweep.ini").string(),
                                    "--out", (tmp / "sweep").string(), "-q"},
                                   tmp.path());
  REQUIRE(sweep.code == 0);
  REQUIRE(lines_of(read_file(tmp / "sweep" / "trials.jsonl")).size() == 6);
  const Result re =
      run_descent({"reproduce", (tmp / "sweep").string(), "--out",
                   (tmp / "again").string(), "--threads", "1", "-q"},
                  tmp.path());
  INFO(re.out << re.err);
  CHECK(re.code == 0);
  CHECK(identical_count(re.out) > 6 * 3);
}

TEST_CASE("a tampered metric is reported with its location",
          "[cli][reproduce]") {
  TempDir tmp("reproduce-tampered");
  write_file(tmp / "exp.ini", blobs_experiment("sgd"));
  REQUIRE(run_descent({"run", (tmp / "exp.ini").string(), "--out",
                       (tmp / "run").string(), "-q"},
                      tmp.path())
              .code == 0);
  // Change the last digit of epoch 2's test_loss (line 4, column 4).
  auto lines = lines_of(read_file(tmp / "run" / "metrics.csv"));
  std::vector<std::string> cells;
  std::stringstream row(lines[3]);
  for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
  char& digit = cells[3].back();
  digit = digit == '1' ? '2' : '1';
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (i == 3) {
      line.clear();
      for (std::size_t c = 0; c < cells.size(); ++c)
        line += (c ? "," : "") + cells[c];
    }
    text += line + "\n";
  }
  write_file(tmp / "run" / "metrics.csv", text);

  const Result re =
      run_descent({"reproduce", (tmp / "run").string(), "-q"}, tmp.path());
  INFO(re.out << re.err);
  CHECK(re.code == 1);
  CHECK(contains(re.out,
                 "differs: metrics.csv line 4 (epoch 2), column "
                 "test_loss: recorded " +
                     cells[3]));
}

TEST_CASE("a changed plugin is named and refused, or run with --allow-changed",
          "[cli][reproduce]") {
  TempDir tmp("reproduce-plugin");
  fs::create_directories(tmp / "plugins");
  fs::copy_file(kGoodPlugins / "c_sgd.so", tmp / "plugins" / "c_sgd.so");
  write_file(tmp / "exp.ini", blobs_experiment("c_sgd"));
  REQUIRE(run_descent({"run", (tmp / "exp.ini").string(), "--out",
                       (tmp / "run").string(), "--plugin-dir",
                       (tmp / "plugins").string(), "-q"},
                      tmp.path())
              .code == 0);
  // A rebuilt plugin with the same name but other numbers replaces it.
  fs::copy_file(kChangedPlugins / "c_sgd_changed.so",
                tmp / "plugins" / "c_sgd.so",
                fs::copy_options::overwrite_existing);

  const Result refused = run_descent(
      {"reproduce", (tmp / "run").string(), "--out", (tmp / "no").string()},
      tmp.path());
  INFO(refused.out << refused.err);
  CHECK(refused.code == 2);
  CHECK(contains(refused.err, "plugin 'c_sgd'"));
  CHECK(contains(refused.err, "SHA-256 differs"));
  CHECK_FALSE(fs::exists(tmp / "no"));

  const Result allowed =
      run_descent({"reproduce", (tmp / "run").string(), "--out",
                   (tmp / "yes").string(), "--allow-changed", "-q"},
                  tmp.path());
  INFO(allowed.out << allowed.err);
  CHECK(allowed.code == 1);
  CHECK(contains(allowed.out, "differs: metrics.csv line 3 (epoch 1)"));
}

TEST_CASE("a changed data file is named and refused", "[cli][reproduce]") {
  TempDir tmp("reproduce-data");
  std::string csv = "x1,x2,y\n";
  for (int i = 0; i < 40; ++i)
    csv += std::to_string(i % 7) + "," + std::to_string(i % 5) + "," +
           std::to_string(2 * (i % 7) - (i % 5)) + "\n";
  write_file(tmp / "data.csv", csv);
  write_file(tmp / "exp.ini",
             "[data]\nsource = csv\npath = data.csv\n[model]\nname = linear\n"
             "[loss]\nname = mse\n[optimizer]\nname = sgd\nlr = 0.01\n"
             "[trainer]\nbatch_size = full\nepochs = 3\n");
  REQUIRE(run_descent({"run", (tmp / "exp.ini").string(), "--out",
                       (tmp / "run").string(), "-q"},
                      tmp.path())
              .code == 0);
  write_file(tmp / "data.csv", csv + "1,1,1\n");
  const Result re =
      run_descent({"reproduce", (tmp / "run").string()}, tmp.path());
  INFO(re.out << re.err);
  CHECK(re.code == 2);
  CHECK(contains(re.err, "data file " + (tmp / "data.csv").string()));
}

TEST_CASE("reproduce of a folder without a manifest exits 2",
          "[cli][reproduce]") {
  TempDir tmp("reproduce-bad");
  const Result re = run_descent({"reproduce", tmp.path().string()}, tmp.path());
  CHECK(re.code == 2);
  REQUIRE(re.err_lines().size() == 1);
  CHECK(contains(re.err, "manifest.json"));
}
