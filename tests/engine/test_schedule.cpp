// Learning-rate schedules: values against the closed forms of
// torch.optim.lr_scheduler (PyTorch 1.13), configuration, and their use in
// a run.
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/schedule.hpp>
#include <descent/trainer.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

using namespace descent;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {

ScheduleSpec spec_from(const Pairs& pairs) {
  Settings s = Settings::from_pairs(pairs);
  return resolve_schedule(s);
}

std::vector<double> first_rates(const LearningRate& lr, std::uint64_t n) {
  std::vector<double> out;
  for (std::uint64_t k = 0; k < n; ++k) out.push_back(lr.at(k));
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("constant keeps the optimizer's lr", "[engine][schedule]") {
  const LearningRate lr(spec_from({}), 0.3, 100);
  CHECK(first_rates(lr, 4) == std::vector<double>{0.3, 0.3, 0.3, 0.3});
}

TEST_CASE("step decays by gamma every step_size units", "[engine][schedule]") {
  const LearningRate lr(spec_from({{"schedule.name", "step"},
                                   {"schedule.step_size", "2"},
                                   {"schedule.gamma", "0.5"}}),
                        1.0, 100);
  // StepLR(step_size=2, gamma=0.5): 1, 1, 0.5, 0.5, 0.25
  CHECK(first_rates(lr, 5) == std::vector<double>{1, 1, 0.5, 0.5, 0.25});
}

TEST_CASE("multistep decays at each milestone", "[engine][schedule]") {
  const LearningRate lr(spec_from({{"schedule.name", "multistep"},
                                   {"schedule.milestones", "2,4"},
                                   {"schedule.gamma", "0.1"}}),
                        1.0, 100);
  const auto r = first_rates(lr, 6);
  CHECK(r[0] == 1.0);
  CHECK(r[1] == 1.0);
  CHECK(r[2] == Approx(0.1));
  CHECK(r[3] == Approx(0.1));
  CHECK(r[4] == Approx(0.01));
  CHECK(r[5] == Approx(0.01));
}

TEST_CASE("exponential multiplies by gamma every unit", "[engine][schedule]") {
  const LearningRate lr(
      spec_from({{"schedule.name", "exponential"}, {"schedule.gamma", "0.9"}}),
      2.0, 100);
  CHECK(lr.at(0) == 2.0);
  CHECK(lr.at(3) == Approx(2.0 * 0.9 * 0.9 * 0.9));
}

TEST_CASE("cosine anneals from lr to eta_min over t_max",
          "[engine][schedule]") {
  const LearningRate lr(spec_from({{"schedule.name", "cosine"},
                                   {"schedule.t_max", "10"},
                                   {"schedule.eta_min", "0.1"}}),
                        1.1, 100);
  CHECK(lr.at(0) == Approx(1.1));
  CHECK(lr.at(5) == Approx(0.1 + 1.0 * 0.5));  // cos(pi/2) = 0: halfway
  CHECK(lr.at(10) == Approx(0.1));
  CHECK(lr.at(15) == Approx(0.1));  // held at eta_min afterwards
  // t_max = 0: the whole run (here 20 units).
  const LearningRate whole(spec_from({{"schedule.name", "cosine"}}), 1.0, 20);
  CHECK(whole.at(10) == Approx(0.5));
  CHECK(whole.at(20) == Approx(0.0).margin(1e-15));
}

TEST_CASE("linear warmup scales the schedule's start, then hands over",
          "[engine][schedule]") {
  const LearningRate lr(spec_from({{"schedule.name", "cosine"},
                                   {"schedule.warmup", "4"},
                                   {"schedule.warmup_start_factor", "0.2"},
                                   {"schedule.t_max", "8"}}),
                        1.0, 100);
  // LinearLR(start_factor=0.2, total_iters=4): 0.2, 0.4, 0.6, 0.8, then the
  // cosine starts at its own k = 0.
  CHECK(lr.at(0) == Approx(0.2));
  CHECK(lr.at(1) == Approx(0.4));
  CHECK(lr.at(3) == Approx(0.8));
  CHECK(lr.at(4) == Approx(1.0));
  CHECK(lr.at(8) == Approx(0.5));  // cosine k = 4 of 8
  // Warmup before a constant rate.
  const LearningRate flat(spec_from({{"schedule.warmup", "2"}}), 0.9, 10);
  CHECK(flat.at(0) == Approx(0.3));  // default start factor 1/3, as LinearLR
  CHECK(flat.at(2) == Approx(0.9));
}

TEST_CASE("onecycle rises to lr then anneals far below it",
          "[engine][schedule]") {
  const LearningRate lr(
      spec_from({{"schedule.name", "onecycle"}, {"schedule.total", "100"}}),
      1.0, 1000);
  // OneCycleLR(max_lr=1, total_steps=100): starts at 1/25, peaks at step
  // 0.3*100 - 1 = 29, ends at step 99 at 1/25/1e4.
  CHECK(lr.at(0) == Approx(1.0 / 25.0));
  CHECK(lr.at(29) == Approx(1.0));
  CHECK(lr.at(99) == Approx(1.0 / 25.0 / 1e4));
  // Halfway up the cosine rise: the mean of start and peak.
  CHECK(lr.at(14) ==
        Approx(1.0 / 25.0 +
               (1.0 - 1.0 / 25.0) *
                   (1.0 - std::cos(std::numbers::pi * 14.0 / 29.0)) / 2.0));
  CHECK(spec_from({{"schedule.name", "onecycle"}}).per_step);
}

TEST_CASE("plateau cuts the rate when the loss stops improving",
          "[engine][schedule]") {
  LearningRate lr(spec_from({{"schedule.name", "plateau"},
                             {"schedule.patience", "1"},
                             {"schedule.factor", "0.5"},
                             {"schedule.monitor", "train_loss"}}),
                  1.0, 100);
  lr.end_epoch(1.0, 9.0);  // best = 1
  CHECK(lr.at(1) == 1.0);
  lr.end_epoch(1.0, 9.0);  // no improvement: 1 bad epoch (= patience)
  CHECK(lr.at(2) == 1.0);
  lr.end_epoch(0.99999, 9.0);  // below threshold 1e-4 rel: 2 bad epochs
  CHECK(lr.at(3) == 0.5);
  lr.end_epoch(0.5, 9.0);  // a real improvement resets the count
  lr.end_epoch(0.5, 9.0);
  CHECK(lr.at(5) == 0.5);
}

TEST_CASE("schedule keys are checked like any other key",
          "[engine][schedule]") {
  auto error_of = [](const Pairs& pairs) -> std::string {
    try {
      spec_from(pairs);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(contains(error_of({{"schedule.name", "cosin"}}),
                 "schedule.name = 'cosin': expected one of: constant"));
  CHECK(contains(error_of({{"schedule.name", "multistep"},
                           {"schedule.milestones", "30,x"}}),
                 "expected increasing positive integers"));
  CHECK(contains(error_of({{"schedule.name", "multistep"},
                           {"schedule.milestones", "80,30"}}),
                 "expected increasing positive integers"));
  CHECK(contains(
      error_of({{"schedule.name", "plateau"}, {"schedule.unit", "step"}}),
      "plateau reduces at epoch ends"));
}

TEST_CASE("a run follows its schedule, set in the file or on the command line",
          "[engine][schedule]") {
  Registry registry;
  registry.scan({DESCENT_TEST_PLUGIN_DIR});
  Settings s = Settings::from_pairs({{"model.name", "quadratic"},
                                     {"optimizer.name", "sgd"},
                                     {"optimizer.lr", "0.1"},
                                     {"trainer.steps", "6"},
                                     {"trainer.log_every", "1"},
                                     {"schedule.name", "step"},
                                     {"schedule.step_size", "2"},
                                     {"schedule.gamma", "0.5"}});
  const Experiment e = resolve_experiment(s, registry);
  struct Collect : TrainingObserver {
    std::vector<double> rates;
    void on_epoch(const EpochRecord& r) override { rates.push_back(r.lr); }
  } collect;
  train(e, {}, collect);
  // Step t uses the rate of k = t - 1 completed units.
  CHECK(collect.rates ==
        std::vector<double>{0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025});

  // A key that belongs to another schedule is refused as unknown.
  Settings wrong = Settings::from_pairs({{"model.name", "quadratic"},
                                         {"optimizer.name", "sgd"},
                                         {"schedule.name", "cosine"},
                                         {"schedule.gamma", "0.5"}});
  CHECK_THROWS_WITH(resolve_experiment(wrong, registry),
                    Catch::Contains("unknown key 'schedule.gamma'"));
}
