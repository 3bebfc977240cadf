#include <descent/errors.hpp>
#include <descent/schedule.hpp>
#include <descent/sdk/hparams.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace descent {
namespace {

constexpr std::int64_t kMaxUnits = 1'000'000'000'000LL;
constexpr std::string_view kNames[] = {"constant",    "step",   "multistep",
                                       "exponential", "cosine", "onecycle",
                                       "plateau"};

std::uint64_t units(Settings& s, std::string_view key, std::int64_t fallback,
                    std::int64_t min) {
  return static_cast<std::uint64_t>(s.integer(key, fallback, min, kMaxUnits));
}

std::vector<std::uint64_t> milestones(Settings& s) {
  const std::string text = s.text("schedule.milestones", "");
  std::vector<std::uint64_t> out;
  try {
    for (std::int64_t m : sdk::parse_int_list(text, "schedule.milestones"))
      out.push_back(static_cast<std::uint64_t>(m));
  } catch (const std::exception&) {
    throw InputError(s.where("schedule.milestones") +
                     ": expected increasing positive integers, e.g. 30,80");
  }
  if (out.empty() || !std::is_sorted(out.begin(), out.end()) ||
      std::adjacent_find(out.begin(), out.end()) != out.end())
    throw InputError(s.where("schedule.milestones") +
                     ": expected increasing positive integers, e.g. 30,80");
  return out;
}

void resolve_plateau(Settings& s, ScheduleSpec& spec) {
  if (spec.per_step)
    throw InputError(s.where("schedule.unit") +
                     ": plateau reduces at epoch ends; expected epoch");
  spec.factor = s.real("schedule.factor", 0.1, sdk::kAboveZero, sdk::kBelowOne);
  spec.patience = units(s, "schedule.patience", 10, 0);
  spec.threshold = s.real("schedule.threshold", 1e-4, 0.0, 1.0);
  spec.cooldown = units(s, "schedule.cooldown", 0, 0);
  spec.min_lr = s.real("schedule.min_lr", 0.0, 0.0, 1e6);
  const std::array<std::string_view, 2> monitors{"test_loss", "train_loss"};
  spec.monitor_test =
      s.choice("schedule.monitor", "test_loss", monitors) == "test_loss";
}

}  // namespace

ScheduleSpec resolve_schedule(Settings& s) {
  ScheduleSpec spec;
  spec.name = s.choice("schedule.name", "constant", kNames);
  if (spec.name == "constant" && !s.has("schedule.warmup")) return spec;
  const std::array<std::string_view, 2> unit_names{"epoch", "step"};
  spec.per_step =
      s.choice("schedule.unit", spec.name == "onecycle" ? "step" : "epoch",
               unit_names) == "step";
  spec.warmup = units(s, "schedule.warmup", 0, 0);
  if (spec.warmup > 0)
    spec.warmup_start_factor =
        s.real("schedule.warmup_start_factor", 1.0 / 3.0, 0.0, 1.0);
  const std::string& n = spec.name;
  if (n == "step") spec.step_size = units(s, "schedule.step_size", 30, 1);
  if (n == "multistep") spec.milestones = milestones(s);
  if (n == "step" || n == "multistep" || n == "exponential")
    spec.gamma =
        s.real("schedule.gamma", n == "exponential" ? 0.95 : 0.1, 0.0, 1e3);
  if (n == "cosine") {
    spec.t_max = units(s, "schedule.t_max", 0, 0);
    spec.eta_min = s.real("schedule.eta_min", 0.0, 0.0, 1e6);
  }
  if (n == "onecycle") {
    spec.total = units(s, "schedule.total", 0, 0);
    spec.pct_start =
        s.real("schedule.pct_start", 0.3, sdk::kAboveZero, sdk::kBelowOne);
    spec.div_factor = s.real("schedule.div_factor", 25.0, 1.0, 1e12);
    spec.final_div_factor = s.real("schedule.final_div_factor", 1e4, 1.0, 1e12);
  }
  if (n == "plateau") resolve_plateau(s, spec);
  return spec;
}

LearningRate::LearningRate(const ScheduleSpec& spec, double base_lr,
                           std::uint64_t run_units)
    : spec_(spec), base_lr_(base_lr) {
  const std::uint64_t asked = spec.name == "onecycle" ? spec.total : spec.t_max;
  const std::uint64_t after_warmup =
      run_units > spec.warmup ? run_units - spec.warmup : 1;
  span_ = std::max<std::uint64_t>(asked > 0 ? asked : after_warmup, 1);
}

double LearningRate::at(std::uint64_t k) const {
  if (k < spec_.warmup) {
    const double progress =
        static_cast<double>(k) / static_cast<double>(spec_.warmup);
    const double factor = spec_.warmup_start_factor +
                          (1.0 - spec_.warmup_start_factor) * progress;
    return main_schedule(0) * factor;
  }
  return main_schedule(k - spec_.warmup);
}

double LearningRate::main_schedule(std::uint64_t k) const {
  const std::string& n = spec_.name;
  const auto kd = static_cast<double>(k);
  if (n == "step")
    return base_lr_ *
           std::pow(spec_.gamma, static_cast<double>(k / spec_.step_size));
  if (n == "multistep") {
    const auto passed =
        std::upper_bound(spec_.milestones.begin(), spec_.milestones.end(), k) -
        spec_.milestones.begin();
    return base_lr_ * std::pow(spec_.gamma, static_cast<double>(passed));
  }
  if (n == "exponential") return base_lr_ * std::pow(spec_.gamma, kd);
  if (n == "cosine") {
    const double progress = std::min(kd / static_cast<double>(span_), 1.0);
    return spec_.eta_min + (base_lr_ - spec_.eta_min) *
                               (1.0 + std::cos(std::numbers::pi * progress)) /
                               2.0;
  }
  if (n == "onecycle") return one_cycle(k);
  if (n == "plateau") return std::max(base_lr_ * plateau_scale_, spec_.min_lr);
  return base_lr_;
}

// OneCycleLR's two phases with cosine annealing (three_phase=False).
double LearningRate::one_cycle(std::uint64_t k) const {
  const double initial = base_lr_ / spec_.div_factor;
  const double final_lr = initial / spec_.final_div_factor;
  const double rise_end = spec_.pct_start * static_cast<double>(span_) - 1.0;
  const double fall_end = static_cast<double>(span_) - 1.0;
  auto anneal = [](double from, double to, double pct) {
    return to + (from - to) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
  };
  const double kd = std::min(static_cast<double>(k), fall_end);
  if (kd <= rise_end)
    return anneal(initial, base_lr_, rise_end > 0 ? kd / rise_end : 1.0);
  return anneal(base_lr_, final_lr, (kd - rise_end) / (fall_end - rise_end));
}

void LearningRate::end_epoch(double train_loss, double test_loss) {
  if (spec_.name != "plateau") return;
  const double metric =
      spec_.monitor_test && !std::isnan(test_loss) ? test_loss : train_loss;
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    bad_epochs_ = 0;
  }
  // torch's default: mode 'min', threshold_mode 'rel'.
  if (!has_best_ || metric < best_ * (1.0 - spec_.threshold)) {
    best_ = metric;
    has_best_ = true;
    bad_epochs_ = 0;
    return;
  }
  if (cooldown_left_ > 0) return;
  if (++bad_epochs_ > spec_.patience) {
    plateau_scale_ *= spec_.factor;
    cooldown_left_ = spec_.cooldown;
    bad_epochs_ = 0;
  }
}

}  // namespace descent
