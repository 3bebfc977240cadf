// The trainer: batch, stochastic and mini-batch descent as one loop, checked
// against independent computations; determinism across thread counts.
#include <descent/data.hpp>
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/trainer.hpp>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
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

struct Collect : TrainingObserver {
  std::vector<EpochRecord> records;
  void on_epoch(const EpochRecord& r) override { records.push_back(r); }
};

struct Outcome {
  RunResult result;
  std::vector<EpochRecord> records;
  TrainTest data;
};

Outcome run(Pairs pairs, int threads = 2) {
  Settings settings = Settings::from_pairs(pairs);
  const Experiment e = resolve_experiment(settings, builtin());
  Outcome out;
  out.data = load_data(e);
  Collect collect;
  // Allow more workers than cores, so 8 threads really run on 2 cores.
  tbb::global_control workers(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  out.result = arena.execute([&] { return train(e, out.data, collect); });
  out.records = std::move(collect.records);
  return out;
}

Pairs linear_regression(const std::string& batch, const std::string& lr,
                        const std::string& epochs) {
  return {{"model.name", "linear"},      {"loss.name", "mse"},
          {"optimizer.name", "sgd"},     {"optimizer.lr", lr},
          {"data.source", "linear"},     {"data.rows", "1000"},
          {"data.features", "5"},        {"data.noise", "0.1"},
          {"trainer.batch_size", batch}, {"trainer.epochs", epochs},
          {"experiment.seed", "3"}};
}

// Sets `key` in `pairs`, replacing an earlier value.
void set(Pairs& pairs, const std::string& key, const std::string& value) {
  for (auto& [k, v] : pairs)
    if (k == key) {
      v = value;
      return;
    }
  pairs.emplace_back(key, value);
}

// Mean squared error of x.w + b on a data set, written out directly.
double mse(const Dataset& d, const std::vector<double>& w, double b) {
  double sum = 0.0;
  for (std::size_t r = 0; r < d.rows; ++r) {
    double y = b;
    for (std::size_t j = 0; j < d.n_features; ++j)
      y += d.features[r * d.n_features + j] * w[j];
    sum += (y - d.targets[r]) * (y - d.targets[r]);
  }
  return sum / static_cast<double>(d.rows);
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

TEST_CASE("full-batch gradient descent takes w - lr * grad of the whole set",
          "[engine][trainer]") {
  const double lr = 0.1;
  const Outcome o = run(linear_regression("full", "0.1", "2"));
  REQUIRE(o.records.size() == 3);  // epochs 0, 1, 2
  const Dataset& train = o.data.train;

  // linear starts at zero (init_scale 0). Gradient of the mean squared error
  // at w = 0, b = 0: dL/dw_j = -2/N sum_r y_r x_rj, dL/db = -2/N sum_r y_r.
  const auto n = static_cast<double>(train.rows);
  std::vector<double> w(train.n_features, 0.0);
  double b = 0.0;
  for (std::size_t r = 0; r < train.rows; ++r) {
    const double y = train.targets[r];
    for (std::size_t j = 0; j < train.n_features; ++j)
      w[j] += lr * 2.0 / n * y * train.features[r * train.n_features + j];
    b += lr * 2.0 / n * y;
  }
  // Epoch 1 reports the loss at w0 (its only step starts there); epoch 2 the
  // loss at w1 = w0 - lr * grad.
  CHECK(o.records[1].train_loss ==
        Approx(mse(train, std::vector<double>(train.n_features, 0.0), 0.0))
            .epsilon(1e-12));
  CHECK(o.records[2].train_loss == Approx(mse(train, w, b)).epsilon(1e-12));
  CHECK(o.records[2].steps == 2);
}

TEST_CASE("batch size chooses batch, stochastic or mini-batch descent",
          "[engine][trainer]") {
  const std::size_t rows = 800;  // 80% of data.rows for training
  struct Mode {
    const char* batch;
    const char* lr;
    std::uint64_t steps_per_epoch;
  };
  for (const Mode mode : {Mode{"full", "0.1", 1}, Mode{"1", "0.01", rows},
                          Mode{"32", "0.05", (rows + 31) / 32}}) {
    INFO("batch_size = " << mode.batch);
    const Outcome o = run(linear_regression(mode.batch, mode.lr, "3"));
    REQUIRE(o.data.train.rows == rows);
    REQUIRE(o.result.status == RunStatus::ok);
    for (std::size_t epoch = 1; epoch < o.records.size(); ++epoch)
      CHECK(o.records[epoch].steps == epoch * mode.steps_per_epoch);
    // Every mode learns: the test loss falls well below its start.
    CHECK(o.records.back().test_loss < 0.5 * o.records.front().test_loss);
  }
}

TEST_CASE("stochastic descent reaches the noise floor on linear regression",
          "[engine][trainer]") {
  const Outcome o = run(linear_regression("1", "0.01", "5"));
  // noise 0.1 gives an irreducible mean squared error of about 0.01.
  CHECK(o.result.last.test_loss < 0.02);
  CHECK(o.result.last.test_loss > 0.005);
}

TEST_CASE("a step budget stops inside an epoch", "[engine][trainer]") {
  Pairs pairs = linear_regression("32", "0.05", "0");
  set(pairs, "trainer.steps", "7");
  const Outcome o = run(pairs);
  CHECK(o.result.last.steps == 7);
  CHECK(o.result.last.epoch == 1);
}

// The run of `pairs` with 2 and 8 threads equals the run with 1, bit for bit.
void check_same_at_any_thread_count(const Pairs& pairs) {
  const Outcome one = run(pairs, 1);
  for (int threads : {2, 8}) {
    INFO("threads = " << threads);
    const Outcome many = run(pairs, threads);
    REQUIRE(one.records.size() == many.records.size());
    for (std::size_t i = 0; i < one.records.size(); ++i) {
      CHECK(same_bits(one.records[i].train_loss, many.records[i].train_loss));
      CHECK(same_bits(one.records[i].test_loss, many.records[i].test_loss));
    }
  }
}

TEST_CASE("results are bit-identical with 1, 2 and 8 threads",
          "[engine][trainer][determinism]") {
  // 4000 rows -> a full batch of 3200 spans several fixed-size chunks.
  for (const char* batch : {"full", "32"}) {
    INFO("batch_size = " << batch);
    Pairs pairs = linear_regression(batch, "0.05", "3");
    set(pairs, "data.rows", "4000");
    check_same_at_any_thread_count(pairs);
  }
}

TEST_CASE("float32 training is bit-identical with 1, 2 and 8 threads",
          "[engine][trainer][determinism][f32]") {
  for (const char* model : {"linear", "mlp"}) {
    INFO("model = " << model);
    Pairs pairs = linear_regression("full", "0.05", "3");
    set(pairs, "data.rows", "4000");
    set(pairs, "model.name", model);
    set(pairs, "trainer.dtype", "f32");
    REQUIRE(run(pairs, 1).data.train.format() == descent::FeatureFormat::f32);
    check_same_at_any_thread_count(pairs);
  }
}

TEST_CASE("a mini-batch of a large model is split, and threads still agree",
          "[engine][trainer][determinism]") {
  // About 135k parameters: a batch of 64 is two chunks of 32 (chunk_rows_for),
  // computed on different threads and summed in a fixed order.
  for (const char* dtype : {"f64", "f32"}) {
    INFO("dtype = " << dtype);
    Pairs pairs = linear_regression("64", "0.01", "2");
    set(pairs, "data.rows", "1000");
    set(pairs, "data.features", "50");
    set(pairs, "model.name", "mlp");
    set(pairs, "model.hidden", "2600");
    set(pairs, "trainer.dtype", dtype);
    check_same_at_any_thread_count(pairs);
  }
}

TEST_CASE("a batch of wide float rows is cut by bytes, and threads agree",
          "[engine][trainer][determinism][f32]") {
  // 784 float inputs: a batch of 128 rows (400 KB) is two chunks of 64
  // (kMaxChunkInputBytes), the 2000-row evaluations many more.
  Pairs pairs = {{"model.name", "softmax"},     {"loss.name", "cross_entropy"},
                 {"optimizer.name", "sgd"},     {"optimizer.lr", "0.01"},
                 {"data.source", "blobs"},      {"data.rows", "2500"},
                 {"data.features", "784"},      {"data.classes", "10"},
                 {"trainer.batch_size", "128"}, {"trainer.epochs", "2"},
                 {"trainer.dtype", "f32"},      {"experiment.seed", "5"}};
  check_same_at_any_thread_count(pairs);
}

TEST_CASE("float32 follows the float64 run to float precision",
          "[engine][trainer][f32]") {
  // Same data, init and shuffle: only the rounding of the products differs,
  // so the losses agree to a few float ulps per step, never bit for bit.
  for (const char* batch : {"full", "32"}) {
    INFO("batch_size = " << batch);
    Pairs pairs = linear_regression(batch, "0.02", "4");
    const Outcome f64 = run(pairs);
    set(pairs, "trainer.dtype", "f32");
    const Outcome f32 = run(pairs);
    REQUIRE(f64.records.size() == f32.records.size());
    for (std::size_t i = 0; i < f64.records.size(); ++i) {
      INFO("epoch " << i);
      CHECK(f32.records[i].train_loss ==
            Approx(f64.records[i].train_loss).epsilon(1e-4));
      CHECK(f32.records[i].test_loss ==
            Approx(f64.records[i].test_loss).epsilon(1e-4));
    }
    CHECK_FALSE(
        same_bits(f32.result.last.test_loss, f64.result.last.test_loss));
  }
}

TEST_CASE("trainer.dtype = f32 is refused where it cannot apply",
          "[engine][trainer][f32]") {
  SECTION("an analytic objective computes in double") {
    Settings s = Settings::from_pairs({{"model.name", "rosenbrock"},
                                       {"optimizer.name", "sgd"},
                                       {"trainer.dtype", "f32"}});
    CHECK_THROWS_WITH(
        resolve_experiment(s, builtin()),
        Catch::Contains("trainer.dtype") && Catch::Contains("f64"));
  }
  SECTION("an unknown precision") {
    Pairs pairs = linear_regression("full", "0.05", "1");
    set(pairs, "trainer.dtype", "f16");
    Settings s = Settings::from_pairs(pairs);
    CHECK_THROWS_WITH(
        resolve_experiment(s, builtin()),
        Catch::Contains("trainer.dtype") && Catch::Contains("f16"));
  }
  SECTION("data stored in double for a float32 run") {
    Pairs pairs = linear_regression("full", "0.05", "1");
    Settings s64 = Settings::from_pairs(pairs);
    const TrainTest data = load_data(resolve_experiment(s64, builtin()));
    set(pairs, "trainer.dtype", "f32");
    Settings s32 = Settings::from_pairs(pairs);
    const Experiment e = resolve_experiment(s32, builtin());
    Collect collect;
    CHECK_THROWS_AS(train(e, data, collect), InputError);
  }
}

TEST_CASE("the seed decides the shuffle", "[engine][trainer][determinism]") {
  const Outcome a = run(linear_regression("16", "0.01", "2"));
  const Outcome b = run(linear_regression("16", "0.01", "2"));
  CHECK(same_bits(a.result.last.train_loss, b.result.last.train_loss));
  Pairs other = linear_regression("16", "0.01", "2");
  set(other, "experiment.seed", "4");
  const Outcome c = run(other);
  CHECK_FALSE(same_bits(a.result.last.train_loss, c.result.last.train_loss));
}

TEST_CASE("too large a learning rate is recorded as diverged",
          "[engine][trainer]") {
  const Outcome o = run(linear_regression("full", "5", "20"));
  CHECK(o.result.status == RunStatus::diverged);
  CHECK_FALSE(o.result.reason.empty());
  // The run stopped as soon as it diverged, and the last row was recorded.
  CHECK(o.records.back().epoch < 20);
  CHECK(o.records.back().epoch == o.result.last.epoch);
}

TEST_CASE("softmax regression separates Gaussian blobs", "[engine][trainer]") {
  const Outcome o = run({{"model.name", "softmax"},
                         {"loss.name", "cross_entropy"},
                         {"optimizer.name", "adam"},
                         {"optimizer.lr", "0.05"},
                         {"data.source", "blobs"},
                         {"data.rows", "600"},
                         {"data.features", "2"},
                         {"data.classes", "3"},
                         {"trainer.batch_size", "16"},
                         {"trainer.epochs", "10"}});
  CHECK(o.result.classifier);
  CHECK(o.result.last.test_accuracy > 0.95);
}

namespace {

// Pixel-like data: `rows` rows of 12 bytes and 3 classes, the class read off
// the bytes so there is something to learn.
Dataset byte_images(std::size_t rows, std::uint32_t seed) {
  Dataset d;
  d.rows = rows;
  d.n_features = 12;
  d.n_targets = 1;
  d.n_classes = 3;
  std::vector<std::uint8_t> pixels;
  std::uint32_t state = seed;
  for (std::size_t r = 0; r < rows; ++r) {
    unsigned sum = 0;
    for (std::size_t f = 0; f < d.n_features; ++f) {
      state = state * 1664525u + 1013904223u;  // Numerical Recipes' LCG
      const auto byte = static_cast<std::uint8_t>(state >> 24);
      pixels.push_back(byte);
      sum += f < 4 ? byte : 0;
    }
    d.targets.push_back(static_cast<double>(sum * 3 / 1021));
  }
  d.features_u8 = descent::SharedBytes(std::move(pixels));
  return d;
}

// The same rows with the features widened to T and stored as T.
template <class T>
Dataset widened(const Dataset& bytes) {
  Dataset d = bytes;
  std::vector<T> values(bytes.rows * bytes.n_features);
  bytes.copy_features<T>(0, bytes.rows, values.data());
  d.features_u8 = {};
  if constexpr (std::is_same_v<T, float>)
    d.features_f32 = std::move(values);
  else
    d.features = std::move(values);
  return d;
}

std::vector<EpochRecord> train_records(const Pairs& pairs,
                                       const TrainTest& data) {
  Settings settings = Settings::from_pairs(pairs);
  const Experiment e = resolve_experiment(settings, builtin());
  Collect collect;
  train(e, data, collect);
  return std::move(collect.records);
}

}  // namespace

TEST_CASE("byte features train exactly as their widened values would",
          "[engine][trainer][f32]") {
  // Fashion-MNIST is held as bytes and widened while batches are cut; the
  // run must not differ by a bit from one on the widened values.
  const TrainTest bytes{byte_images(400, 7), byte_images(100, 8)};
  for (const char* dtype : {"f64", "f32"})
    for (const char* batch : {"full", "32"}) {
      INFO("dtype = " << dtype << ", batch_size = " << batch);
      const Pairs pairs = {
          {"model.name", "softmax"}, {"loss.name", "cross_entropy"},
          {"optimizer.name", "sgd"}, {"optimizer.lr", "0.5"},
          {"data.source", "blobs"},  {"data.features", "12"},
          {"data.classes", "3"},     {"trainer.batch_size", batch},
          {"trainer.epochs", "3"},   {"trainer.dtype", dtype}};
      const bool f32 = std::string(dtype) == "f32";
      const TrainTest values = f32 ? TrainTest{widened<float>(bytes.train),
                                               widened<float>(bytes.test)}
                                   : TrainTest{widened<double>(bytes.train),
                                               widened<double>(bytes.test)};
      const auto from_bytes = train_records(pairs, bytes);
      const auto from_values = train_records(pairs, values);
      REQUIRE(from_bytes.size() == 4);  // epoch 0 and three epochs
      REQUIRE(from_values.size() == from_bytes.size());
      for (std::size_t i = 0; i < from_bytes.size(); ++i) {
        CHECK(same_bits(from_bytes[i].train_loss, from_values[i].train_loss));
        CHECK(same_bits(from_bytes[i].test_loss, from_values[i].test_loss));
      }
      CHECK(from_bytes.back().test_loss < from_bytes.front().test_loss);
    }
}

TEST_CASE("runs from one starting point share its evaluation",
          "[engine][trainer][sweep]") {
  Pairs pairs = linear_regression("32", "0.05", "2");
  const Outcome alone = run(pairs);
  Settings settings = Settings::from_pairs(pairs);
  const Experiment e = resolve_experiment(settings, builtin());
  StartingPoints shared;
  const std::string key = StartingPoints::key_of(e);

  SECTION("the first run leaves exactly what it would have computed") {
    Collect collect;
    train(e, alone.data, collect, &shared);
    const auto point = shared.find(key);
    REQUIRE(point.has_value());
    CHECK(same_bits(point->train_loss, alone.records.front().train_loss));
    CHECK(same_bits(point->test_loss, alone.records.front().test_loss));
    REQUIRE(collect.records.size() == alone.records.size());
    for (std::size_t i = 0; i < alone.records.size(); ++i)
      CHECK(
          same_bits(collect.records[i].test_loss, alone.records[i].test_loss));
  }
  SECTION("a later run takes it instead of evaluating") {
    shared.store(key, {1.5, 2.5, kNotMeasured});  // marked values
    Collect collect;
    const RunResult result = train(e, alone.data, collect, &shared);
    CHECK(result.initial_loss == 1.5);
    CHECK(collect.records.front().test_loss == 2.5);
    CHECK(collect.records.back().epoch == 2);
  }
  SECTION("another optimizer setting starts at the same point") {
    set(pairs, "optimizer.lr", "0.01");
    set(pairs, "trainer.batch_size", "8");
    Settings other = Settings::from_pairs(pairs);
    CHECK(StartingPoints::key_of(resolve_experiment(other, builtin())) == key);
  }
  SECTION("another seed, model or data set does not") {
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"experiment.seed", "4"},
             {"model.init_scale", "0.5"},
             {"data.rows", "999"},
             {"trainer.dtype", "f32"}}) {
      INFO(k << " = " << v);
      Pairs changed = pairs;
      set(changed, k, v);
      Settings other = Settings::from_pairs(changed);
      CHECK(StartingPoints::key_of(resolve_experiment(other, builtin())) !=
            key);
    }
  }
}

TEST_CASE("gradient descent on a quadratic follows the closed form",
          "[engine][trainer][analytic]") {
  // f(w) = 0.5 (1 w0^2 + 10 w1^2): w_i(t) = (1 - lr lambda_i)^t w_i(0).
  const Outcome o = run({{"model.name", "quadratic"},
                         {"model.condition", "10"},
                         {"model.start", "1"},
                         {"optimizer.name", "sgd"},
                         {"optimizer.lr", "0.05"},
                         {"trainer.steps", "40"}});
  REQUIRE(o.result.status == RunStatus::ok);
  REQUIRE(o.result.last.params.size() == 2);
  CHECK(o.result.last.params[0] ==
        Approx(std::pow(1.0 - 0.05 * 1.0, 40)).epsilon(1e-12));
  CHECK(o.result.last.params[1] ==
        Approx(std::pow(1.0 - 0.05 * 10.0, 40)).epsilon(1e-12));
  CHECK(o.result.last.steps == 40);
}

TEST_CASE("a mismatched loss and data set is refused", "[engine][trainer]") {
  Pairs pairs = linear_regression("full", "0.1", "1");
  set(pairs, "loss.name", "cross_entropy");  // expects class labels
  set(pairs, "model.name", "softmax");
  CHECK_THROWS_AS(run(pairs), InputError);
}
