// Parsing the [sweep] section and planning its trials.
#include <descent/errors.hpp>
#include <descent/sdk/hparams.hpp>
#include <descent/sdk/random.hpp>
#include <descent/sweep.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace descent {
namespace {

// Stream purposes, so sweep draws never coincide with the trainer's.
constexpr std::uint64_t kSamplePurpose = 0x7377656570ULL;  // "sweep"
constexpr std::uint64_t kSeedPurpose = 0x7365656473ULL;    // "seeds"

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(trim(text.substr(start, comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

// One dimension's text, with the context an error message needs.
struct SpecText {
  std::string key;    // swept key, e.g. optimizer.lr
  std::string value;  // e.g. grid(1e-4, 1, 9, log)
  std::string where;  // "FILE: sweep.optimizer.lr = '...'"
};

[[noreturn]] void bad(const SpecText& t, const std::string& expected) {
  throw InputError(t.where + ": expected " + expected);
}

double number(const SpecText& t, const std::string& text) {
  double x = 0.0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(x))
    bad(t, "finite numbers, got '" + text + "'");
  return x;
}

// The declared hyperparameter behind "<kind>.<name>", if any.
const descent_hparam_desc* declared(const std::string& key,
                                    const Experiment& base) {
  const auto dot = key.find('.');
  const std::string section = key.substr(0, dot), name = key.substr(dot + 1);
  const ComponentChoice* c = section == "optimizer" ? &base.optimizer
                             : section == "model"   ? &base.model
                             : section == "loss"    ? &base.loss
                                                    : nullptr;
  if (c == nullptr || c->component == nullptr) return nullptr;
  const descent_descriptor& d = *c->component->descriptor;
  for (std::uint32_t i = 0; i < d.hparam_count; ++i)
    if (name == d.hparams[i].name) return &d.hparams[i];
  return nullptr;
}

bool numeric(const descent_hparam_desc* h) {
  return h != nullptr &&
         (h->type == DESCENT_HPARAM_REAL || h->type == DESCENT_HPARAM_INT);
}

std::vector<std::string> grid_points(const SpecText& t,
                                     const std::vector<std::string>& args,
                                     const descent_hparam_desc* h) {
  if (args.size() != 3 && args.size() != 4)
    bad(t, "grid(first, last, count[, log|linear])");
  const double first = number(t, args[0]), last = number(t, args[1]);
  const double count = number(t, args[2]);
  if (count < 1 || count != std::floor(count) || count > 1e6)
    bad(t, "a whole number of grid points");
  bool log = h != nullptr && (h->flags & DESCENT_HPARAM_LOG_SCALE) != 0;
  if (args.size() == 4) {
    if (args[3] != "log" && args[3] != "linear") bad(t, "log or linear");
    log = args[3] == "log";
  }
  if (log && (first <= 0 || last <= 0)) bad(t, "positive ends for a log grid");
  const auto n = static_cast<std::size_t>(count);
  std::vector<std::string> points;
  for (std::size_t i = 0; i < n; ++i) {
    const double f =
        n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
    const double x =
        log ? first * std::pow(last / first, f) : first + (last - first) * f;
    const bool whole = h != nullptr && h->type == DESCENT_HPARAM_INT;
    points.push_back(format_number(whole ? std::round(x) : x));
  }
  return points;
}

void set_range(SweepDimension& d, const SpecText& t,
               const std::vector<std::string>& args,
               const descent_hparam_desc* h) {
  const bool log = d.kind == SweepDimension::Kind::loguniform;
  if (args.size() == 1 && args[0].empty()) {
    if (!numeric(h)) bad(t, "explicit bounds: " + t.key + " declares none");
    d.low = h->min_value;
    d.high = h->max_value;
    // A log range cannot start at 0: take six decades below the top.
    if (log && d.low <= 0) d.low = d.high * 1e-6;
  } else {
    if (args.size() != 2)
      bad(t, log ? "loguniform(low, high)" : "uniform(low, high)");
    d.low = number(t, args[0]);
    d.high = number(t, args[1]);
  }
  if (!(d.low < d.high)) bad(t, "low < high");
  if (log && d.low <= 0) bad(t, "a positive low end for loguniform");
  if (numeric(h) && (d.low < h->min_value || d.high > h->max_value))
    bad(t, "a range inside the declared bounds " +
               sdk::interval_text(h->min_value, h->max_value) + " of " + t.key);
  d.integer = h != nullptr && h->type == DESCENT_HPARAM_INT;
}

// Grid points and listed values must lie inside the declared bounds, so the
// error names the sweep key, not a trial.
void check_points(const SpecText& t, const std::vector<std::string>& points,
                  const descent_hparam_desc* h) {
  if (!numeric(h)) return;
  for (const std::string& p : points) {
    const double x = number(t, p);
    if (x < h->min_value || x > h->max_value)
      bad(t, "values inside the declared bounds " +
                 sdk::interval_text(h->min_value, h->max_value) + " of " +
                 t.key + ", got " + p);
  }
}

SweepDimension parse_dimension(const SpecText& t, const Experiment& base,
                               bool& random) {
  SweepDimension d;
  d.key = t.key;
  const descent_hparam_desc* h = declared(t.key, base);
  const auto open = t.value.find('(');
  const std::string head = trim(t.value.substr(0, open));
  const bool call = open != std::string::npos && t.value.back() == ')';
  if (!call) {
    d.values = split_commas(t.value);
    for (const std::string& v : d.values)
      if (v.empty()) bad(t, "a comma-separated list of values");
    check_points(t, d.values, h);
    return d;
  }
  const auto args =
      split_commas(t.value.substr(open + 1, t.value.size() - open - 2));
  if (head == "grid") {
    d.values = grid_points(t, args, h);
    check_points(t, d.values, h);
  } else if (head == "choice") {
    d.values = args;
    check_points(t, d.values, h);
    random = true;
  } else if (head == "uniform" || head == "loguniform") {
    d.kind = head == "uniform" ? SweepDimension::Kind::uniform
                               : SweepDimension::Kind::loguniform;
    set_range(d, t, args, h);
    random = true;
  } else {
    bad(t,
        "grid(...), uniform(...), loguniform(...), choice(...) or a "
        "list a, b, c");
  }
  return d;
}

std::string default_metric(const Experiment& base) {
  return base.analytic() ? "loss" : "test_loss";
}

std::string sample(const SweepDimension& d, sdk::RandomStream& stream) {
  if (d.kind == SweepDimension::Kind::list)
    return d.values[stream.below(d.values.size())];
  const double u = stream.uniform();
  double x = d.kind == SweepDimension::Kind::uniform
                 ? d.low + (d.high - d.low) * u
                 : std::exp(std::log(d.low) +
                            (std::log(d.high) - std::log(d.low)) * u);
  if (d.integer) x = std::clamp(std::round(x), d.low, d.high);
  return format_number(x);
}

}  // namespace

std::uint64_t repeat_seed(std::uint64_t experiment_seed, std::uint64_t r) {
  if (r == 0) return experiment_seed;
  return sdk::RandomStream{experiment_seed, kSeedPurpose, r}.next_u64();
}

SweepSpec parse_sweep(Settings& settings, const Experiment& base,
                      const Registry& /*registry*/) {
  SweepSpec spec;
  spec.metric = default_metric(base);
  std::vector<std::pair<std::string, std::string>> options;
  for (auto& [key, value] : settings.take_prefix("sweep.")) {
    const std::string inner = key.substr(6);
    if (inner.find('.') == std::string::npos) {
      options.emplace_back(key, value);
      continue;
    }
    const SpecText text{inner, trim(value), settings.where(key)};
    spec.dimensions.push_back(parse_dimension(text, base, spec.random));
  }
  // The sweep's own options, each still named where it was given (the
  // file or the command line) in errors.
  Settings own = Settings::from_pairs({}, settings.file().string());
  for (auto& [key, value] : options)
    own.set(key, std::move(value), settings.origin(key));
  spec.trials = static_cast<std::uint64_t>(
      own.integer("sweep.trials", spec.random ? 16 : 0, 0, 1'000'000));
  spec.repeats =
      static_cast<std::uint64_t>(own.integer("sweep.repeats", 1, 1, 10'000));
  spec.then_best_seeds = static_cast<std::uint64_t>(
      own.integer("sweep.then_best_seeds", 0, 0, 10'000));
  const std::array<std::string_view, 4> metrics{"test_loss", "train_loss",
                                                "test_accuracy", "loss"};
  spec.metric = own.choice("sweep.metric", spec.metric, metrics);
  spec.maximize = spec.metric == "test_accuracy";
  own.reject_unread(std::vector<std::string>{
      "sweep.trials", "sweep.repeats", "sweep.then_best_seeds", "sweep.metric",
      "sweep.<section>.<key>"});
  if (spec.dimensions.empty())
    throw InputError(settings.file().string() +
                     ": [sweep] names no key to vary, e.g. optimizer.lr = "
                     "grid(1e-4, 1, 9, log)");
  if (spec.random && spec.trials == 0)
    throw InputError(own.where("sweep.trials") +
                     ": expected a positive number of trials for a random "
                     "search");
  if (!spec.random && spec.trials > 0) {  // would be silently ignored
    std::uint64_t points = 1;
    for (const SweepDimension& d : spec.dimensions) points *= d.values.size();
    throw InputError(own.where("sweep.trials") +
                     ": sweep.trials applies to a random search, but every "
                     "key of this sweep is a grid or a list (" +
                     std::to_string(points) +
                     " points, all run); remove it, or sample a key with "
                     "uniform(...) or loguniform(...)");
  }
  return spec;
}

std::vector<TrialPlan> plan_search(const SweepSpec& spec,
                                   const Experiment& base) {
  std::uint64_t configs = spec.random ? spec.trials : 1;
  if (!spec.random)
    for (const SweepDimension& d : spec.dimensions) configs *= d.values.size();
  std::vector<TrialPlan> plans;
  for (std::uint64_t c = 0; c < configs; ++c) {
    Assignment assignment;
    sdk::RandomStream stream{base.seed, kSamplePurpose, c};
    std::uint64_t rest = c;  // mixed-radix digits, last key fastest
    std::vector<std::string> values(spec.dimensions.size());
    for (std::size_t i = spec.dimensions.size(); i-- > 0;) {
      const SweepDimension& d = spec.dimensions[i];
      if (spec.random) continue;
      values[i] = d.values[rest % d.values.size()];
      rest /= d.values.size();
    }
    for (std::size_t i = 0; i < spec.dimensions.size(); ++i) {
      const SweepDimension& d = spec.dimensions[i];
      assignment.emplace_back(d.key,
                              spec.random ? sample(d, stream) : values[i]);
    }
    for (std::uint64_t r = 0; r < spec.repeats; ++r)
      plans.push_back({c * spec.repeats + r, c, r, false,
                       repeat_seed(base.seed, r), assignment});
  }
  return plans;
}

std::vector<TrialPlan> plan_best_seeds(const SweepSpec& spec,
                                       const Experiment& base,
                                       const TrialPlan& best,
                                       std::uint64_t first_id) {
  std::vector<TrialPlan> plans;
  for (std::uint64_t j = 0; j < spec.then_best_seeds; ++j) {
    const std::uint64_t r = spec.repeats + j;
    plans.push_back({first_id + j, best.config, r, true,
                     repeat_seed(base.seed, r), best.assignment});
  }
  return plans;
}

}  // namespace descent
