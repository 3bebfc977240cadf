// `descent plot` end to end: each kind of folder gives a valid PNG and SVG,
// and the figure's data file holds the folder's own numbers. Skipped with a
// warning when gnuplot is not installed. Also: the gallery driver makes
// every figure the README embeds.
#include "cli_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <set>

namespace {

using namespace descent::cli_test;
using nlohmann::json;

bool gnuplot_installed() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() &&
        ::access((fs::path(dir) / "gnuplot").c_str(), X_OK) == 0)
      return true;
  return false;
}

#define REQUIRE_GNUPLOT()                                      \
  if (!gnuplot_installed()) {                                  \
    WARN("gnuplot is not installed: descent plot not tested"); \
    return;                                                    \
  }

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// The PNG signature, then the IHDR chunk with the image's size.
void check_png(const fs::path& file) {
  const std::string bytes = read_file(file);
  REQUIRE(bytes.size() > 5000);
  REQUIRE(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  REQUIRE(bytes.substr(12, 4) == "IHDR");
  CHECK(big_endian(bytes, 16) >= 400);  // width
  CHECK(big_endian(bytes, 20) >= 300);  // height
}

void check_svg(const fs::path& file) {
  const std::string text = read_file(file);
  REQUIRE(text.size() > 2000);
  CHECK((text.rfind("<?xml", 0) == 0 || text.rfind("<svg", 0) == 0));
  CHECK(contains(text, "</svg>"));
}

// plot.dat: blocks separated by two blank lines, each "# block N: label",
// "# columns", then rows of numbers.
struct Block {
  std::string label;
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;  // blank lines (grid scans) dropped
};

std::vector<Block> read_blocks(const fs::path& file) {
  std::vector<Block> blocks;
  for (const std::string& line : lines_of(read_file(file))) {
    if (line.rfind("# block ", 0) == 0) {
      blocks.push_back({line.substr(line.find(": ") + 2), {}, {}});
    } else if (line.rfind("# ", 0) == 0 && !blocks.empty()) {
      std::istringstream words(line.substr(2));
      for (std::string w; words >> w;) blocks.back().columns.push_back(w);
    } else if (!line.empty()) {
      std::istringstream cells(line);
      std::vector<double> row;
      for (std::string c; cells >> c;)
        row.push_back(c == "NaN" ? NAN : std::stod(c));
      blocks.back().rows.push_back(row);
    }
  }
  return blocks;
}

const Block& block_named(const std::vector<Block>& blocks,
                         const std::string& part) {
  for (const Block& b : blocks)
    if (contains(b.label, part)) return b;
  FAIL("no data block labelled '" << part << "'");
  throw std::logic_error("unreachable");
}

std::vector<double> column_of(const Block& b, const std::string& name) {
  std::size_t c = 0;
  while (c < b.columns.size() && b.columns[c] != name) ++c;
  REQUIRE(c < b.columns.size());
  std::vector<double> values;
  for (const auto& row : b.rows) values.push_back(row.at(c));
  return values;
}

std::vector<double> csv_column(const fs::path& file, const std::string& name) {
  const Csv csv = read_csv(file);
  std::vector<double> values;
  for (const auto& row : csv.rows) {
    const std::string& cell = row.at(csv.column(name));
    values.push_back(cell.empty() ? NAN : std::stod(cell));
  }
  return values;
}

void check_same(const std::vector<double>& plotted,
                const std::vector<double>& recorded) {
  REQUIRE(plotted.size() == recorded.size());
  for (std::size_t i = 0; i < plotted.size(); ++i) {
    if (std::isnan(recorded[i])) {
      CHECK(std::isnan(plotted[i]));
    } else {
      CHECK(plotted[i] == recorded[i]);  // shortest round-trip text both ways
    }
  }
}

// Plots `dirs` to PNG and SVG, checks both images; returns the data blocks.
std::vector<Block> plot_both(const std::vector<fs::path>& dirs,
                             const TempDir& tmp, const std::string& name) {
  std::vector<std::string> args{"plot"};
  for (const fs::path& d : dirs) args.push_back(d.string());
  for (const std::string ext : {".svg", ".png"}) {
    auto with_out = args;
    with_out.push_back("--out");
    with_out.push_back((tmp / (name + ext)).string());
    const Result r = run_descent(with_out, tmp.path());
    INFO(r.err);
    REQUIRE(r.code == 0);
  }
  check_svg(tmp / (name + ".svg"));
  check_png(tmp / (name + ".png"));
  CHECK(fs::exists(tmp / (name + ".gp")));
  return read_blocks(tmp / (name + ".dat"));
}

const char* const kLinear =
    "[experiment]\nname = tiny_linear\nseed = 3\n"
    "[data]\nsource = linear\nrows = 200\nfeatures = 4\nnoise = 0.1\n"
    "[model]\nname = linear\n[loss]\nname = mse\n"
    "[optimizer]\nname = sgd\nlr = 0.05\n"
    "[trainer]\nbatch_size = 32\nepochs = 4\n";

const char* const kBlobs =
    "[experiment]\nname = tiny_blobs\nseed = 3\n"
    "[data]\nsource = blobs\nrows = 300\nfeatures = 4\nclasses = 3\n"
    "[model]\nname = softmax\n[loss]\nname = cross_entropy\n"
    "[optimizer]\nname = sgd\nlr = 0.1\n"
    "[trainer]\nbatch_size = 32\nepochs = 4\n";

fs::path run(const TempDir& tmp, const std::string& ini_text,
             const std::string& name, std::vector<std::string> extra = {}) {
  write_file(tmp / (name + ".ini"), ini_text);
  std::vector<std::string> args{"run", (tmp / (name + ".ini")).string(),
                                "--out", (tmp / name).string(), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  const Result r = run_descent(args, tmp.path());
  INFO(r.err);
  REQUIRE((r.code == 0 || r.code == 1));
  return tmp / name;
}

fs::path sweep(const TempDir& tmp, const std::string& ini_text,
               const std::string& name) {
  write_file(tmp / (name + ".ini"), ini_text);
  const Result r =
      run_descent({"sweep", (tmp / (name + ".ini")).string(), "--out",
                   (tmp / name).string(), "--quiet", "--threads", "2"},
                  tmp.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  return tmp / name;
}

}  // namespace

TEST_CASE("a run: loss and accuracy per epoch, the data is the run's") {
  REQUIRE_GNUPLOT();
  TempDir tmp("plot-run");
  const fs::path dir = run(tmp, kBlobs, "blobs");
  // The default output is DIR/plot.png.
  const Result r = run_descent({"plot", dir.string()}, tmp.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  check_png(dir / "plot.png");
  const auto blocks = plot_both({dir}, tmp, "run");
  REQUIRE(blocks.size() == 1);
  const fs::path metrics = dir / "metrics.csv";
  for (const char* c : {"epoch", "train_loss", "test_loss", "test_accuracy"})
    check_same(column_of(blocks[0], c), csv_column(metrics, c));
  CHECK(contains(read_file(tmp / "run.gp"), "test accuracy"));
  CHECK(contains(read_file(tmp / "run.gp"), "tiny_blobs"));
}

TEST_CASE("several runs: one curve each, labelled by the differing keys") {
  REQUIRE_GNUPLOT();
  TempDir tmp("plot-runs");
  const fs::path a = run(tmp, kLinear, "a", {"--optimizer.lr=0.05"});
  const fs::path b = run(tmp, kLinear, "b", {"--optimizer.lr=0.01"});
  const auto blocks = plot_both({a, b}, tmp, "runs");
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].label == "lr=0.05");
  CHECK(blocks[1].label == "lr=0.01");
  check_same(column_of(blocks[1], "test_loss"),
             csv_column(b / "metrics.csv", "test_loss"));
}

TEST_CASE("a sweep with repeats and diverged trials") {
  REQUIRE_GNUPLOT();
  TempDir tmp("plot-sweep");
  const fs::path dir =
      sweep(tmp,
            std::string(kLinear) +
                "[sweep]\noptimizer.lr = grid(1e-3, 100, 6, log)\n"
                "repeats = 2\n",
            "sweep");
  const auto blocks = plot_both({dir}, tmp, "sweep");
  std::multiset<double> ok_losses;
  std::size_t diverged = 0;
  for (const std::string& line : lines_of(read_file(dir / "trials.jsonl"))) {
    const json t = json::parse(line);
    if (t["status"] == "ok")
      ok_losses.insert(t["final"]["test_loss"].get<double>());
    else
      ++diverged;
  }
  REQUIRE(diverged > 0);  // lr = 100 must blow up
  const auto plotted = column_of(block_named(blocks, "ok trials"), "metric");
  CHECK(std::multiset<double>(plotted.begin(), plotted.end()) == ok_losses);
  CHECK(block_named(blocks, "diverged").rows.size() == diverged);
  const Block& configs = block_named(blocks, "per configuration");
  CHECK(column_of(configs, "n_ok").front() == 2.0);  // mean of 2 repeats
  CHECK(contains(read_file(tmp / "sweep.gp"), "set logscale x"));
}

TEST_CASE("a two-key grid sweep is a heat map of the configurations") {
  REQUIRE_GNUPLOT();
  TempDir tmp("plot-sweep2");
  const fs::path dir = sweep(tmp,
                             std::string(kLinear) +
                                 "[sweep]\noptimizer.lr = 0.01, 0.05\n"
                                 "model.init_scale = 0, 0.5, 1\n",
                             "grid");
  const auto blocks = plot_both({dir}, tmp, "grid");
  const json summary = read_json(dir / "summary.json");
  const Block& cells = block_named(blocks, "cells: mean");
  REQUIRE(cells.rows.size() == 6);
  std::multiset<double> means;
  for (const json& c : summary["ranking"])
    means.insert(c["mean"].get<double>());
  const auto plotted = column_of(cells, "mean");
  CHECK(std::multiset<double>(plotted.begin(), plotted.end()) == means);
  CHECK(contains(read_file(tmp / "grid.gp"), "boxxyerror"));
}

TEST_CASE("an analytic run: contours and the trajectory p0, p1") {
  REQUIRE_GNUPLOT();
  TempDir tmp("plot-analytic");
  const std::string ini =
      "[experiment]\nname = tiny_rosenbrock\n[model]\nname = rosenbrock\n"
      "[optimizer]\nname = momentum\nlr = 0.0005\n[trainer]\nsteps = 60\n";
  const fs::path a = run(tmp, ini, "momentum");
  const fs::path b = run(tmp, ini, "sgd", {"--optimizer.name=sgd"});
  const auto blocks = plot_both({a, b}, tmp, "analytic");
  REQUIRE(blocks.size() == 3);  // the objective grid, two trajectories
  CHECK(blocks[0].rows.size() == 121 * 121);
  // f at a grid point is Rosenbrock's: (1 - x)^2 + 100 (y - x^2)^2.
  const auto& p = blocks[0].rows[777];
  CHECK(p[2] == Approx((1 - p[0]) * (1 - p[0]) +
                       100 * (p[1] - p[0] * p[0]) * (p[1] - p[0] * p[0])));
  for (const char* c : {"p0", "p1", "loss"})
    check_same(column_of(blocks[1], c), csv_column(a / "metrics.csv", c));
  CHECK(contains(blocks[2].label, "sgd"));
}

TEST_CASE("an lr-find folder: loss against lr, the suggestion marked") {
  REQUIRE_GNUPLOT();
  TempDir tmp("plot-lrfind");
  write_file(tmp / "lr.ini", kLinear);
  const Result r = run_descent({"lr-find", (tmp / "lr.ini").string(), "--out",
                                (tmp / "lrfind").string(), "--steps", "40"},
                               tmp.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto blocks = plot_both({tmp / "lrfind"}, tmp, "lrfind");
  const fs::path csv = tmp / "lrfind" / "lr_find.csv";
  for (const char* c : {"lr", "loss", "smoothed_loss"})
    check_same(column_of(blocks[0], c), csv_column(csv, c));
  const json summary = read_json(tmp / "lrfind" / "summary.json");
  CHECK(column_of(block_named(blocks, "suggested"), "lr").at(0) ==
        summary["suggested_lr"].get<double>());
}

TEST_CASE("bad input: exit 2 with one line") {
  TempDir tmp("plot-bad");
  fs::create_directories(tmp / "empty");
  Result r = run_descent({"plot", (tmp / "empty").string()}, tmp.path());
  CHECK(r.code == 2);
  CHECK(r.err_lines().size() == 1);
  CHECK(contains(r.err, "not a run, sweep or lr-find folder"));

  const fs::path a = run(tmp, kLinear, "a");
  const fs::path s = sweep(
      tmp, std::string(kLinear) + "[sweep]\noptimizer.lr = 0.01, 0.05\n", "s");
  r = run_descent({"plot", a.string(), s.string()}, tmp.path());
  CHECK(r.code == 2);
  CHECK(r.err_lines().size() == 1);
  CHECK(contains(r.err, "cannot share a plot"));

  r = run_descent({"plot", a.string(), "--out", (tmp / "x.jpg").string()},
                  tmp.path());
  CHECK(r.code == 2);
  CHECK(contains(r.err, ".png or .svg"));

  // No gnuplot on PATH (the child inherits this process's environment).
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (tmp / "empty").c_str(), 1);
  r = run_descent({"plot", a.string()}, tmp.path());
  ::setenv("PATH", saved.c_str(), 1);
  CHECK(r.code == 2);
  CHECK(r.err_lines().size() == 1);
  CHECK(contains(r.err, "gnuplot"));
}

TEST_CASE("the gallery driver makes every figure the README embeds") {
  const fs::path script = kSourceDir / "tools" / "gallery.sh";
  std::FILE* pipe = ::popen((script.string() + " --list").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string listed;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) listed += buffer;
  REQUIRE(::pclose(pipe) == 0);
  const auto names = lines_of(listed);
  const std::set<std::string> driver(names.begin(), names.end());
  REQUIRE(driver.size() >= 7);

  const std::string readme = read_file(kSourceDir / "README.md");
  const std::regex image(R"(!\[[^\]]*\]\(docs/gallery/([A-Za-z0-9_]+)\.png\))");
  std::set<std::string> embedded;
  for (std::sregex_iterator it(readme.begin(), readme.end(), image), end;
       it != end; ++it)
    embedded.insert((*it)[1].str());
  CHECK(embedded == driver);
  for (const std::string& name : driver)
    CHECK(fs::exists(kSourceDir / "docs" / "gallery" / (name + ".png")));
}
