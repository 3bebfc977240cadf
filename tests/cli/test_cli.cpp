// End to end: the `descent` executable as a user runs it. Each test starts
// the built binary as a child process in a fresh scratch folder and checks
// the exit code, stdout, stderr and the run folder it leaves behind.
//
// Exit codes (ARCHITECTURE.md): 0 ok, 1 run failed or diverged, 2 bad input.
#include "cli_support.hpp"

#include <descent/abi/descent.h>
#include <descent/sdk/hparams.hpp>

#include "plugin_loader.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

using namespace descent::cli_test;
using nlohmann::json;

namespace {

const fs::path kRosenbrock = kExperiments / "rosenbrock_momentum.ini";
const fs::path kFashion = kExperiments / "fashion_mnist_softmax.ini";
const fs::path kLinear = kExperiments / "linear_regression_batch_vs_sgd.ini";

bool have_fashion_mnist() {
  for (const char* name :
       {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    if (!fs::exists(kFashionDir / name)) return false;
  return true;
}

#define REQUIRE_FASHION_MNIST()                                           \
  do {                                                                    \
    if (!have_fashion_mnist()) {                                          \
      WARN("skipped: Fashion-MNIST is not installed in " << kFashionDir); \
      return;                                                             \
    }                                                                     \
  } while (false)

// A small, fast, valid experiment (synthetic linear regression with Adam);
// bad-input tests change one thing in it. `optimizer_extra` lines go at the
// end of the [optimizer] section.
std::string small_experiment(const std::string& lr = "0.01",
                             const std::string& optimizer_extra = "") {
  return "# small experiment for the CLI tests\n"
         "[experiment]\nname = cli_small\nseed = 3\n\n"
         "[data]\nsource = linear\nrows = 200\nfeatures = 3\n\n"
         "[model]\nname = linear\n\n"
         "[loss]\nname = mse\n\n"
         "[optimizer]\nname = adam\nlr = " +
         lr + "\n" + optimizer_extra +
         "\n"
         "[trainer]\nbatch_size = 16\nepochs = 2\n";
}

// Bad input: exit 2, exactly one non-empty line on stderr that mentions
// every one of `names`, and no run folder at `out`.
void require_bad_input(const Result& r, const fs::path& out,
                       const std::vector<std::string>& names) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  const auto lines = r.err_lines();
  REQUIRE(lines.size() == 1);
  CHECK(r.err.back() == '\n');
  CHECK_FALSE(lines[0].empty());
  for (const std::string& name : names) {
    INFO("expected on stderr: " << name);
    CHECK(contains(lines[0], name));
  }
  CHECK_FALSE(fs::exists(out));
}

double cell_number(const std::string& cell) {
  char* end = nullptr;
  const double value = std::strtod(cell.c_str(), &end);
  if (cell.empty() || *end != '\0')
    throw std::runtime_error("not a number: '" + cell + "'");
  return value;
}

// ---- small gzipped IDX files ------------------------------------------------

void put_u32(std::string& bytes, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes += static_cast<char>((v >> shift) & 0xffU);
}

void write_gz(const fs::path& file, const std::string& bytes) {
  gzFile gz = gzopen(file.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  REQUIRE(gzclose(gz) == Z_OK);
}

// <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz with `count` images
// of 8x8 pseudo-random pixels per part and labels 0..9 in turn.
void write_tiny_fashion(const fs::path& dir, std::uint32_t count) {
  std::uint32_t state = 12345;
  for (const std::string part : {"train", "t10k"}) {
    std::string images("\x00\x00\x08\x03", 4);
    put_u32(images, count);
    put_u32(images, 8);
    put_u32(images, 8);
    for (std::uint32_t i = 0; i < count * 64; ++i) {
      state = state * 1664525U + 1013904223U;
      images += static_cast<char>(state >> 24);
    }
    std::string labels("\x00\x00\x08\x01", 4);
    put_u32(labels, count);
    for (std::uint32_t i = 0; i < count; ++i)
      labels += static_cast<char>(i % 10);
    write_gz(dir / (part + "-images-idx3-ubyte.gz"), images);
    write_gz(dir / (part + "-labels-idx1-ubyte.gz"), labels);
  }
}

// ---- `descent plugins` output
// ------------------------------------------------

// The listing's sections "optimizers (6)" ... as kind -> {name -> doc}, plus
// the count each header announces.
struct Listing {
  std::map<std::string, std::map<std::string, std::string>> kinds;
  std::map<std::string, std::size_t> announced;
  std::vector<std::string> headers;
  std::size_t problems = 0;
  bool problems_seen = false;
  std::vector<std::string> problem_lines;
};

// "optimizers" -> "optimizer", also tolerating a misspelt plural.
std::string kind_of_header(const std::string& word) {
  for (const char* kind : {"optimizer", "model", "loss"})
    if (word.rfind(kind, 0) == 0) return kind;
  return "";
}

Listing parse_listing(const std::string& out) {
  Listing l;
  std::string section;
  for (const std::string& line : lines_of(out)) {
    if (line.empty()) {
      section.clear();
      continue;
    }
    if (line[0] != ' ') {
      const auto open = line.find(" (");
      const std::string word = line.substr(0, open);
      section.clear();
      if (open != std::string::npos && line.back() == ')') {
        const std::size_t n = static_cast<std::size_t>(
            std::stoul(line.substr(open + 2, line.size() - open - 3)));
        if (word == "problems") {
          l.problems = n;
          l.problems_seen = true;
          section = "problems";
        } else if (!kind_of_header(word).empty()) {
          section = kind_of_header(word);
          l.announced[section] = n;
          l.headers.push_back(word);
        }
      }
      continue;
    }
    if (section == "problems") {
      l.problem_lines.push_back(line);
    } else if (!section.empty()) {
      const auto b = line.find_first_not_of(' ');
      const auto e = line.find(' ', b);
      const std::string name = line.substr(b, e - b);
      const auto d =
          e == std::string::npos ? e : line.find_first_not_of(' ', e);
      l.kinds[section][name] = d == std::string::npos ? "" : line.substr(d);
    }
  }
  return l;
}

const std::map<std::string, std::set<std::string>> kExpectedPlugins = {
    {"optimizer",
     {"sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
      "adamw", "amsgrad", "adamax", "nadam", "radam", "lion"}},
    {"model", {"linear", "softmax", "mlp", "quadratic", "rosenbrock"}},
    {"loss", {"mse", "cross_entropy"}}};

const descent_descriptor& descriptor_of(const std::string& kind,
                                        const std::string& name) {
  const descent_plugin_entry& entry = descent::test::open_plugin(kind, name);
  if (kind == "optimizer") return *entry.optimizer(0)->descriptor;
  if (kind == "model") return *entry.model(0)->descriptor;
  return *entry.loss(0)->descriptor;
}

// Exactly the 20 built-in plugins, each with its descriptor's doc.
void require_builtin_plugins(const Listing& l) {
  for (const auto& [kind, names] : kExpectedPlugins) {
    INFO("kind " << kind);
    REQUIRE(l.kinds.count(kind) == 1);
    std::set<std::string> listed;
    for (const auto& [name, doc] : l.kinds.at(kind)) listed.insert(name);
    CHECK(listed == names);
    CHECK(l.announced.at(kind) == names.size());
    for (const auto& [name, doc] : l.kinds.at(kind)) {
      if (names.count(name) == 0) continue;
      INFO("plugin " << name);
      const std::string expected_doc = descriptor_of(kind, name).doc;
      CHECK_FALSE(expected_doc.empty());
      CHECK(doc == expected_doc);
    }
  }
}

}  // namespace

// ---- 1. usage ---------------------------------------------------------------

TEST_CASE("descent --help describes the commands and exits 0", "[cli]") {
  TempDir tmp("help");
  const Result r = run_descent({"--help"}, tmp.path());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "usage: descent"));
  CHECK(contains(r.out, "run"));
  CHECK(contains(r.out, "plugins"));
  CHECK(r.err.empty());
}

TEST_CASE("descent run --help and descent plugins --help exit 0", "[cli]") {
  TempDir tmp("subhelp");
  const Result run = run_descent({"run", "--help"}, tmp.path());
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  CHECK(contains(run.out, "usage: descent run"));
  CHECK(contains(run.out, "--out"));
  CHECK(contains(run.out, "--threads"));
  CHECK(contains(run.out, "--plugin-dir"));

  const Result plugins = run_descent({"plugins", "--help"}, tmp.path());
  INFO(plugins.out << plugins.err);
  CHECK(plugins.code == 0);
  CHECK(contains(plugins.out, "usage: descent plugins"));
  CHECK(contains(plugins.out, "show NAME"));
  CHECK(contains(plugins.out, "--plugin-dir"));
  // --help never runs the command: no run folder appears anywhere.
  CHECK(fs::is_empty(tmp.path()));
}

TEST_CASE("descent without a command exits 2 and shows the usage", "[cli]") {
  TempDir tmp("nocommand");
  const Result r = run_descent({}, tmp.path());
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.out + r.err, "usage: descent"));
}

TEST_CASE("descent with an unknown command exits 2 naming it", "[cli]") {
  TempDir tmp("badcommand");
  const Result r = run_descent({"frobnicate", "--out", "x"}, tmp.path());
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(contains(r.err, "frobnicate"));
  CHECK_FALSE(fs::exists(tmp / "x"));
}

// ---- 2-4. plugins
// --------------------------------------------------------------

TEST_CASE("descent plugins lists the 20 built-in plugins and no problems",
          "[cli][plugins]") {
  TempDir tmp("plugins");
  const Result r = run_descent({"plugins"}, tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const Listing l = parse_listing(r.out);
  require_builtin_plugins(l);
  REQUIRE(l.problems_seen);
  CHECK(l.problems == 0);
  CHECK(l.problem_lines.empty());
}

TEST_CASE("descent plugins headings are correctly pluralised",
          "[cli][plugins]") {
  TempDir tmp("plugins-headers");
  const Result r = run_descent({"plugins"}, tmp.path());
  REQUIRE(r.code == 0);
  const Listing l = parse_listing(r.out);
  CHECK(l.headers ==
        std::vector<std::string>{"optimizers", "models", "losses"});
}

TEST_CASE(
    "descent plugins --plugin-dir reports each bad file once and keeps "
    "the good plugins",
    "[cli][plugins]") {
  TempDir tmp("plugins-bad");
  const fs::path dir = tmp / "extra";
  fs::create_directories(dir);
  REQUIRE(fs::exists(kBadPlugins / "abi_major_two.so"));
  fs::copy_file(kBadPlugins / "abi_major_two.so", dir / "abi_major_two.so");
  write_file(dir / "garbage.so", "this is not a shared library\n");

  const Result r =
      run_descent({"plugins", "--plugin-dir", dir.string()}, tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const Listing l = parse_listing(r.out);
  require_builtin_plugins(l);
  CHECK(l.problems == 2);

  // Wherever the diagnostics go (stdout or stderr), each bad file is named
  // on exactly one line, and that line says why.
  for (const std::string file : {"abi_major_two.so", "garbage.so"}) {
    INFO("file " << file);
    const std::string full = (dir / file).string();
    std::vector<std::string> mentions;
    for (const std::string& line : lines_of(r.out + r.err))
      if (contains(line, full)) mentions.push_back(line);
    REQUIRE(mentions.size() == 1);
    const std::string reason =
        mentions[0].substr(mentions[0].find(full) + full.size());
    INFO("line: " << mentions[0]);
    CHECK(reason.size() > 5);
    if (file == "abi_major_two.so") {
      CHECK(contains(reason, "ABI"));
      CHECK(contains(reason, "2"));
    }
  }
}

TEST_CASE("descent plugins show names the precisions a model computes in",
          "[cli][plugins]") {
  TempDir tmp("show-precision");
  const std::pair<const char*, const char*> cases[] = {
      {"mlp", "precision: f64, f32"},
      {"softmax", "precision: f64, f32"},
      {"rosenbrock", "precision: f64\n"}};
  for (const auto& [model, line] : cases) {
    const Result r = run_descent({"plugins", "show", model}, tmp.path());
    INFO(model << ": " << r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find(line) != std::string::npos);
  }
  const Result optimizer = run_descent({"plugins", "show", "sgd"}, tmp.path());
  CHECK(optimizer.out.find("precision:") == std::string::npos);
}

TEST_CASE("descent plugins show adam prints its hyperparameter table",
          "[cli][plugins]") {
  TempDir tmp("show");
  const Result r = run_descent({"plugins", "show", "adam"}, tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());

  // One row per hyperparameter "optimizer.<name> type default [min, max]",
  // checked against the plugin's own descriptor.
  std::map<std::string, std::vector<std::string>> rows;
  for (const std::string& line : lines_of(r.out)) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (!w.empty() && w[0].rfind("optimizer.", 0) == 0) rows[w[0]] = w;
  }
  for (const char* key :
       {"optimizer.lr", "optimizer.beta1", "optimizer.beta2", "optimizer.eps"})
    CHECK(rows.count(key) == 1);

  const descent_descriptor& d = descriptor_of("optimizer", "adam");
  CHECK(rows.size() == d.hparam_count);
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    const descent_hparam_desc& h = d.hparams[i];
    const std::string key = std::string("optimizer.") + h.name;
    INFO("key " << key);
    REQUIRE(rows.count(key) == 1);
    const auto& w = rows.at(key);
    if (h.type != DESCENT_HPARAM_REAL) continue;
    REQUIRE(w.size() >= 5);
    CHECK(w[1] == "real");
    CHECK(cell_number(w[2]) == h.default_value);
    // "[min, max]"; an open end stands for the SDK's kAboveZero/kBelowOne.
    REQUIRE((w[3].front() == '[' || w[3].front() == '('));
    REQUIRE(w[3].back() == ',');
    REQUIRE((w[4].back() == ']' || w[4].back() == ')'));
    const double shown_min = cell_number(w[3].substr(1, w[3].size() - 2));
    const double shown_max = cell_number(w[4].substr(0, w[4].size() - 1));
    CHECK((w[3].front() == '[' ? shown_min : descent::sdk::kAboveZero) ==
          h.min_value);
    CHECK((w[4].back() == ']' ? shown_max : descent::sdk::kBelowOne) ==
          h.max_value);
    const bool log_scale = (h.flags & DESCENT_HPARAM_LOG_SCALE) != 0;
    CHECK((w.size() > 5 && w[5] == "log") == log_scale);
  }
  // The well-known Adam defaults, as the table shows them.
  REQUIRE(rows.count("optimizer.beta1") == 1);
  CHECK(cell_number(rows.at("optimizer.lr")[2]) == 0.001);
  CHECK(cell_number(rows.at("optimizer.beta1")[2]) == 0.9);
  CHECK(cell_number(rows.at("optimizer.beta2")[2]) == 0.999);
}

TEST_CASE("descent plugins show with an unknown name exits 2",
          "[cli][plugins]") {
  TempDir tmp("show-unknown");
  const Result r = run_descent({"plugins", "show", "adamw_nope"}, tmp.path());
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  REQUIRE(r.err_lines().size() == 1);
  CHECK(contains(r.err, "adamw_nope"));
}

// ---- 5. bad input ----------------------------------------------------------

TEST_CASE("the small experiment used by the bad-input tests is valid",
          "[cli][input]") {
  // The control for every test below: each one changes only one thing.
  TempDir tmp("input-control");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r = run_descent(
      {"run", (tmp / "exp.ini").string(), "--out", (tmp / "out").string()},
      tmp.path());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(fs::exists(tmp / "out" / "summary.json"));
}

TEST_CASE("bad input: unknown key in the experiment file", "[cli][input]") {
  TempDir tmp("input-unknown-file");
  const fs::path exp = tmp / "exp.ini";
  write_file(exp, small_experiment("0.01", "betta = 0.5\n"));
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {exp.string(), "optimizer.betta"});
}

TEST_CASE("bad input: unknown key on the command line", "[cli][input]") {
  TempDir tmp("input-unknown-cli");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r =
      run_descent({"run", (tmp / "exp.ini").string(), "--optimizer.betta=0.5",
                   "--out", (tmp / "out").string()},
                  tmp.path());
  require_bad_input(r, tmp / "out", {"optimizer.betta", "command line"});
}

TEST_CASE("bad input: non-numeric value on the command line", "[cli][input]") {
  TempDir tmp("input-nan");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r =
      run_descent({"run", (tmp / "exp.ini").string(), "--optimizer.lr=abc",
                   "--out", (tmp / "out").string()},
                  tmp.path());
  require_bad_input(r, tmp / "out", {"optimizer.lr", "abc"});
}

TEST_CASE("bad input: negative learning rate in the file", "[cli][input]") {
  TempDir tmp("input-neg-file");
  const fs::path exp = tmp / "exp.ini";
  write_file(exp, small_experiment("-0.1"));
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {exp.string(), "optimizer.lr"});
}

TEST_CASE("bad input: negative learning rate on the command line",
          "[cli][input]") {
  TempDir tmp("input-neg-cli");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r =
      run_descent({"run", (tmp / "exp.ini").string(), "--optimizer.lr=-0.5",
                   "--out", (tmp / "out").string()},
                  tmp.path());
  require_bad_input(r, tmp / "out", {"optimizer.lr", "-0.5"});
}

TEST_CASE("bad input: duplicated key in the file", "[cli][input]") {
  TempDir tmp("input-dup");
  const fs::path exp = tmp / "exp.ini";
  write_file(exp, small_experiment("0.01", "lr = 0.02\n"));
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {exp.string(), "optimizer.lr"});
}

TEST_CASE("bad input: empty experiment file", "[cli][input]") {
  TempDir tmp("input-empty");
  const fs::path exp = tmp / "empty.ini";
  write_file(exp, "");
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {exp.string()});
}

TEST_CASE("bad input: binary garbage as experiment file", "[cli][input]") {
  TempDir tmp("input-garbage");
  // With and without NUL bytes: both must be one clean line, not a dump.
  std::string with_nul;
  for (int i = 0; i < 512; ++i)
    with_nul += static_cast<char>((i * 151 + 7) % 256);
  const std::string without_nul =
      "\x80\x81\xfe\xff[[[\x01\x02=\n\xc3\x28==\x07";
  for (const std::string& bytes : {with_nul, without_nul}) {
    const fs::path exp = tmp / "garbage.ini";
    write_file(exp, bytes);
    const Result r = run_descent(
        {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
    require_bad_input(r, tmp / "out", {exp.string()});
  }
}

TEST_CASE("bad input: experiment file that does not exist", "[cli][input]") {
  TempDir tmp("input-missing");
  const fs::path exp = tmp / "no_such_experiment.ini";
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {exp.string()});
}

TEST_CASE("bad input: Fashion-MNIST folder without the data files",
          "[cli][input]") {
  TempDir tmp("input-nodata");
  const fs::path empty = tmp / "empty_dataset";
  fs::create_directories(empty);
  const Result r =
      run_descent({"run", kFashion.string(), "--data.dir=" + empty.string(),
                   "--out", (tmp / "out").string()},
                  tmp.path());
  require_bad_input(r, tmp / "out", {empty.string()});
}

TEST_CASE("bad input: CSV data file that does not exist", "[cli][input]") {
  TempDir tmp("input-nocsv");
  const fs::path csv = tmp / "absent.csv";
  const fs::path exp = tmp / "csv.ini";
  write_file(exp, "[data]\nsource = csv\npath = " + csv.string() +
                      "\n[model]\nname = linear\n[loss]\nname = mse\n"
                      "[optimizer]\nname = sgd\nlr = 0.01\n"
                      "[trainer]\nbatch_size = full\nepochs = 2\n");
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {csv.string()});
}

TEST_CASE("bad input: truncated gzipped IDX file", "[cli][input]") {
  TempDir tmp("input-truncated");
  const fs::path data = tmp / "tiny_fashion";
  fs::create_directories(data);
  write_tiny_fashion(data, 40);
  const std::vector<std::string> base{
      "run", kFashion.string(), "--data.dir=" + data.string(),
      "--trainer.epochs=1", "--trainer.batch_size=8"};

  // Control: the intact set trains.
  auto args = base;
  args.insert(args.end(), {"--out", (tmp / "control").string()});
  const Result ok = run_descent(args, tmp.path());
  INFO(ok.out << ok.err);
  REQUIRE(ok.code == 0);

  const fs::path images = data / "train-images-idx3-ubyte.gz";
  fs::resize_file(images, fs::file_size(images) / 2);
  args = base;
  args.insert(args.end(), {"--out", (tmp / "out").string()});
  const Result r = run_descent(args, tmp.path());
  require_bad_input(r, tmp / "out", {images.string(), "truncated"});
}

TEST_CASE("bad input: CSV with a ragged row", "[cli][input]") {
  TempDir tmp("input-ragged");
  const fs::path csv = tmp / "data.csv";
  const fs::path exp = tmp / "csv.ini";
  write_file(exp, "[data]\nsource = csv\npath = " + csv.string() +
                      "\n[model]\nname = linear\n[loss]\nname = mse\n"
                      "[optimizer]\nname = sgd\nlr = 0.01\n"
                      "[trainer]\nbatch_size = full\nepochs = 2\n");
  // Control: the same table with every row complete trains.
  write_file(csv, "x1,x2,y\n1,2,3\n4,5,9\n6,7,13\n2,2,4\n3,1,4\n");
  const Result ok = run_descent(
      {"run", exp.string(), "--out", (tmp / "control").string()}, tmp.path());
  INFO(ok.out << ok.err);
  REQUIRE(ok.code == 0);

  write_file(csv, "x1,x2,y\n1,2,3\n4,5\n6,7,13\n2,2,4\n3,1,4\n");
  const Result r = run_descent(
      {"run", exp.string(), "--out", (tmp / "out").string()}, tmp.path());
  require_bad_input(r, tmp / "out", {csv.string(), "3"});
}

TEST_CASE("bad input: unknown command-line flag", "[cli][input]") {
  TempDir tmp("input-flag");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r =
      run_descent({"run", (tmp / "exp.ini").string(), "--bogus-flag", "--out",
                   (tmp / "out").string()},
                  tmp.path());
  require_bad_input(r, tmp / "out", {"--bogus-flag"});
}

TEST_CASE("bad input: --section.key without =value", "[cli][input]") {
  TempDir tmp("input-novalue");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r =
      run_descent({"run", (tmp / "exp.ini").string(), "--optimizer.lr", "0.1",
                   "--out", (tmp / "out").string()},
                  tmp.path());
  require_bad_input(r, tmp / "out", {"optimizer.lr"});
}

TEST_CASE("bad input: --out folder that already holds a run is untouched",
          "[cli][input]") {
  TempDir tmp("input-taken");
  const fs::path out = tmp / "run";
  const Result first = run_descent(
      {"run", kRosenbrock.string(), "--out", out.string(), "-q"}, tmp.path());
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  const auto before = snapshot(out);
  REQUIRE(before.count("summary.json") == 1);

  // A different run (other lr, other experiment) aimed at the same folder.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", kRosenbrock.string(),
                                 "--optimizer.lr=0.0001", "--out",
                                 out.string()},
        std::vector<std::string>{"run", kLinear.string(), "--trainer.epochs=1",
                                 "--out", out.string()}}) {
    const Result r = run_descent(args, tmp.path());
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    REQUIRE(r.err_lines().size() == 1);
    CHECK(contains(r.err, out.string()));
    CHECK(snapshot(out) == before);
  }
}

TEST_CASE("bad input: loss that does not fit the data leaves no run folder",
          "[cli][input]") {
  TempDir tmp("input-loss-mismatch");
  write_file(tmp / "exp.ini", small_experiment());
  const Result r = run_descent(
      {"run", (tmp / "exp.ini").string(), "--loss.name=cross_entropy", "--out",
       (tmp / "out").string()},
      tmp.path());
  require_bad_input(r, tmp / "out", {"loss.name"});
}

// ---- 6. Rosenbrock
// ------------------------------------------------------------

TEST_CASE("rosenbrock_momentum reaches the minimum (1, 1)", "[cli][run]") {
  TempDir tmp("rosenbrock");
  const fs::path out = tmp / "run";
  const Result r = run_descent(
      {"run", kRosenbrock.string(), "--out", out.string()}, tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const json summary = read_json(out / "summary.json");
  CHECK(summary.at("status") == "ok");
  const json params = summary.at("final").at("params");
  REQUIRE(params.size() == 2);
  CHECK(std::abs(params[0].get<double>() - 1.0) < 1e-3);
  CHECK(std::abs(params[1].get<double>() - 1.0) < 1e-3);
}

// ---- 7. Fashion-MNIST
// ----------------------------------------------------------

TEST_CASE("fashion_mnist_softmax trains to >= 83% test accuracy",
          "[cli][run][fashion]") {
  REQUIRE_FASHION_MNIST();
  TempDir tmp("fashion");
  const fs::path out = tmp / "run";
  const Result r = run_descent(
      {"run", kFashion.string(), "--out", out.string()}, tmp.path());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  for (const char* file :
       {"config.ini", "metrics.csv", "manifest.json", "summary.json"})
    CHECK(fs::is_regular_file(out / file));

  const json summary = read_json(out / "summary.json");
  CHECK(summary.at("status") == "ok");
  const double accuracy = summary.at("final").at("test_accuracy").get<double>();
  CHECK(accuracy >= 0.83);
  // 60000 rows, batches of 64, 5 epochs.
  CHECK(summary.at("steps").get<std::uint64_t>() == 5 * ((60000 + 63) / 64));
  CHECK(read_json(out / "manifest.json").at("seed") == 1);

  const Csv metrics = read_csv(out / "metrics.csv");
  REQUIRE(metrics.rows.size() == 6);
  const std::size_t epoch = metrics.column("epoch");
  for (std::size_t i = 0; i < metrics.rows.size(); ++i)
    CHECK(metrics.rows[i][epoch] == std::to_string(i));
  CHECK(cell_number(metrics.rows.back()[metrics.column("test_accuracy")]) ==
        Approx(accuracy));

  // stdout ends with the final metrics: the last test_accuracy it prints is
  // the summary's, within the last three lines.
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() >= 3);
  const auto pos = r.out.rfind("test_accuracy ");
  REQUIRE(pos != std::string::npos);
  const std::string tail = r.out.substr(pos);
  CHECK(std::stod(tail.substr(tail.find(' ') + 1)) == Approx(accuracy));
  const std::string last3 = lines[lines.size() - 3] + "\n" +
                            lines[lines.size() - 2] + "\n" + lines.back();
  CHECK(contains(last3, "test_accuracy"));
}

// ---- 8. reproducibility
// ------------------------------------------------------------

TEST_CASE("re-running config.ini reproduces the default fashion experiment",
          "[cli][repro][fashion]") {
  REQUIRE_FASHION_MNIST();
  TempDir tmp("repro-default");
  const fs::path d1 = tmp / "d1", d2 = tmp / "d2";
  REQUIRE(run_descent({"run", kFashion.string(), "--out", d1.string(), "-q"},
                      tmp.path())
              .code == 0);
  REQUIRE(run_descent(
              {"run", (d1 / "config.ini").string(), "--out", d2.string(), "-q"},
              tmp.path())
              .code == 0);
  const Csv a = read_csv(d1 / "metrics.csv").without("seconds");
  const Csv b = read_csv(d2 / "metrics.csv").without("seconds");
  REQUIRE(a.rows.size() == 6);
  CHECK(a.header == b.header);
  CHECK(a.rows == b.rows);
}

// config.ini records data.path resolved (absolute), so re-running
// RUN_DIR/config.ini finds the data wherever the run folder is.
TEST_CASE("config.ini of a CSV run with a relative data.path reproduces it",
          "[cli][repro]") {
  TempDir tmp("repro-relative");
  fs::create_directories(tmp / "study");
  write_file(tmp / "study" / "data.csv",
             "x1,x2,y\n1,2,3\n4,5,9\n6,7,13\n2,2,4\n3,1,4\n5,5,10\n");
  write_file(tmp / "study" / "csv.ini",
             "[data]\nsource = csv\npath = data.csv\n"
             "[model]\nname = linear\n[loss]\nname = mse\n"
             "[optimizer]\nname = sgd\nlr = 0.01\n"
             "[trainer]\nbatch_size = full\nepochs = 3\n");
  const fs::path d1 = tmp / "d1", d2 = tmp / "d2";
  const Result first = run_descent(
      {"run", (tmp / "study" / "csv.ini").string(), "--out", d1.string()},
      tmp.path());
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  const Result again = run_descent(
      {"run", (d1 / "config.ini").string(), "--out", d2.string()}, tmp.path());
  INFO(again.out << again.err);
  REQUIRE(again.code == 0);
  CHECK(read_csv(d1 / "metrics.csv").without("seconds").rows ==
        read_csv(d2 / "metrics.csv").without("seconds").rows);
}

namespace {

void require_thread_independent(const std::vector<std::string>& run_args,
                                const TempDir& tmp) {
  std::vector<Csv> metrics;
  for (const char* threads : {"1", "2"}) {
    const fs::path out = tmp / (std::string("threads") + threads);
    auto args = run_args;
    args.insert(args.end(), {"--threads", threads, "--out", out.string()});
    const Result r = run_descent(args, tmp.path());
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    // The option took effect: the manifest records the thread count.
    CHECK(read_json(out / "manifest.json").at("threads") == std::atoi(threads));
    metrics.push_back(read_csv(out / "metrics.csv").without("seconds"));
  }
  REQUIRE(metrics[0].rows.size() >= 2);
  CHECK(metrics[0].header == metrics[1].header);
  CHECK(metrics[0].rows == metrics[1].rows);
}

}  // namespace

TEST_CASE("full-batch linear regression: 1 thread and 2 give equal metrics",
          "[cli][repro]") {
  // 1600 training rows: a full batch is summed over several chunks.
  TempDir tmp("threads-linear");
  require_thread_independent(
      {"run", kLinear.string(), "--trainer.epochs=5", "-q"}, tmp);
}

TEST_CASE("full-batch Fashion-MNIST: 1 thread and 2 give equal metrics",
          "[cli][repro][fashion]") {
  REQUIRE_FASHION_MNIST();
  TempDir tmp("threads-fashion");
  require_thread_independent(
      {"run", kFashion.string(), "--data.train_limit=5000",
       "--trainer.batch_size=full", "--trainer.epochs=3", "-q"},
      tmp);
}

// ---- 9. divergence
// ---------------------------------------------------------------

TEST_CASE("a diverging run exits 1 and records why", "[cli][run][fashion]") {
  REQUIRE_FASHION_MNIST();
  TempDir tmp("diverge");
  const fs::path out = tmp / "run";
  const Result r = run_descent(
      {"run", kFashion.string(), "--optimizer.name=sgd", "--optimizer.lr=10",
       "--trainer.epochs=2", "--data.train_limit=10000", "--out", out.string()},
      tmp.path());
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  const json summary = read_json(out / "summary.json");
  CHECK(summary.at("status") == "diverged");
  REQUIRE(summary.contains("reason"));
  CHECK_FALSE(summary.at("reason").get<std::string>().empty());

  // metrics.csv holds the initial point and every epoch up to the diverged
  // one, which matches the summary.
  const auto epochs = summary.at("epochs").get<std::size_t>();
  CHECK(epochs >= 1);
  CHECK(epochs <= 2);
  const Csv metrics = read_csv(out / "metrics.csv");
  REQUIRE(metrics.rows.size() == epochs + 1);
  for (std::size_t i = 0; i < metrics.rows.size(); ++i)
    CHECK(metrics.rows[i][metrics.column("epoch")] == std::to_string(i));
  CHECK(cell_number(metrics.rows.back()[metrics.column("train_loss")]) ==
        Approx(summary.at("final").at("train_loss").get<double>()));
}

// ---- 10. batch, stochastic and mini-batch
// ------------------------------------------

TEST_CASE("batch_size full, 1 and 32 take the expected number of steps",
          "[cli][run]") {
  // 2010 rows, test_fraction 0.2: 402 test rows, 1608 training rows, which
  // 32 does not divide (the last mini-batch is partial).
  const std::size_t rows = 2010;
  const std::size_t train_rows =
      rows - static_cast<std::size_t>(std::llround(0.2 * rows));
  const std::uint64_t epochs = 2;
  const std::vector<std::pair<std::string, std::size_t>> cases{
      {"full", 1}, {"1", train_rows}, {"32", (train_rows + 31) / 32}};
  TempDir tmp("batches");
  for (const auto& [batch, per_epoch] : cases) {
    INFO("batch_size " << batch);
    const fs::path out = tmp / ("batch-" + batch);
    const Result r = run_descent(
        {"run", kLinear.string(), "--trainer.batch_size=" + batch,
         "--trainer.epochs=" + std::to_string(epochs), "--optimizer.lr=0.01",
         "--data.rows=" + std::to_string(rows), "--out", out.string(), "-q"},
        tmp.path());
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    const json summary = read_json(out / "summary.json");
    CHECK(summary.at("status") == "ok");
    CHECK(summary.at("epochs").get<std::uint64_t>() == epochs);
    CHECK(summary.at("steps").get<std::uint64_t>() == epochs * per_epoch);
    const Csv metrics = read_csv(out / "metrics.csv");
    REQUIRE(metrics.rows.size() == epochs + 1);
    for (std::size_t e = 0; e <= epochs; ++e)
      CHECK(metrics.rows[e][metrics.column("steps")] ==
            std::to_string(e * per_epoch));
  }
}
