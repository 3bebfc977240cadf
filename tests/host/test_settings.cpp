// Settings and experiment resolution: every bad input is one InputError that
// names the file (or the command line) and the key.
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/settings.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace descent;

namespace {

fs::path write_file(const std::string& name, const std::string& content) {
  const fs::path dir = fs::path(DESCENT_TEST_BINARY_DIR) / "tmp" / "settings";
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << content;
  return dir / name;
}

// The message of the InputError that `body` throws ("" if none).
template <class Body>
std::string input_error(Body&& body) {
  try {
    body();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const Registry& builtin() {
  static const Registry registry = [] {
    Registry r;
    r.scan({DESCENT_TEST_PLUGIN_DIR});
    return r;
  }();
  return registry;
}

const std::string kRosenbrock =
    "[model]\nname = rosenbrock\n[optimizer]\nname = sgd\nlr = 0.001\n"
    "[trainer]\nsteps = 10\n";

}  // namespace

TEST_CASE("an INI file is read and command-line values override it",
          "[host][settings]") {
  const fs::path file =
      write_file("ok.ini", "[optimizer]\nname = adam\nlr = 0.01\n");
  Settings s = Settings::load(file, {"optimizer.lr=0.5"});
  CHECK(s.required_text("optimizer.name") == "adam");
  CHECK(s.real("optimizer.lr", 1.0, 0.0, 10.0) == 0.5);
  CHECK(s.real("optimizer.eps", 1e-8, 0.0, 1.0) == 1e-8);  // default
  CHECK(s.resolved() == std::vector<std::pair<std::string, std::string>>{
                            {"optimizer.name", "adam"},
                            {"optimizer.lr", "0.5"},
                            {"optimizer.eps", "1e-08"}});
}

TEST_CASE("malformed files are refused with the file's name",
          "[host][settings]") {
  const auto missing =
      input_error([] { Settings::load("/nonexistent/x.ini", {}); });
  CHECK(
      contains(missing, "/nonexistent/x.ini: experiment file does not exist"));

  const fs::path empty = write_file("empty.ini", "\n  \n");
  CHECK(contains(input_error([&] { Settings::load(empty, {}); }),
                 "empty.ini: empty experiment file"));

  const fs::path binary =
      write_file("binary.ini", std::string("\x7f\x45\0\x01", 4));
  CHECK(contains(input_error([&] { Settings::load(binary, {}); }),
                 "binary.ini: binary data"));

  const fs::path no_equals = write_file("garbled.ini", "[model]\nname\n");
  CHECK(contains(input_error([&] { Settings::load(no_equals, {}); }),
                 "garbled.ini: not a valid INI file"));

  const fs::path twice =
      write_file("twice.ini", "[optimizer]\nlr = 1\nlr = 2\n");
  CHECK(contains(input_error([&] { Settings::load(twice, {}); }),
                 "twice.ini: duplicated key 'optimizer.lr'"));

  const fs::path outside = write_file("outside.ini", "lr = 1\n");
  CHECK(contains(input_error([&] { Settings::load(outside, {}); }),
                 "'lr' is outside any [section]"));
}

TEST_CASE("typed getters name the origin, the key and what was expected",
          "[host][settings]") {
  const fs::path file = write_file(
      "typed.ini", "[a]\nx = abc\ny = -1\nz = 2.5\nf = maybe\nc = purple\n");
  Settings s = Settings::load(file, {});
  CHECK(contains(input_error([&] { s.real("a.x", 0, 0, 1); }),
                 "typed.ini: a.x = 'abc': expected a finite number"));
  CHECK(contains(input_error([&] { s.real("a.y", 0, 0, 1); }),
                 "a.y = '-1': expected a number in [0, 1]"));
  CHECK(contains(input_error([&] { s.integer("a.z", 0, 0, 9); }),
                 "expected an integer"));
  CHECK(contains(input_error([&] { s.flag("a.f", false); }),
                 "expected true or false"));
  const std::string_view colours[] = {"red", "blue"};
  CHECK(contains(input_error([&] { s.choice("a.c", "red", colours); }),
                 "expected one of: red, blue"));

  Settings cli = Settings::load(file, {"a.x=nan"});
  CHECK(contains(input_error([&] { cli.real("a.x", 0, 0, 1); }),
                 "command line: a.x = 'nan'"));
}

TEST_CASE("format_number is the shortest text that reads back exactly",
          "[host][settings]") {
  for (double x : {0.1, 1e-5, 1.0 / 3.0, 123456789.0, -2.5e-300}) {
    const std::string text = format_number(x);
    CHECK(std::stod(text) == x);
  }
  CHECK(format_number(0.001) == "0.001");
}

TEST_CASE("an experiment resolves every default and rejects unknown keys",
          "[host][experiment]") {
  Settings s = Settings::from_pairs({{"model.name", "rosenbrock"},
                                     {"optimizer.name", "adam"},
                                     {"trainer.steps", "5"}});
  const Experiment e = resolve_experiment(s, builtin());
  CHECK(e.analytic());
  CHECK(e.trainer.steps == 5);
  bool has_beta2 = false;
  for (const auto& [key, value] : e.resolved)
    has_beta2 |= key == "optimizer.beta2" && value == "0.999";
  CHECK(has_beta2);  // a default the file never named is written out

  Settings bad = Settings::load(write_file("typo2.ini",
                                           "[model]\nname = rosenbrock\n"
                                           "[optimizer]\nname = sgd\n"
                                           "betta = 0.9\n"),
                                {});
  const std::string unknown =
      input_error([&] { resolve_experiment(bad, builtin()); });
  CHECK(contains(unknown, "typo2.ini: unknown key 'optimizer.betta'"));
  CHECK(contains(unknown, "optimizer.weight_decay"));  // lists valid keys
}

TEST_CASE("out-of-bound hyperparameters and missing plugins are refused",
          "[host][experiment]") {
  const fs::path file = write_file("rosen.ini", kRosenbrock);
  Settings negative = Settings::load(file, {"optimizer.lr=-0.1"});
  CHECK(contains(input_error([&] { resolve_experiment(negative, builtin()); }),
                 "command line: optimizer.lr = '-0.1': expected a number in "
                 "[0, "));

  Settings missing = Settings::load(file, {"optimizer.name=adamw2"});
  CHECK(contains(input_error([&] { resolve_experiment(missing, builtin()); }),
                 "no optimizer plugin named 'adamw2'"));

  Settings data_for_analytic = Settings::load(file, {"data.source=linear"});
  CHECK(contains(
      input_error([&] { resolve_experiment(data_for_analytic, builtin()); }),
      "analytic objective"));

  Settings batch = Settings::from_pairs({{"model.name", "linear"},
                                         {"loss.name", "mse"},
                                         {"optimizer.name", "sgd"},
                                         {"data.source", "linear"},
                                         {"trainer.batch_size", "0"}});
  CHECK(contains(input_error([&] { resolve_experiment(batch, builtin()); }),
                 "expected 'full' or a positive integer"));
}
