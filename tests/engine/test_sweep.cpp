// Sweeps at the engine level: the [sweep] section parsed against the
// plugins' declared hyperparameters, and the planned trials (points, ids,
// seeds) checked against independent computations. No trial is run here;
// tests/cli/test_sweep_cli.cpp runs sweeps end to end.
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/sweep.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace descent;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

const Registry& builtin() {
  static const Registry registry = [] {
    Registry r;
    r.scan({DESCENT_TEST_PLUGIN_DIR});
    return r;
  }();
  return registry;
}

// A small experiment: softmax regression on synthetic blobs with `optimizer`.
Pairs blobs(const std::string& optimizer = "sgd",
            const std::string& seed = "7") {
  return {{"experiment.seed", seed},      {"data.source", "blobs"},
          {"data.rows", "100"},           {"data.features", "2"},
          {"data.classes", "3"},          {"model.name", "softmax"},
          {"loss.name", "cross_entropy"}, {"optimizer.name", optimizer},
          {"trainer.epochs", "1"}};
}

// The quadratic objective, whose `dim` is an INT hyperparameter.
Pairs quadratic() {
  return {{"experiment.seed", "5"},
          {"model.name", "quadratic"},
          {"optimizer.name", "sgd"},
          {"trainer.steps", "3"}};
}

struct Parsed {
  Experiment base;
  SweepSpec spec;
};

// The experiment from `experiment` and the spec from `sweep` (keys without
// the "sweep." prefix), as the runner does it.
Parsed parse(const Pairs& experiment, const Pairs& sweep) {
  Settings settings = Settings::from_pairs(experiment, "test.ini");
  Parsed p;
  p.base = resolve_experiment(settings, builtin());
  Pairs prefixed;
  for (const auto& [key, value] : sweep)
    prefixed.emplace_back("sweep." + key, value);
  Settings sweep_settings = Settings::from_pairs(prefixed, "test.ini");
  p.spec = parse_sweep(sweep_settings, p.base, builtin());
  return p;
}

std::vector<TrialPlan> plan(const Pairs& experiment, const Pairs& sweep) {
  const Parsed p = parse(experiment, sweep);
  return plan_search(p.spec, p.base);
}

// The InputError message parse() throws, or "" (a test then fails on it).
std::string error_of(const Pairs& experiment, const Pairs& sweep) {
  try {
    parse(experiment, sweep);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

double number(const std::string& text) {
  std::size_t used = 0;
  const double x = std::stod(text, &used);
  REQUIRE(used == text.size());
  return x;
}

// The value of `key` in a trial's assignment.
std::string value_of(const TrialPlan& t, const std::string& key) {
  for (const auto& [k, v] : t.assignment)
    if (k == key) return v;
  FAIL("trial " << t.id << " assigns no " << key);
  return "";
}

const descent_hparam_desc& declared(const ComponentChoice& c,
                                    const std::string& name) {
  const descent_descriptor& d = *c.component->descriptor;
  for (std::uint32_t i = 0; i < d.hparam_count; ++i)
    if (name == d.hparams[i].name) return d.hparams[i];
  FAIL("no hyperparameter " << name);
  return d.hparams[0];
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// ---- grid and list ----------------------------------------------------------

TEST_CASE("a log grid hits the powers of ten exactly", "[engine][sweep]") {
  const auto p = parse(blobs(), {{"optimizer.lr", "grid(1e-4, 1, 5, log)"}});
  CHECK_FALSE(p.spec.random);
  REQUIRE(p.spec.dimensions.size() == 1);
  CHECK(p.spec.dimensions[0].key == "optimizer.lr");
  const auto plans = plan_search(p.spec, p.base);
  REQUIRE(plans.size() == 5);
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const double expected = std::pow(10.0, static_cast<double>(i) - 4.0);
    INFO("point " << i << ": " << value_of(plans[i], "optimizer.lr"));
    CHECK(number(value_of(plans[i], "optimizer.lr")) == expected);
    CHECK(plans[i].id == i);
    CHECK(plans[i].config == i);
  }
}

TEST_CASE("a log grid of 9 points from 1e-4 to 10 (the acceptance grid)",
          "[engine][sweep]") {
  const auto plans =
      plan(blobs(), {{"optimizer.lr", "grid(1e-4, 10, 9, log)"}});
  REQUIRE(plans.size() == 9);
  for (std::size_t i = 0; i < plans.size(); ++i) {
    // 10^(-4 + 5 i / 8): decades and half-decades... up to 10.
    const double expected =
        std::pow(10.0, -4.0 + 5.0 * static_cast<double>(i) / 8.0);
    CHECK(number(value_of(plans[i], "optimizer.lr")) ==
          Approx(expected).epsilon(1e-12));
  }
  CHECK(number(value_of(plans.front(), "optimizer.lr")) == 1e-4);
  CHECK(number(value_of(plans.back(), "optimizer.lr")) == 10.0);
}

TEST_CASE("a linear grid is evenly spaced, ends included", "[engine][sweep]") {
  const auto plans =
      plan(blobs(), {{"optimizer.dampening", "grid(0, 1, 5, linear)"}});
  REQUIRE(plans.size() == 5);
  const std::vector<double> expected{0.0, 0.25, 0.5, 0.75, 1.0};
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(number(value_of(plans[i], "optimizer.dampening")) == expected[i]);

  // A grid of one point is its first end.
  const auto one = plan(blobs(), {{"optimizer.lr", "grid(0.5, 2, 1)"}});
  REQUIRE(one.size() == 1);
  CHECK(number(value_of(one[0], "optimizer.lr")) == 0.5);
}

TEST_CASE("without log or linear, the grid follows the declared scale",
          "[engine][sweep]") {
  // lr declares a log scale; dampening does not.
  const auto lr = plan(blobs(), {{"optimizer.lr", "grid(0.01, 1, 3)"}});
  REQUIRE(lr.size() == 3);
  CHECK(number(value_of(lr[1], "optimizer.lr")) == Approx(0.1).epsilon(1e-12));
  const auto damp = plan(blobs(), {{"optimizer.dampening", "grid(0, 1, 3)"}});
  REQUIRE(damp.size() == 3);
  CHECK(number(value_of(damp[1], "optimizer.dampening")) == 0.5);
}

TEST_CASE("a list is taken as written, in order", "[engine][sweep]") {
  const auto p = parse(blobs(), {{"optimizer.lr", "0.001, 0.01,0.1"}});
  CHECK_FALSE(p.spec.random);
  const auto plans = plan_search(p.spec, p.base);
  REQUIRE(plans.size() == 3);
  CHECK(value_of(plans[0], "optimizer.lr") == "0.001");
  CHECK(value_of(plans[1], "optimizer.lr") == "0.01");
  CHECK(value_of(plans[2], "optimizer.lr") == "0.1");
}

TEST_CASE("two grid keys make their product, last key fastest, with repeats",
          "[engine][sweep]") {
  const auto p =
      parse(blobs("sgd", "7"), {{"optimizer.lr", "grid(0.001, 0.1, 3, log)"},
                                {"optimizer.momentum", "0, 0.9"},
                                {"repeats", "2"}});
  REQUIRE(p.spec.dimensions.size() == 2);
  CHECK(p.spec.dimensions[0].key == "optimizer.lr");
  CHECK(p.spec.dimensions[1].key == "optimizer.momentum");
  CHECK(p.spec.repeats == 2);
  const auto plans = plan_search(p.spec, p.base);
  REQUIRE(plans.size() == 3 * 2 * 2);
  const std::vector<double> lrs{0.001, 0.01, 0.1};
  const std::vector<std::string> momenta{"0", "0.9"};
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = 0; b < 2; ++b)
      for (std::uint64_t r = 0; r < 2; ++r) {
        const std::uint64_t c = a * 2 + b;  // last key fastest
        const TrialPlan& t = plans[c * 2 + r];
        INFO("lr " << a << " momentum " << b << " repeat " << r);
        CHECK(t.id == c * 2 + r);
        CHECK(t.config == c);
        CHECK(t.repeat == r);
        CHECK_FALSE(t.best_seeds);
        CHECK(t.seed == repeat_seed(7, r));
        REQUIRE(t.assignment.size() == 2);
        CHECK(t.assignment[0].first == "optimizer.lr");
        CHECK(number(t.assignment[0].second) == Approx(lrs[a]).epsilon(1e-12));
        CHECK(t.assignment[1].first == "optimizer.momentum");
        CHECK(t.assignment[1].second == momenta[b]);
      }
}

TEST_CASE("repeats run one point with the experiment's seed, then derived ones",
          "[engine][sweep]") {
  const auto plans =
      plan(blobs("sgd", "11"), {{"optimizer.lr", "0.1"}, {"repeats", "4"}});
  REQUIRE(plans.size() == 4);
  std::set<std::uint64_t> seeds;
  for (std::uint64_t r = 0; r < 4; ++r) {
    CHECK(plans[r].id == r);
    CHECK(plans[r].config == 0);
    CHECK(plans[r].repeat == r);
    CHECK(plans[r].assignment == plans[0].assignment);
    CHECK(plans[r].seed == repeat_seed(11, r));
    seeds.insert(plans[r].seed);
  }
  CHECK(plans[0].seed == 11);  // r = 0: the experiment's own seed
  CHECK(seeds.size() == 4);
  // Derived seeds depend on the experiment seed.
  CHECK(repeat_seed(11, 1) != repeat_seed(12, 1));
  CHECK(repeat_seed(11, 1) == repeat_seed(11, 1));
}

// ---- random search ----------------------------------------------------------

TEST_CASE("random search samples inside the ranges", "[engine][sweep]") {
  const auto p =
      parse(blobs("adam"), {{"optimizer.lr", "loguniform(1e-5, 1)"},
                            {"optimizer.beta1", "uniform(0.8, 0.99)"},
                            {"trials", "64"}});
  CHECK(p.spec.random);
  CHECK(p.spec.trials == 64);
  const auto plans = plan_search(p.spec, p.base);
  REQUIRE(plans.size() == 64);
  std::set<std::string> distinct;
  for (const TrialPlan& t : plans) {
    const double lr = number(value_of(t, "optimizer.lr"));
    const double beta1 = number(value_of(t, "optimizer.beta1"));
    CHECK(lr >= 1e-5);
    CHECK(lr <= 1.0);
    CHECK(beta1 >= 0.8);
    CHECK(beta1 <= 0.99);
    CHECK(t.seed == 7);  // one repeat: the experiment's seed
    distinct.insert(value_of(t, "optimizer.lr"));
  }
  CHECK(distinct.size() == 64);
}

TEST_CASE("loguniform spreads points over the decades", "[engine][sweep]") {
  const auto plans = plan(
      blobs(), {{"optimizer.lr", "loguniform(1e-6, 1)"}, {"trials", "64"}});
  REQUIRE(plans.size() == 64);
  // Uniform in log10: 64 points give on average ~10.7 per decade. A uniform
  // (not log) sampler would put ~all of them above 1e-3 (the geometric
  // middle), so count each side of it and in the bottom three decades.
  int below_middle = 0, above_middle = 0, bottom_half_decades = 0;
  for (const TrialPlan& t : plans) {
    const double lr = number(value_of(t, "optimizer.lr"));
    if (lr < 1e-3) ++below_middle;
    if (lr > 1e-3) ++above_middle;
    if (lr < 1e-4) ++bottom_half_decades;
  }
  CHECK(below_middle >= 16);
  CHECK(above_middle >= 16);
  CHECK(bottom_half_decades >= 5);
}

TEST_CASE("random points depend on the seed only", "[engine][sweep]") {
  const Pairs sweep{{"optimizer.lr", "loguniform(1e-5, 1)"},
                    {"optimizer.beta1", "uniform(0.8, 0.99)"},
                    {"trials", "16"}};
  const auto a = plan(blobs("adam", "1"), sweep);
  const auto b = plan(blobs("adam", "1"), sweep);
  const auto c = plan(blobs("adam", "2"), sweep);
  REQUIRE(a.size() == 16);
  REQUIRE(c.size() == 16);
  int same_as_other_seed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].assignment == b[i].assignment);
    CHECK(a[i].seed == b[i].seed);
    if (a[i].assignment == c[i].assignment) ++same_as_other_seed;
  }
  CHECK(same_as_other_seed == 0);

  // More trials extend the plan: the first 16 points stay (a point depends
  // on its configuration index, not on how many are drawn).
  Pairs more = sweep;
  more.back().second = "20";
  const auto d = plan(blobs("adam", "1"), more);
  REQUIRE(d.size() == 20);
  for (std::size_t i = 0; i < a.size(); ++i)
    CHECK(d[i].assignment == a[i].assignment);
}

TEST_CASE("random search with repeats shares the point across seeds",
          "[engine][sweep]") {
  const auto plans =
      plan(blobs("sgd", "3"), {{"optimizer.lr", "loguniform(1e-4, 1)"},
                               {"trials", "5"},
                               {"repeats", "3"}});
  REQUIRE(plans.size() == 15);
  for (std::uint64_t c = 0; c < 5; ++c)
    for (std::uint64_t r = 0; r < 3; ++r) {
      const TrialPlan& t = plans[c * 3 + r];
      CHECK(t.id == c * 3 + r);
      CHECK(t.config == c);
      CHECK(t.repeat == r);
      CHECK(t.seed == repeat_seed(3, r));
      CHECK(t.assignment == plans[c * 3].assignment);
    }
  CHECK(plans[0].assignment != plans[3].assignment);
}

TEST_CASE("choice yields only the listed values, and all of them",
          "[engine][sweep]") {
  const auto p = parse(blobs(), {{"trainer.batch_size", "choice(16, 32, 64)"},
                                 {"trials", "48"}});
  CHECK(p.spec.random);
  const auto plans = plan_search(p.spec, p.base);
  REQUIRE(plans.size() == 48);
  std::set<std::string> seen;
  for (const TrialPlan& t : plans)
    seen.insert(value_of(t, "trainer.batch_size"));
  CHECK(seen == std::set<std::string>{"16", "32", "64"});
}

TEST_CASE("with a random key, a list key is sampled as a choice",
          "[engine][sweep]") {
  const auto plans = plan(blobs(), {{"optimizer.lr", "loguniform(1e-3, 1)"},
                                    {"optimizer.momentum", "0, 0.5, 0.9"},
                                    {"trials", "30"}});
  REQUIRE(plans.size() == 30);
  std::set<std::string> seen;
  for (const TrialPlan& t : plans)
    seen.insert(value_of(t, "optimizer.momentum"));
  CHECK(seen == std::set<std::string>{"0", "0.5", "0.9"});
}

TEST_CASE("INT hyperparameters are sampled as whole numbers in range",
          "[engine][sweep]") {
  const auto p =
      parse(quadratic(), {{"model.dim", "uniform(1, 6)"}, {"trials", "40"}});
  REQUIRE(p.spec.dimensions.size() == 1);
  CHECK(p.spec.dimensions[0].integer);
  std::set<double> seen;
  for (const TrialPlan& t : plan_search(p.spec, p.base)) {
    const std::string text = value_of(t, "model.dim");
    INFO("model.dim = " << text);
    CHECK(text.find_first_not_of("0123456789") == std::string::npos);
    const double x = number(text);
    CHECK(x == std::floor(x));
    CHECK(x >= 1);
    CHECK(x <= 6);
    seen.insert(x);
  }
  CHECK(seen.size() >= 4);

  // A grid over an INT key rounds its points too.
  const auto grid = plan(quadratic(), {{"model.dim", "grid(1, 4, 3, linear)"}});
  REQUIRE(grid.size() == 3);
  CHECK(value_of(grid[0], "model.dim") == "1");
  CHECK(value_of(grid[1], "model.dim") == "3");  // 2.5 rounds away from 0
  CHECK(value_of(grid[2], "model.dim") == "4");
}

TEST_CASE("a bare loguniform() or uniform() takes the declared bounds",
          "[engine][sweep]") {
  const auto lr =
      parse(blobs("sgd"), {{"optimizer.lr", "loguniform()"}, {"trials", "32"}});
  const descent_hparam_desc& h = declared(lr.base.optimizer, "lr");
  REQUIRE((h.flags & DESCENT_HPARAM_LOG_SCALE) != 0);
  REQUIRE(lr.spec.dimensions.size() == 1);
  const SweepDimension& d = lr.spec.dimensions[0];
  CHECK(d.kind == SweepDimension::Kind::loguniform);
  CHECK(d.high == h.max_value);
  // lr's declared minimum is 0, which no log range can start at: the low
  // end is positive and inside the declared bounds.
  CHECK(d.low > 0);
  CHECK(d.low >= h.min_value);
  CHECK(d.low < d.high);
  for (const TrialPlan& t : plan_search(lr.spec, lr.base)) {
    const double x = number(value_of(t, "optimizer.lr"));
    CHECK(x >= d.low);
    CHECK(x <= d.high);
  }

  const auto beta =
      parse(blobs("adam"), {{"optimizer.beta1", "uniform()"}, {"trials", "8"}});
  const descent_hparam_desc& b = declared(beta.base.optimizer, "beta1");
  REQUIRE(beta.spec.dimensions.size() == 1);
  CHECK(beta.spec.dimensions[0].low == b.min_value);
  CHECK(beta.spec.dimensions[0].high == b.max_value);
}

// ---- options ----------------------------------------------------------------

TEST_CASE("sweep options: metric, repeats, then_best_seeds",
          "[engine][sweep]") {
  const auto defaults = parse(blobs(), {{"optimizer.lr", "0.1"}});
  CHECK(defaults.spec.metric == "test_loss");
  CHECK_FALSE(defaults.spec.maximize);
  CHECK(defaults.spec.repeats == 1);
  CHECK(defaults.spec.then_best_seeds == 0);

  const auto acc = parse(blobs(), {{"optimizer.lr", "0.1"},
                                   {"metric", "test_accuracy"},
                                   {"then_best_seeds", "4"}});
  CHECK(acc.spec.metric == "test_accuracy");
  CHECK(acc.spec.maximize);
  CHECK(acc.spec.then_best_seeds == 4);

  // Analytic objectives rank by their loss.
  const auto q = parse(quadratic(), {{"optimizer.lr", "0.1"}});
  CHECK(q.spec.metric == "loss");
}

// ---- bad input --------------------------------------------------------------

TEST_CASE("bad sweep specs are InputErrors naming the key", "[engine][sweep]") {
  struct Case {
    const char* what;
    Pairs sweep;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases{
      {"range above the declared max",
       {{"optimizer.lr", "loguniform(1e-5, 1e4)"}, {"trials", "4"}},
       {"sweep.optimizer.lr", "declared bounds"}},
      {"range below the declared min",
       {{"optimizer.dampening", "uniform(-0.5, 0.5)"}, {"trials", "4"}},
       {"sweep.optimizer.dampening"}},
      {"grid of zero points",
       {{"optimizer.lr", "grid(1e-4, 1, 0, log)"}},
       {"sweep.optimizer.lr", "grid points"}},
      {"grid of 2.5 points",
       {{"optimizer.lr", "grid(1e-4, 1, 2.5)"}},
       {"sweep.optimizer.lr"}},
      {"grid of ten words",
       {{"optimizer.lr", "grid(1e-4, 1, ten)"}},
       {"sweep.optimizer.lr", "ten"}},
      {"grid with two arguments",
       {{"optimizer.lr", "grid(1e-4, 1)"}},
       {"sweep.optimizer.lr"}},
      {"log grid through zero",
       {{"optimizer.lr", "grid(0, 1, 3, log)"}},
       {"sweep.optimizer.lr"}},
      {"unknown scale",
       {{"optimizer.lr", "grid(1e-4, 1, 3, cubic)"}},
       {"sweep.optimizer.lr", "log or linear"}},
      {"unknown function",
       {{"optimizer.lr", "logspace(1e-4, 1, 9)"}},
       {"sweep.optimizer.lr", "grid(", "loguniform("}},
      {"low >= high",
       {{"optimizer.lr", "loguniform(1, 1e-3)"}, {"trials", "4"}},
       {"sweep.optimizer.lr", "low < high"}},
      {"empty list item",
       {{"optimizer.lr", "0.1,,0.2"}},
       {"sweep.optimizer.lr"}},
      {"bare loguniform on a key with no bounds",
       {{"trainer.batch_size", "loguniform()"}, {"trials", "4"}},
       {"sweep.trainer.batch_size"}},
      {"unknown sweep option",
       {{"optimizer.lr", "0.1"}, {"trails", "8"}},
       {"sweep.trails"}},
      {"trials = 0 in a random search",
       {{"optimizer.lr", "loguniform(1e-4, 1)"}, {"trials", "0"}},
       {"sweep.trials"}},
      {"trials on a grid, where it would be ignored",
       {{"optimizer.lr", "grid(1e-3, 1, 4, log)"}, {"trials", "8"}},
       {"sweep.trials", "random search", "4 points"}},
      {"repeats = 0",
       {{"optimizer.lr", "0.1"}, {"repeats", "0"}},
       {"sweep.repeats"}},
      {"unknown metric",
       {{"optimizer.lr", "0.1"}, {"metric", "accuracy"}},
       {"sweep.metric"}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string message = error_of(blobs(), c.sweep);
    INFO("message: " << message);
    CHECK_FALSE(message.empty());
    for (const std::string& m : c.mentions) CHECK(contains(message, m));
  }
}

TEST_CASE(
    "a bad sweep option is named where it was given: file or command line",
    "[engine][sweep]") {
  Settings experiment = Settings::from_pairs(blobs(), "test.ini");
  const Experiment base = resolve_experiment(experiment, builtin());
  // The message parse_sweep gives for a random search with `key = value`.
  auto message_for = [&](const std::string& key, const std::string& value,
                         const std::string& origin) {
    Settings sweep = Settings::from_pairs(
        {{"sweep.optimizer.lr", "loguniform(1e-3, 1)"}}, "test.ini");
    sweep.set(key, value, origin);
    try {
      parse_sweep(sweep, base, builtin());
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no InputError)");
  };
  for (const std::string origin : {"test.ini", "command line"})
    for (const auto& [key, value] : Pairs{{"sweep.repeats", "0"},
                                          {"sweep.metric", "accuracy"},
                                          {"sweep.trials", "0"}}) {
      const std::string message = message_for(key, value, origin);
      INFO("message: " << message);
      CHECK(message.rfind(origin + ": " + key + " = '" + value + "'", 0) == 0);
    }
}

TEST_CASE("an empty [sweep] is an InputError", "[engine][sweep]") {
  const std::string none = error_of(blobs(), {});
  CHECK(contains(none, "[sweep]"));
  // Options alone vary nothing either.
  const std::string options_only = error_of(blobs(), {{"repeats", "3"}});
  CHECK(contains(options_only, "[sweep]"));
}

// sweep.hpp documents the default: 16 sampled points.
TEST_CASE("a random search without trials samples 16 points",
          "[engine][sweep]") {
  const auto p = parse(blobs(), {{"optimizer.lr", "loguniform(1e-4, 1)"}});
  CHECK(p.spec.trials == 16);
  CHECK(plan_search(p.spec, p.base).size() == 16);
}

// ---- then_best_seeds --------------------------------------------------------

TEST_CASE("then_best_seeds re-runs the best point with fresh seeds and ids",
          "[engine][sweep]") {
  const auto p =
      parse(blobs("sgd", "9"), {{"optimizer.lr", "grid(1e-3, 1, 4, log)"},
                                {"repeats", "2"},
                                {"then_best_seeds", "3"}});
  const auto search = plan_search(p.spec, p.base);
  REQUIRE(search.size() == 8);
  const TrialPlan& best = search[5];  // config 2, repeat 1
  const auto reruns = plan_best_seeds(p.spec, p.base, best, search.size());
  REQUIRE(reruns.size() == 3);
  std::set<std::uint64_t> search_seeds;
  for (const TrialPlan& t : search) search_seeds.insert(t.seed);
  std::set<std::uint64_t> rerun_seeds;
  for (std::size_t j = 0; j < reruns.size(); ++j) {
    const TrialPlan& t = reruns[j];
    INFO("rerun " << j);
    CHECK(t.id == search.size() + j);
    CHECK(t.best_seeds);
    CHECK(t.config == best.config);
    CHECK(t.assignment == best.assignment);
    CHECK(t.repeat == p.spec.repeats + j);
    CHECK(t.seed == repeat_seed(9, p.spec.repeats + j));
    CHECK(search_seeds.count(t.seed) == 0);
    rerun_seeds.insert(t.seed);
  }
  CHECK(rerun_seeds.size() == 3);

  // No then_best_seeds: nothing to re-run.
  const auto plain = parse(blobs(), {{"optimizer.lr", "0.1"}});
  const auto one = plan_search(plain.spec, plain.base);
  CHECK(plan_best_seeds(plain.spec, plain.base, one[0], 1).empty());
}

// ---- shards and MPI ranks: one round-robin partition ------------------------

TEST_CASE("take_part deals the plans round robin: every plan once, in order",
          "[engine][sweep][shard]") {
  const auto plans = plan(
      blobs(), {{"optimizer.lr", "grid(1e-3, 1, 7, log)"}, {"repeats", "2"}});
  REQUIRE(plans.size() == 14);
  for (const std::uint64_t parts : {1u, 2u, 3u, 5u, 14u, 20u}) {
    INFO(parts << " parts");
    std::set<std::uint64_t> seen;
    for (std::uint64_t part = 0; part < parts; ++part) {
      const auto mine = take_part(plans, part, parts);
      CHECK(mine.size() == (14 - part + parts - 1) / parts);
      for (std::size_t i = 0; i < mine.size(); ++i) {
        CHECK(mine[i].id == part + i * parts);  // search ids are positions
        CHECK(mine[i].seed == plans[mine[i].id].seed);
        seen.insert(mine[i].id);
      }
    }
    CHECK(seen.size() == 14);
  }
  // Parts balance: consecutive trials (often similar in cost) are spread.
  CHECK(take_part(plans, 1, 3).front().id == 1);
  CHECK(take_part(plans, 2, 3).back().id == 11);
  CHECK(take_part(plans, 0, 0).empty());
}

TEST_CASE("take_part over a subset partitions by position, not by id",
          "[engine][sweep][shard]") {
  auto plans = plan(blobs(), {{"optimizer.lr", "0.001, 0.01, 0.1, 1, 10"}});
  plans.erase(plans.begin() + 1);  // ids 0 2 3 4 remain (a resumed phase)
  const auto a = take_part(plans, 0, 2), b = take_part(plans, 1, 2);
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  CHECK(a[0].id == 0);
  CHECK(a[1].id == 3);
  CHECK(b[0].id == 2);
  CHECK(b[1].id == 4);
}

TEST_CASE("parse_shard reads K/N and refuses everything else, naming the flag",
          "[engine][sweep][shard]") {
  const SweepShard s = parse_shard("2/3", "--shard");
  CHECK(s.k == 2);
  CHECK(s.n == 3);
  CHECK(s.text() == "2/3");
  CHECK(parse_shard("1/1", "--shard").text() == "1/1");
  for (const char* bad : {"0/3", "4/3", "1/0", "x", "", "/3", "2/", "1/3x",
                          "-1/3", "1 /3", "99999999999999999999/3"}) {
    INFO("'" << bad << "'");
    try {
      parse_shard(bad, "--shard");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("--shard '" + std::string(bad) + "'") !=
            std::string::npos);
    }
  }
}
