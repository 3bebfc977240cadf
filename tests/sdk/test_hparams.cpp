// Hyperparameter declarations, value checks, HParams and parse_int_list.
#include <descent/sdk/hparams.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sdk = descent::sdk;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

descent_hparam_value number(double x) { return {x, nullptr}; }

bool accepts(const descent_hparam_desc& desc, descent_hparam_value v) {
  return !sdk::check_value(desc, v).has_value();
}
bool accepts(const descent_hparam_desc& desc, double x) {
  return accepts(desc, number(x));
}

constexpr const char* kModes[] = {"fast", "careful", "exact"};

// One hyperparameter of every type, as a component would declare them.
constexpr descent_hparam_desc kDeclared[] = {
    sdk::learning_rate(1e-2),
    sdk::integer("warmup_steps", 3, 1, 10, "steps before the full rate"),
    sdk::flag("nesterov", false, "look-ahead momentum"),
    sdk::choice("mode", kModes, 1, "how hard to try"),
    sdk::text("hidden_sizes", "32", "widths of the hidden layers"),
};

std::vector<descent_hparam_value> good_values() {
  return {number(0.1), number(4), number(1), number(2), {0.0, "128,64"}};
}

// The sdk::Error thrown by `f`; fails the test if it throws nothing else.
template <class F>
sdk::Error error_of(F&& f) {
  try {
    f();
  } catch (const sdk::Error& e) {
    return e;
  }
  FAIL("expected a descent::sdk::Error");
  return sdk::Error(DESCENT_OK, "unreachable");
}

}  // namespace

TEST_CASE("REAL: finite values within inclusive bounds", "[sdk][hparams]") {
  const auto desc = sdk::real("beta", 0.5, 0.25, 2.0, "a real");
  CHECK(accepts(desc, 0.25));
  CHECK(accepts(desc, 2.0));
  CHECK(accepts(desc, 1.0));
  CHECK_FALSE(accepts(desc, std::nextafter(0.25, 0.0)));
  CHECK_FALSE(accepts(desc, std::nextafter(2.0, 3.0)));
  CHECK_FALSE(accepts(desc, -1.0));
  CHECK_FALSE(accepts(desc, kNaN));
  CHECK_FALSE(accepts(desc, kInf));
  CHECK_FALSE(accepts(desc, -kInf));

  // Unbounded declarations still refuse non-finite numbers.
  const auto open = sdk::real("any", 0.0, -kInf, kInf, "unbounded");
  CHECK(accepts(open, -1e300));
  CHECK_FALSE(accepts(open, kInf));
  CHECK_FALSE(accepts(open, -kInf));
  CHECK_FALSE(accepts(open, kNaN));
}

TEST_CASE("INT: integral values within inclusive bounds", "[sdk][hparams]") {
  const auto desc = sdk::integer("n", 3, -2, 10, "an integer");
  CHECK(accepts(desc, -2));
  CHECK(accepts(desc, 0));
  CHECK(accepts(desc, 10));
  CHECK_FALSE(accepts(desc, 2.5));
  CHECK_FALSE(accepts(desc, 9.999));
  CHECK_FALSE(accepts(desc, -3));
  CHECK_FALSE(accepts(desc, 11));
  CHECK_FALSE(accepts(desc, kNaN));
  CHECK_FALSE(accepts(desc, kInf));
}

TEST_CASE("BOOL: only 0 and 1", "[sdk][hparams]") {
  const auto desc = sdk::flag("on", true, "a flag");
  CHECK(accepts(desc, 0.0));
  CHECK(accepts(desc, 1.0));
  CHECK_FALSE(accepts(desc, 0.5));
  CHECK_FALSE(accepts(desc, 2.0));
  CHECK_FALSE(accepts(desc, -1.0));
  CHECK_FALSE(accepts(desc, kNaN));
}

TEST_CASE("CHOICE: an integral index below the choice count",
          "[sdk][hparams]") {
  const auto desc = sdk::choice("mode", kModes, 0, "a choice");
  CHECK(accepts(desc, 0));
  CHECK(accepts(desc, 2));
  CHECK_FALSE(accepts(desc, 3));
  CHECK_FALSE(accepts(desc, -1));
  CHECK_FALSE(accepts(desc, 1.5));
  CHECK_FALSE(accepts(desc, kNaN));
  CHECK_FALSE(accepts(desc, kInf));
}

TEST_CASE("TEXT: any string, never NULL", "[sdk][hparams]") {
  const auto desc = sdk::text("layers", "8", "a text");
  CHECK(accepts(desc, {0.0, "128,64"}));
  CHECK(accepts(desc, {0.0, ""}));
  CHECK_FALSE(accepts(desc, {0.0, nullptr}));
}

TEST_CASE("an unknown hyperparameter type is refused", "[sdk][hparams]") {
  auto desc = sdk::real("x", 0.0, 0.0, 1.0, "x");
  desc.type = 99;
  CHECK_FALSE(accepts(desc, 0.0));
}

TEST_CASE("builders fill the descriptor and their defaults are valid",
          "[sdk][hparams]") {
  const auto& lr = kDeclared[0];
  CHECK(std::string(lr.name) == "lr");
  CHECK(lr.type == DESCENT_HPARAM_REAL);
  CHECK((lr.flags & DESCENT_HPARAM_LOG_SCALE) != 0);
  CHECK(lr.default_value == 1e-2);

  CHECK(kDeclared[1].type == DESCENT_HPARAM_INT);
  CHECK(kDeclared[1].min_value == 1.0);
  CHECK(kDeclared[1].max_value == 10.0);
  CHECK(kDeclared[2].type == DESCENT_HPARAM_BOOL);
  CHECK(kDeclared[3].type == DESCENT_HPARAM_CHOICE);
  CHECK(kDeclared[3].choice_count == 3);
  CHECK(kDeclared[3].choices == kModes);
  CHECK(kDeclared[4].type == DESCENT_HPARAM_TEXT);
  CHECK(std::string(kDeclared[4].default_text) == "32");

  for (const auto& desc : kDeclared) {
    INFO(desc.name);
    CHECK(desc.reserved == 0);
    CHECK(accepts(desc, sdk::default_value(desc)));
  }
}

TEST_CASE("HParams reads each value by name", "[sdk][hparams]") {
  const auto values = good_values();
  const sdk::HParams hp(kDeclared, values.data(), 5);
  CHECK(hp.real("lr") == 0.1);
  CHECK(hp.integer("warmup_steps") == 4);
  CHECK(hp.flag("nesterov"));
  CHECK(hp.choice("mode") == "exact");
  CHECK(hp.text("hidden_sizes") == "128,64");
}

TEST_CASE("HParams rejects a wrong number of values", "[sdk][hparams]") {
  auto values = good_values();
  values.push_back(number(0));
  for (std::uint32_t count : {0u, 4u, 6u}) {
    INFO("count = " << count);
    const auto e =
        error_of([&] { sdk::HParams(kDeclared, values.data(), count); });
    CHECK(e.status() == DESCENT_ERROR_INVALID_ARGUMENT);
    const std::string message = e.what();
    CHECK(message.find(std::to_string(count)) != std::string::npos);
    CHECK(message.find('5') != std::string::npos);  // the declared count
  }
}

TEST_CASE("HParams rejects a bad value with a message naming its key",
          "[sdk][hparams]") {
  struct Case {
    std::size_t index;
    descent_hparam_value bad;
  };
  const Case cases[] = {
      {0, number(-0.5)},    // lr below 0
      {0, number(kNaN)},    // lr not finite
      {1, number(11)},      // warmup_steps above 10
      {1, number(2.5)},     // warmup_steps not integral
      {2, number(2)},       // nesterov not 0/1
      {3, number(3)},       // mode past the last choice
      {4, {0.0, nullptr}},  // hidden_sizes without text
  };
  for (const auto& c : cases) {
    const std::string key = kDeclared[c.index].name;
    INFO("key " << key);
    auto values = good_values();
    values[c.index] = c.bad;
    const auto e = error_of([&] { sdk::HParams(kDeclared, values.data(), 5); });
    CHECK(e.status() == DESCENT_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(e.what()).find(key) != std::string::npos);
  }
}

TEST_CASE("HParams throws when a plugin reads an undeclared name",
          "[sdk][hparams]") {
  const auto values = good_values();
  const sdk::HParams hp(kDeclared, values.data(), 5);
  CHECK_THROWS_AS(hp.real("beta2"), std::logic_error);
  CHECK_THROWS_WITH(hp.flag("amsgrad"), Catch::Contains("amsgrad"));
  CHECK_THROWS_AS(hp.text("LR"), std::logic_error);  // names are exact
}

TEST_CASE("HParams with nothing declared takes no values", "[sdk][hparams]") {
  CHECK_NOTHROW(sdk::HParams({}, nullptr, 0));
  const descent_hparam_value extra = number(1);
  CHECK_THROWS_AS(sdk::HParams({}, &extra, 1), sdk::Error);
}

TEST_CASE("parse_int_list reads comma-separated positive integers",
          "[sdk][hparams]") {
  using List = std::vector<std::int64_t>;
  CHECK(sdk::parse_int_list("", "layers") == List{});
  CHECK(sdk::parse_int_list("7", "layers") == List{7});
  CHECK(sdk::parse_int_list("128,64", "layers") == List{128, 64});
  CHECK(sdk::parse_int_list("1,2,3,4", "layers") == List{1, 2, 3, 4});
  CHECK(sdk::parse_int_list("9000000000", "layers") == List{9000000000});
}

TEST_CASE("parse_int_list rejects anything else, naming the key",
          "[sdk][hparams]") {
  const char* bad[] = {"0",
                       "-3",
                       "abc",
                       "1.5",
                       "12abc",
                       "1 ",
                       ",",
                       ",1",
                       "1,,2",
                       "64;32",
                       "99999999999999999999"};
  for (const char* text : bad) {
    INFO("text '" << text << "'");
    const auto e = error_of([&] { sdk::parse_int_list(text, "hidden_sizes"); });
    CHECK(e.status() == DESCENT_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(e.what()).find("hidden_sizes") != std::string::npos);
  }
}

// The contract: anything but comma-separated positive integers throws.
TEST_CASE("parse_int_list rejects a trailing comma, spaces and signs",
          "[sdk][hparams]") {
  for (const char* text : {"1,", "128,64,", " 1", "+1", "1, 2"}) {
    INFO("text '" << text << "'");
    CHECK_THROWS_AS(sdk::parse_int_list(text, "hidden_sizes"), sdk::Error);
  }
}
