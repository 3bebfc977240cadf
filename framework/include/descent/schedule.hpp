// descent host — learning-rate schedules. The optimizer plugin receives the
// learning rate on every step, so schedules live here, in one place, for
// every plugin.
//
// A schedule counts units: epochs (the default, as PyTorch's epoch-wise
// schedulers) or optimizer steps (`schedule.unit = step`, as OneCycleLR).
// k = 0, 1, ... is the number of units completed before the current step.
// Formulas follow torch.optim.lr_scheduler (PyTorch 1.13) closed forms:
//   constant      lr0
//   step          lr0 * gamma^floor(k / step_size)                 (StepLR)
//   multistep     lr0 * gamma^(milestones <= k) (MultiStepLR) exponential   lr0
//   * gamma^k                                    (ExponentialLR) cosine eta_min
//   + (lr0 - eta_min) (1 + cos(pi k / t_max)) / 2,
//                 held at eta_min after t_max          (CosineAnnealingLR;
//                 Loshchilov & Hutter, SGDR, ICLR 2017)
//   onecycle      cosine rise from lr0/div_factor to lr0 over pct_start of
//                 `total` units, then down to lr0/(div_factor *
//                 final_div_factor)        (OneCycleLR; Smith & Topin 2017)
//   plateau       lr0 times factor^(reductions), a reduction whenever the
//                 monitored loss has not improved by `threshold` (relative)
//                 for `patience` epochs, then `cooldown` epochs of rest,
//                 never below min_lr                   (ReduceLROnPlateau)
// Any of them may follow a linear warmup of `warmup` units whose factor
// rises from warmup_start_factor to 1 (LinearLR + SequentialLR); the main
// schedule then starts at k = 0.
#pragma once

#include <descent/settings.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace descent {

struct ScheduleSpec {
  std::string name = "constant";
  bool per_step = false;  // unit: step (true) or epoch (false)
  std::uint64_t warmup = 0;
  double warmup_start_factor = 1.0 / 3.0;
  // step, multistep, exponential
  std::uint64_t step_size = 1;
  std::vector<std::uint64_t> milestones;
  double gamma = 0.1;
  // cosine, onecycle: 0 = the whole run, counted in units
  std::uint64_t t_max = 0;
  double eta_min = 0.0;
  std::uint64_t total = 0;
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  // plateau
  double factor = 0.1;
  std::uint64_t patience = 10;
  double threshold = 1e-4;
  std::uint64_t cooldown = 0;
  double min_lr = 0.0;
  bool monitor_test = true;  // test_loss (true) or train_loss
};

// Reads the [schedule] section; only the keys of the chosen schedule are
// accepted (and recorded).
ScheduleSpec resolve_schedule(Settings& settings);

class LearningRate {
 public:
  // `run_units`: how many units the whole run has (for t_max/total = 0).
  LearningRate(const ScheduleSpec& spec, double base_lr,
               std::uint64_t run_units);

  // The rate for the step about to be taken, after `k` completed units.
  double at(std::uint64_t k) const;
  // Reduce-on-plateau's feedback at the end of each epoch; no-op otherwise.
  void end_epoch(double train_loss, double test_loss);

 private:
  double main_schedule(std::uint64_t k) const;
  double one_cycle(std::uint64_t k) const;

  ScheduleSpec spec_;
  double base_lr_;
  std::uint64_t span_;  // t_max or total, resolved
  // reduce-on-plateau state
  double plateau_scale_ = 1.0;
  double best_ = 0.0;
  bool has_best_ = false;
  std::uint64_t bad_epochs_ = 0;
  std::uint64_t cooldown_left_ = 0;
};

}  // namespace descent
