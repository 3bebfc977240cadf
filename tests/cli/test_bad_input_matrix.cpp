// The bad-input matrix (issue 9, item 1): one table per kind of input, each
// row a small broken file (or command line) run through the built `descent`
// binary. A bad row must exit 2 with exactly one stderr line naming the file
// and/or key, and must not create the --out folder. Accepted rows (CRLF, a
// UTF-8 BOM, the intact controls) must exit 0 and write a run.
//
// In every row's arguments and expected substrings, "@/" stands for the
// row's own scratch folder.
#include "cli_support.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using namespace descent::cli_test;

namespace {

const fs::path kFashionIni = kExperiments / "fashion_mnist_softmax.ini";

using Setup = std::function<void(const fs::path& dir)>;

struct Row {
  std::string name;
  Setup setup;                     // writes the input into the scratch folder
  std::vector<std::string> args;   // the command line after `descent`
  int code;                        // expected exit code
  std::vector<std::string> names;  // substrings of the one stderr line
};

// "@/x" -> "<dir>/x", anywhere in the text.
std::string expand(std::string text, const fs::path& dir) {
  const std::string to = dir.string() + "/";
  for (auto at = text.find("@/"); at != std::string::npos;
       at = text.find("@/", at + to.size()))
    text.replace(at, 2, to);
  return text;
}

void run_row(const Row& row) {
  TempDir tmp("matrix");
  row.setup(tmp.path());
  std::vector<std::string> args;
  for (const std::string& a : row.args) args.push_back(expand(a, tmp.path()));
  const Result r = run_descent(args, tmp.path());
  INFO("row: " << row.name);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.code == row.code);
  if (row.code == 0) {
    CHECK(r.err.empty());
    CHECK(fs::is_regular_file(tmp / "out" / "summary.json"));
    return;
  }
  const auto lines = r.err_lines();
  REQUIRE(lines.size() == 1);
  CHECK_FALSE(lines[0].empty());
  // One clean line: no bytes of the bad input echoed as control characters.
  bool printable = true;
  for (char c : lines[0])
    if (static_cast<unsigned char>(c) < 32 && c != '\t') printable = false;
  CHECK(printable);
  for (const std::string& name : row.names) {
    const std::string expected = expand(name, tmp.path());
    INFO("expected on stderr: " << expected);
    CHECK(contains(lines[0], expected));
  }
  CHECK_FALSE(fs::exists(tmp / "out"));
}

void run_table(const std::vector<Row>& rows) {
  for (const Row& row : rows) DYNAMIC_SECTION(row.name) {
      run_row(row);
    }
}

// ---- configs ----------------------------------------------------------------

// A small, fast, valid experiment (synthetic linear regression with Adam);
// `optimizer_extra` goes at the end of [optimizer], `tail` after [trainer].
std::string small_experiment(const std::string& optimizer_extra = "",
                             const std::string& tail = "") {
  return "# small experiment for the bad-input matrix\n"
         "[experiment]\nname = matrix\nseed = 3\n\n"
         "[data]\nsource = linear\nrows = 200\nfeatures = 3\n\n"
         "[model]\nname = linear\n\n"
         "[loss]\nname = mse\n\n"
         "[optimizer]\nname = adam\nlr = 0.01\n" +
         optimizer_extra +
         "\n"
         "[trainer]\nbatch_size = 16\nepochs = 1\n" +
         tail;
}

std::string replaced(std::string text, const std::string& from,
                     const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

Setup experiment(const std::string& text) {
  return [text](const fs::path& dir) { write_file(dir / "exp.ini", text); };
}

const std::vector<std::string> kRun{"run", "@/exp.ini", "--out", "@/out"};

std::vector<std::string> run_with(const std::string& flag) {
  return {"run", "@/exp.ini", flag, "--out", "@/out"};
}

const std::string kSmallCsvIni =
    "[data]\nsource = csv\npath = @/data.csv\n"
    "[model]\nname = linear\n[loss]\nname = mse\n"
    "[optimizer]\nname = sgd\nlr = 0.01\n"
    "[trainer]\nbatch_size = full\nepochs = 1\n";

const std::string kSmallCsv = "x1,x2,y\n1,2,3\n4,5,9\n6,7,13\n2,2,4\n3,1,4\n";

std::string utf16le(const std::string& ascii) {
  std::string out = "\xff\xfe";
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

std::vector<Row> config_rows() {
  return {
      {"control: the small experiment runs",
       experiment(small_experiment()),
       kRun,
       0,
       {}},
      {"unknown section",
       experiment(small_experiment("", "\n[optimzer]\nlr = 0.1\n")),
       kRun,
       2,
       {"@/exp.ini", "optimzer.lr", "optimzer"}},
      {"unknown key in [trainer]",
       experiment(small_experiment("", "epoch = 3\n")),
       kRun,
       2,
       {"@/exp.ini", "trainer.epoch"}},
      {"duplicated key across a re-opened section",
       experiment(small_experiment("", "\n[optimizer]\nlr = 0.02\n")),
       kRun,
       2,
       {"@/exp.ini", "optimizer.lr"}},
      {"wrong type: text for a number in the file",
       experiment(replaced(small_experiment(), "epochs = 1", "epochs = two")),
       kRun,
       2,
       {"@/exp.ini", "trainer.epochs", "two"}},
      {"wrong type: a fraction for an integer on the command line",
       experiment(small_experiment()),
       run_with("--trainer.epochs=1.5"),
       2,
       {"command line", "trainer.epochs", "1.5"}},
      {"wrong type: a number for a bool",
       [](const fs::path& dir) {
         write_file(dir / "data.csv", kSmallCsv);
         write_file(dir / "exp.ini",
                    replaced(expand(kSmallCsvIni, dir), "source = csv\n",
                             "source = csv\nclassification = 2\n"));
       },
       kRun,
       2,
       {"@/exp.ini", "data.classification", "2"}},
      {"NaN in the file",
       experiment(small_experiment("beta1 = nan\n")),
       kRun,
       2,
       {"@/exp.ini", "optimizer.beta1", "nan"}},
      {"Inf on the command line",
       experiment(small_experiment()),
       run_with("--optimizer.lr=inf"),
       2,
       {"command line", "optimizer.lr", "inf"}},
      {"-Inf in the file",
       experiment(small_experiment("eps = -inf\n")),
       kRun,
       2,
       {"@/exp.ini", "optimizer.eps"}},
      {"a number that overflows a double (1e999)",
       experiment(small_experiment("beta2 = 1e999\n")),
       kRun,
       2,
       {"@/exp.ini", "optimizer.beta2"}},
      {"out of bounds in the file: beta1 = 1.5",
       experiment(small_experiment("beta1 = 1.5\n")),
       kRun,
       2,
       {"@/exp.ini", "optimizer.beta1", "1.5"}},
      {"out of bounds on the command line: beta2 = 2",
       experiment(small_experiment()),
       run_with("--optimizer.beta2=2"),
       2,
       {"command line", "optimizer.beta2", "2"}},
      {"out of bounds framework key: data.test_fraction = 0.95",
       experiment(replaced(small_experiment(), "features = 3\n",
                           "features = 3\ntest_fraction = 0.95\n")),
       kRun,
       2,
       {"@/exp.ini", "data.test_fraction"}},
      {"out of bounds on the command line: batch_size = 0",
       experiment(small_experiment()),
       run_with("--trainer.batch_size=0"),
       2,
       {"command line", "trainer.batch_size"}},
      {"whitespace-only file",
       experiment(" \n\t\n\r\n"),
       kRun,
       2,
       {"@/exp.ini"}},
      {"comments-only file",
       experiment("# nothing here\n# nor here\n"),
       kRun,
       2,
       {"@/exp.ini"}},
      {"';' comments (not INI comments here)",
       experiment(small_experiment("; a semicolon comment\n")),
       kRun,
       2,
       {"@/exp.ini"}},
      // Boost.Program_options 1.74 loops forever filling its message when
      // the bad text holds the placeholder itself (found by fuzz_sweep_spec).
      {"an invalid line holding Boost's own placeholder",
       experiment(small_experiment("bad%invalid_line%line\n")),
       kRun,
       2,
       {"@/exp.ini", "invalid line", "bad%invalid_line%line"}},
      {"an unknown flag holding Boost's own placeholder",
       [](const fs::path&) {},
       std::vector<std::string>{"run", "--x%canonical_option%"},
       2,
       {"descent run", "--x%canonical_option%"}},
      {"binary garbage: UTF-16 text",
       experiment(utf16le(small_experiment())),
       kRun,
       2,
       {"@/exp.ini"}},
      {"nonexistent path in a nonexistent folder",
       [](const fs::path&) {},
       std::vector<std::string>{"run", "@/nowhere/exp.ini", "--out", "@/out"},
       2,
       {"@/nowhere/exp.ini"}},
      {"a folder instead of a file",
       [](const fs::path& dir) { fs::create_directories(dir / "exp.ini"); },
       kRun,
       2,
       {"@/exp.ini"}},
      {"key outside any section",
       experiment("lr = 0.1\n" + small_experiment()),
       kRun,
       2,
       {"@/exp.ini", "'lr'"}},
      {"sweep spec: misspelt function (logunifrom)",
       experiment(small_experiment("",
                                   "\n[sweep]\noptimizer.lr = "
                                   "logunifrom(1e-4, 0.1)\ntrials = 2\n")),
       std::vector<std::string>{"sweep", "@/exp.ini", "--out", "@/out"},
       2,
       {"@/exp.ini", "sweep.optimizer.lr", "logunifrom"}},
      {"sweep spec: misspelt grid scale (lgo)",
       experiment(small_experiment(
           "", "\n[sweep]\noptimizer.lr = grid(1e-4, 0.1, 3, lgo)\n")),
       std::vector<std::string>{"sweep", "@/exp.ini", "--out", "@/out"},
       2,
       {"@/exp.ini", "sweep.optimizer.lr", "lgo"}},
      {"sweep spec: unbalanced parenthesis",
       experiment(small_experiment(
           "", "\n[sweep]\noptimizer.lr = grid(1e-4, 0.1, 3, log\n")),
       std::vector<std::string>{"sweep", "@/exp.ini", "--out", "@/out"},
       2,
       {"@/exp.ini", "sweep.optimizer.lr"}},
  };
}

// Rows for messages that once named the wrong thing (kept apart so their
// history reads plainly; they run like every other row).
std::vector<Row> config_regression_rows() {
  return {// The trial that a misspelt [sweep] key makes is reported against the
          // file and the sweep key, not as "sweep trial 0".
          {"sweep spec: misspelt hyperparameter",
           experiment(
               small_experiment("", "\n[sweep]\noptimizer.lrr = 0.01, 0.1\n")),
           std::vector<std::string>{"sweep", "@/exp.ini", "--out", "@/out"},
           2,
           {"@/exp.ini", "sweep.optimizer.lrr"}}};
}

// ---- IDX --------------------------------------------------------------------

const std::string kTrainImages = "train-images-idx3-ubyte";
const std::string kTrainLabels = "train-labels-idx1-ubyte";
const std::string kTestImages = "t10k-images-idx3-ubyte";
const std::string kTestLabels = "t10k-labels-idx1-ubyte";

void put_u32(std::string& bytes, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes += static_cast<char>((v >> shift) & 0xffU);
}

// An IDX file: 00 00 TYPE RANK, the dimensions, then `data`.
std::string idx(unsigned char type, const std::vector<std::uint32_t>& dims,
                const std::string& data) {
  std::string bytes("\x00\x00", 2);
  bytes += static_cast<char>(type);
  bytes += static_cast<char>(dims.size());
  for (std::uint32_t d : dims) put_u32(bytes, d);
  return bytes + data;
}

std::string pixels(std::uint32_t count) {
  std::string data;
  std::uint32_t state = 12345;
  for (std::uint32_t i = 0; i < count * 64; ++i) {
    state = state * 1664525U + 1013904223U;
    data += static_cast<char>(state >> 24);
  }
  return data;
}

std::string labels(std::uint32_t count) {
  std::string data;
  for (std::uint32_t i = 0; i < count; ++i) data += static_cast<char>(i % 10);
  return data;
}

using Files = std::map<std::string, std::string>;

// The four Fashion-MNIST files with 20 images of 8x8 each.
Files tiny_fashion() {
  const std::string images = idx(0x08, {20, 8, 8}, pixels(20));
  const std::string label_file = idx(0x08, {20}, labels(20));
  return {{kTrainImages, images},
          {kTrainLabels, label_file},
          {kTestImages, images},
          {kTestLabels, label_file}};
}

void write_gz(const fs::path& file, const std::string& bytes) {
  gzFile gz = gzopen(file.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  REQUIRE(gzclose(gz) == Z_OK);
}

// Writes the (changed) tiny set into <dir>/fm, raw or gzipped.
Setup fashion(std::function<void(Files&)> change, bool gzipped = false) {
  return [change, gzipped](const fs::path& dir) {
    Files files = tiny_fashion();
    change(files);
    fs::create_directories(dir / "fm");
    for (const auto& [name, bytes] : files) {
      if (gzipped)
        write_gz(dir / "fm" / (name + ".gz"), bytes);
      else
        write_file(dir / "fm" / name, bytes);
    }
  };
}

const std::vector<std::string> kRunFashion{"run",
                                           kFashionIni.string(),
                                           "--data.dir=@/fm",
                                           "--trainer.epochs=1",
                                           "--trainer.batch_size=8",
                                           "--out",
                                           "@/out"};

std::vector<Row> idx_rows() {
  return {
      {"control: the tiny raw set trains",
       fashion([](Files&) {}),
       kRunFashion,
       0,
       {}},
      {"control: the tiny gzipped set trains",
       fashion([](Files&) {}, true),
       kRunFashion,
       0,
       {}},
      {"wrong magic",
       fashion([](Files& f) { f[kTrainImages][0] = '\x01'; }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainImages, "magic"}},
      {"wrong type code (0x0D, float)",
       fashion([](Files& f) { f[kTrainImages][2] = '\x0d'; }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainImages, "type code"}},
      {"wrong dimension count (labels with rank 2)",
       fashion([](Files& f) {
         f[kTrainLabels] = idx(0x08, {20, 1}, labels(20));
       }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainLabels, "dimensions"}},
      {"header dimensions that overflow",
       fashion([](Files& f) {
         f[kTrainImages] =
             idx(0x08, {0xffffffffU, 0xffffffffU, 0xffffffffU}, pixels(1));
       }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainImages, "overflow"}},
      {"header dimensions that disagree with the file size (28x28 of 8x8)",
       fashion([](Files& f) {
         f[kTestImages] = idx(0x08, {20, 28, 28}, pixels(20));
       }),
       kRunFashion,
       2,
       {"@/fm/" + kTestImages, "truncated"}},
      {"image count != label count",
       fashion([](Files& f) { f[kTrainLabels] = idx(0x08, {19}, labels(19)); }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainLabels, "19", "20"}},
      {"label > 9",
       fashion([](Files& f) { f[kTestLabels].back() = '\x0a'; }),
       kRunFashion,
       2,
       {"@/fm/" + kTestLabels, "label 10"}},
      {"zero items",
       fashion([](Files& f) {
         f[kTrainImages] = idx(0x08, {0, 8, 8}, "");
         f[kTrainLabels] = idx(0x08, {0}, "");
       }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainImages, "empty"}},
      {"truncated data",
       fashion([](Files& f) {
         f[kTrainLabels].resize(f[kTrainLabels].size() - 5);
       }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainLabels, "truncated"}},
      {"truncated header",
       fashion([](Files& f) { f[kTestImages].resize(10); }),
       kRunFashion,
       2,
       {"@/fm/" + kTestImages, "truncated"}},
      {"trailing bytes",
       fashion([](Files& f) { f[kTrainImages] += "extra"; }),
       kRunFashion,
       2,
       {"@/fm/" + kTrainImages, "trailing"}},
      {"trailing bytes inside a .gz",
       fashion([](Files& f) { f[kTestLabels] += '\x00'; }, true),
       kRunFashion,
       2,
       {"@/fm/" + kTestLabels + ".gz", "trailing"}},
      {"corrupt .gz (deflate data overwritten)",
       [](const fs::path& dir) {
         fashion([](Files&) {}, true)(dir);
         const fs::path file = dir / "fm" / (kTrainImages + ".gz");
         std::string bytes = read_file(file);
         for (std::size_t i = 20; i < 60; ++i) bytes[i] = '\xff';
         write_file(file, bytes);
       },
       kRunFashion,
       2,
       {"@/fm/" + kTrainImages + ".gz", "gzip"}},
      {"corrupt .gz (CRC of the content wrong)",
       [](const fs::path& dir) {
         fashion([](Files&) {}, true)(dir);
         const fs::path file = dir / "fm" / (kTestLabels + ".gz");
         std::string bytes = read_file(file);
         bytes[bytes.size() - 8] =
             static_cast<char>(bytes[bytes.size() - 8] ^ 0x55);
         write_file(file, bytes);
       },
       kRunFashion,
       2,
       {"@/fm/" + kTestLabels + ".gz", "gzip"}},
      {"a .gz header only",
       [](const fs::path& dir) {
         fashion([](Files&) {}, true)(dir);
         const fs::path file = dir / "fm" / (kTrainLabels + ".gz");
         write_file(file, read_file(file).substr(0, 10));
       },
       kRunFashion,
       2,
       {"@/fm/" + kTrainLabels + ".gz", "gzip"}},
  };
}

// ---- CSV --------------------------------------------------------------------

Setup csv(const std::string& content) {
  return [content](const fs::path& dir) {
    write_file(dir / "data.csv", content);
    write_file(dir / "exp.ini", expand(kSmallCsvIni, dir));
  };
}

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text)
    out += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return out;
}

const std::string kBom = "\xEF\xBB\xBF";

std::vector<Row> csv_rows() {
  return {
      {"control: the small CSV trains", csv(kSmallCsv), kRun, 0, {}},
      {"accepted: CRLF line endings", csv(crlf(kSmallCsv)), kRun, 0, {}},
      {"accepted: a UTF-8 BOM", csv(kBom + kSmallCsv), kRun, 0, {}},
      {"accepted: a UTF-8 BOM and CRLF",
       csv(kBom + crlf(kSmallCsv)),
       kRun,
       0,
       {}},
      {"ragged row: one cell too many",
       csv("x1,x2,y\n1,2,3\n4,5,9,1\n6,7,13\n"),
       kRun,
       2,
       {"@/data.csv", "line 3"}},
      {"ragged row with CRLF endings",
       csv(crlf("x1,x2,y\n1,2,3\n4,5,9\n6,13\n")),
       kRun,
       2,
       {"@/data.csv", "line 4"}},
      {"non-numeric cell",
       csv("x1,x2,y\n1,2,3\n4,five,9\n6,7,13\n"),
       kRun,
       2,
       {"@/data.csv", "line 3", "five"}},
      {"empty cell",
       csv("x1,x2,y\n1,2,3\n4,,9\n6,7,13\n"),
       kRun,
       2,
       {"@/data.csv", "line 3"}},
      {"NaN cell",
       csv("x1,x2,y\n1,2,3\n4,5,nan\n6,7,13\n"),
       kRun,
       2,
       {"@/data.csv", "line 3", "nan"}},
      {"Inf cell",
       csv("x1,x2,y\n1,2,3\n4,-inf,9\n6,7,13\n"),
       kRun,
       2,
       {"@/data.csv", "line 3", "-inf"}},
      {"empty file", csv(""), kRun, 2, {"@/data.csv", "empty"}},
      {"BOM only", csv(kBom), kRun, 2, {"@/data.csv", "empty"}},
      {"header only", csv("x1,x2,y\n"), kRun, 2, {"@/data.csv", "header"}},
      {"header only, with a BOM and CRLF",
       csv(kBom + "x1,x2,y\r\n"),
       kRun,
       2,
       {"@/data.csv", "header"}},
      {"a single column",
       csv("1\n2\n3\n"),
       kRun,
       2,
       {"@/data.csv", "2 columns"}},
      {"binary garbage",
       csv(std::string("\x00\x01\x02\xff,\xfe\n", 7)),
       kRun,
       2,
       {"@/data.csv"}},
      {"a folder instead of the CSV file",
       [](const fs::path& dir) {
         fs::create_directories(dir / "data.csv");
         write_file(dir / "exp.ini", expand(kSmallCsvIni, dir));
       },
       kRun,
       2,
       {"@/data.csv"}},
  };
}

// A cell's control bytes (ESC, CR, NUL) must not reach the terminal: the
// message shows them as '?' and stays one whole line.
std::vector<Row> csv_regression_rows() {
  return {{"control characters in a cell",
           csv(std::string("x1,x2,y\n1,2,3\n4,\x1b[2J\r\x00,9\n", 25)),
           kRun,
           2,
           {"@/data.csv", "line 3"}}};
}

}  // namespace

TEST_CASE("bad-input matrix: experiment files and command lines",
          "[cli][input][matrix]") {
  run_table(config_rows());
}

TEST_CASE("bad-input matrix: config messages that once named the wrong thing",
          "[cli][input][matrix]") {
  run_table(config_regression_rows());
}

TEST_CASE("bad-input matrix: IDX files", "[cli][input][matrix]") {
  run_table(idx_rows());
}

TEST_CASE("bad-input matrix: CSV files", "[cli][input][matrix]") {
  run_table(csv_rows());
}

TEST_CASE("bad-input matrix: CSV cells with control characters",
          "[cli][input][matrix]") {
  run_table(csv_regression_rows());
}

// ---- plugins ----------------------------------------------------------------

TEST_CASE("bad-input matrix: garbage plugin files", "[cli][input][matrix]") {
  struct Plugin {
    std::string name;
    std::string file;
    std::string bytes;
  };
  const std::vector<Plugin> plugins{
      {"text", "garbage.so", "this is not a shared library\n"},
      {"empty", "empty.so", ""},
      {"truncated ELF", "truncated.so",
       std::string("\x7f"
                   "ELF\x02\x01\x01",
                   7)},
  };
  for (const Plugin& p : plugins) {
    DYNAMIC_SECTION(p.name) {
      TempDir tmp("matrix-plugin");
      const fs::path dir = tmp / "extra";
      fs::create_directories(dir);
      const fs::path file = dir / p.file;
      write_file(file, p.bytes);

      // check-plugin PATH: the load check fails, exit 1.
      const Result check = run_descent(
          {"check-plugin", file.string(), "--plugin-dir", dir.string()},
          tmp.path());
      INFO("check-plugin stdout: " << check.out);
      INFO("check-plugin stderr: " << check.err);
      CHECK(check.code == 1);
      CHECK(contains(check.out + check.err, "FAIL  load"));

      // plugins: the listing still works, with one diagnostic naming the file.
      const Result list =
          run_descent({"plugins", "--plugin-dir", dir.string()}, tmp.path());
      INFO("plugins stdout: " << list.out);
      INFO("plugins stderr: " << list.err);
      CHECK(list.code == 0);
      std::size_t mentions = 0;
      for (const std::string& line : lines_of(list.out + list.err))
        if (contains(line, file.string())) ++mentions;
      CHECK(mentions == 1);
      CHECK(contains(list.out, "problems (1)"));

      // Nothing was written beside the plugin folder.
      std::size_t entries = 0;
      for (const auto& e : fs::directory_iterator(tmp.path()))
        if (e.path().filename().string().rfind(".std", 0) != 0) ++entries;
      CHECK(entries == 1);
    }
  }
}
