// The plugin host: every way a library can load or be refused.
#include <descent/errors.hpp>
#include <descent/instances.hpp>
#include <descent/registry.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace descent;

namespace {

const fs::path kBuiltIn = DESCENT_TEST_PLUGIN_DIR;
const fs::path kGood = DESCENT_TEST_GOOD_PLUGIN_DIR;
const fs::path kBad = DESCENT_TEST_BAD_PLUGIN_DIR;

std::vector<std::string> names(const Registry& r, descent_kind kind) {
  std::vector<std::string> out;
  for (const Component* c : r.of_kind(kind)) out.emplace_back(c->name());
  return out;
}

// The diagnostics about `file_name`, whatever folder it was in.
std::vector<std::string> reasons_for(const Registry& r,
                                     const std::string& file_name) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diagnostics())
    if (d.file.filename() == file_name) out.push_back(d.reason);
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

fs::path temp_folder(const std::string& name) {
  const fs::path dir = fs::path(DESCENT_TEST_BINARY_DIR) / "tmp" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("the built-in plugin folder loads every plugin cleanly",
          "[host][registry]") {
  Registry r;
  r.scan({kBuiltIn});
  CHECK(r.diagnostics().empty());
  CHECK(names(r, DESCENT_KIND_OPTIMIZER) ==
        std::vector<std::string>{
            "adadelta", "adagrad", "adam", "adamax", "adamw", "amsgrad", "lion",
            "momentum", "nadam", "nesterov", "radam", "rmsprop", "sgd"});
  CHECK(names(r, DESCENT_KIND_MODEL) ==
        std::vector<std::string>{"linear", "mlp", "quadratic", "rosenbrock",
                                 "softmax"});
  CHECK(names(r, DESCENT_KIND_LOSS) ==
        std::vector<std::string>{"cross_entropy", "mse"});
}

TEST_CASE("a C plugin and a newer-minor plugin load", "[host][registry]") {
  Registry r;
  r.scan({kGood});
  CHECK(r.diagnostics().empty());
  const Component* newer = r.find(DESCENT_KIND_OPTIMIZER, "c_sgd_newer_minor");
  REQUIRE(newer != nullptr);
  CHECK(newer->abi_version.minor == 7);
  REQUIRE(r.find(DESCENT_KIND_OPTIMIZER, "c_sgd") != nullptr);
}

TEST_CASE("each bad file gives one diagnostic and the rest still load",
          "[host][registry]") {
  const fs::path dir = temp_folder("bad_mix");
  for (const auto& item : fs::directory_iterator(kBad))
    fs::copy_file(item.path(), dir / item.path().filename());
  std::ofstream(dir / "garbage.so") << "this is not an ELF file\n";

  Registry r;
  r.scan({kBuiltIn, dir});
  CHECK(r.of_kind(DESCENT_KIND_OPTIMIZER).size() == 13);
  CHECK(r.of_kind(DESCENT_KIND_MODEL).size() == 5);
  CHECK(r.of_kind(DESCENT_KIND_LOSS).size() == 2);
  CHECK(r.diagnostics().size() == 5);

  const auto garbage = reasons_for(r, "garbage.so");
  REQUIRE(garbage.size() == 1);
  CHECK(contains(garbage[0], "not a loadable shared library"));
  const auto major = reasons_for(r, "abi_major_two.so");
  REQUIRE(major.size() == 1);
  CHECK(contains(major[0], "ABI 2.0.0"));
  const auto no_entry = reasons_for(r, "no_entry.so");
  REQUIRE(no_entry.size() == 1);
  CHECK(contains(no_entry[0], "no 'descent_entry' symbol"));
  const auto bad_default = reasons_for(r, "bad_default.so");
  REQUIRE(bad_default.size() == 1);
  CHECK(contains(bad_default[0], "invalid descriptor"));
  CHECK(contains(bad_default[0], "'lr'"));
  const auto duplicate = reasons_for(r, "duplicate_sgd.so");
  REQUIRE(duplicate.size() == 1);
  CHECK(contains(duplicate[0], "duplicate optimizer name 'sgd'"));
  // The first sgd (the built-in one) is the one kept.
  CHECK(r.find(DESCENT_KIND_OPTIMIZER, "sgd")->file.parent_path() == kBuiltIn);
}

TEST_CASE("a missing folder is a diagnostic, a file reached twice loads once",
          "[host][registry]") {
  Registry r;
  r.scan({kGood, kGood, kBuiltIn / "does-not-exist"});
  CHECK(r.of_kind(DESCENT_KIND_OPTIMIZER).size() == 2);
  REQUIRE(r.diagnostics().size() == 1);
  CHECK(contains(r.diagnostics()[0].reason, "does not exist"));
  CHECK(r.searched().size() == 3);
}

TEST_CASE("an instance keeps its library loaded after the registry is gone",
          "[host][registry]") {
  std::unique_ptr<Optimizer> optimizer;
  {
    Registry r;
    r.scan({kGood});
    const Component& c = r.require(DESCENT_KIND_OPTIMIZER, "c_sgd");
    optimizer = std::make_unique<Optimizer>(c, default_hparams(*c.descriptor),
                                            2, DESCENT_DTYPE_F64);
  }
  std::vector<double> w{1.0, 2.0};
  const std::vector<double> g{1.0, -1.0};
  optimizer->step(std::span<double>(w), std::span<const double>(g), 0.5, 1);
  CHECK(w == std::vector<double>{0.5, 2.5});  // code of the unloaded-by-
                                              // registry library still runs
}

TEST_CASE("require() names what exists when a plugin is missing",
          "[host][registry]") {
  Registry r;
  r.scan({kGood});
  try {
    r.require(DESCENT_KIND_OPTIMIZER, "adamm");
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(contains(e.what(), "no optimizer plugin named 'adamm'"));
    CHECK(contains(e.what(), "c_sgd"));
  }
}

TEST_CASE("check_descriptor rejects malformed descriptors",
          "[host][registry]") {
  static const descent_hparam_desc lr[] = {{"lr", "learning rate",
                                            DESCENT_HPARAM_REAL, 0, 0.1, 0.0,
                                            1.0, nullptr, 0, 0, nullptr}};
  static const descent_hparam_desc twice[] = {lr[0], lr[0]};
  static const descent_hparam_desc no_lr[] = {{"beta", "a beta",
                                               DESCENT_HPARAM_REAL, 0, 0.1, 0.0,
                                               1.0, nullptr, 0, 0, nullptr}};
  static const descent_hparam_desc min_above_max[] = {
      {"lr", "learning rate", DESCENT_HPARAM_REAL, 0, 0.1, 1.0, 0.0, nullptr, 0,
       0, nullptr}};
  const descent_descriptor good{sizeof(descent_descriptor),
                                DESCENT_KIND_OPTIMIZER,
                                "ok",
                                "1",
                                "doc",
                                "",
                                lr,
                                1,
                                0};
  CHECK_FALSE(check_descriptor(good, DESCENT_KIND_OPTIMIZER));

  auto why = [&](descent_descriptor d,
                 descent_kind kind = DESCENT_KIND_OPTIMIZER) {
    return check_descriptor(d, kind).value_or("");
  };
  descent_descriptor d = good;
  d.name = "Bad-Name";
  CHECK(contains(why(d), "[a-z0-9_]+"));
  d = good;
  d.doc = "";
  CHECK(contains(why(d), "missing doc"));
  d = good;
  d.struct_size = 8;
  CHECK(contains(why(d), "struct_size"));
  CHECK(contains(why(good, DESCENT_KIND_MODEL), "kind is not model"));
  d = good;
  d.hparams = twice;
  d.hparam_count = 2;
  CHECK(contains(why(d), "duplicate hyperparameter 'lr'"));
  d = good;
  d.hparams = no_lr;
  CHECK(contains(why(d), "must declare the real hyperparameter 'lr'"));
  d = good;
  d.hparams = min_above_max;
  CHECK(contains(why(d), "min exceeds max"));
  d = good;
  d.name = "a_name_that_is_far_too_long_to_fit_the_state_blob_header_field_x";
  CHECK(contains(why(d), "longer than 63"));
}
