#include <descent/errors.hpp>
#include <descent/experiment.hpp>

#include <array>
#include <string_view>

namespace descent {
namespace {

constexpr std::string_view kSources[] = {"none", "fashion_mnist", "csv",
                                         "linear", "blobs"};
constexpr std::int64_t kMaxCount = 1'000'000'000'000LL;

std::string key_of(descent_kind kind, const char* name) {
  return std::string(kind_name(kind)) + "." + name;
}

// Reads every declared hyperparameter of `component` from `settings` under
// "<kind>.<name>", checking it against the declared type and bounds.
HParamValues resolve_hparams(Settings& settings, const Component& component) {
  HParamValues out = default_hparams(*component.descriptor);
  const descent_descriptor& d = *component.descriptor;
  for (std::uint32_t i = 0; i < d.hparam_count; ++i) {
    const descent_hparam_desc& h = d.hparams[i];
    const std::string key = key_of(component.kind, h.name);
    descent_hparam_value& v = out.values[i];
    switch (h.type) {
      case DESCENT_HPARAM_REAL:
        v.number =
            settings.real(key, h.default_value, h.min_value, h.max_value);
        break;
      case DESCENT_HPARAM_INT:
        v.number = static_cast<double>(
            settings.integer(key, static_cast<std::int64_t>(h.default_value),
                             static_cast<std::int64_t>(h.min_value),
                             static_cast<std::int64_t>(h.max_value)));
        break;
      case DESCENT_HPARAM_BOOL:
        v.number = settings.flag(key, h.default_value != 0.0) ? 1.0 : 0.0;
        break;
      case DESCENT_HPARAM_CHOICE: {
        std::vector<std::string_view> names(h.choices,
                                            h.choices + h.choice_count);
        const std::string picked = settings.choice(
            key, names[static_cast<std::size_t>(h.default_value)], names);
        for (std::size_t c = 0; c < names.size(); ++c)
          if (names[c] == picked) v.number = static_cast<double>(c);
        break;
      }
      case DESCENT_HPARAM_TEXT:
        out.texts[i] = settings.text(key, h.default_text);
        v.text = out.texts[i].c_str();
        break;
    }
  }
  out.bind();
  return out;
}

ComponentChoice choose(Settings& settings, const Registry& registry,
                       descent_kind kind) {
  const std::string key = std::string(kind_name(kind)) + ".name";
  const std::string name = settings.required_text(key);
  const Component* c = registry.find(kind, name);
  if (c == nullptr) {
    try {
      registry.require(kind, name);
    } catch (const InputError& e) {
      throw InputError(settings.where(key) + ": " + e.what());
    }
  }
  return {c, resolve_hparams(settings, *c)};
}

DataSpec resolve_data(Settings& s) {
  DataSpec d;
  const std::string source = s.choice("data.source", "none", kSources);
  if (source == "fashion_mnist") {
    d.source = DataSource::fashion_mnist;
    d.dir = s.path("data.dir", "/usr/share/datasets/fashion-mnist");
    d.train_limit =
        static_cast<std::size_t>(s.integer("data.train_limit", 0, 0, 60000));
    d.test_limit =
        static_cast<std::size_t>(s.integer("data.test_limit", 0, 0, 10000));
    return d;
  }
  if (source == "none") return d;
  d.test_fraction = s.real("data.test_fraction", 0.2, 0.01, 0.9);
  if (source == "csv") {
    d.source = DataSource::csv;
    if (!s.has("data.path")) s.required_text("data.path");  // throws
    d.path = s.path("data.path", "");
    const std::string target = s.text("data.target", "last");
    if (target != "last") {
      if (!target.empty() &&
          target.find_first_not_of("0123456789") == std::string::npos)
        d.csv.target_index = std::stoul(target);
      else
        d.csv.target_name = target;
    }
    d.csv.classification = s.flag("data.classification", false);
    const std::array<std::string_view, 3> headers{"auto", "yes", "no"};
    const std::string header = s.choice("data.header", "auto", headers);
    d.csv.header = header == "yes"  ? CsvHeader::present
                   : header == "no" ? CsvHeader::absent
                                    : CsvHeader::autodetect;
    return d;
  }
  d.rows =
      static_cast<std::size_t>(s.integer("data.rows", 1000, 2, 10'000'000));
  d.features =
      static_cast<std::size_t>(s.integer("data.features", 10, 1, 100'000));
  if (source == "linear") {
    d.source = DataSource::linear;
    d.noise = s.real("data.noise", 0.1, 0.0, 1e6);
  } else {
    d.source = DataSource::blobs;
    d.classes =
        static_cast<std::size_t>(s.integer("data.classes", 3, 2, 10'000));
    d.spread = s.real("data.spread", 1.0, 0.0, 1e6);
  }
  return d;
}

TrainerSpec resolve_trainer(Settings& s, bool analytic) {
  TrainerSpec t;
  if (analytic) {
    // One step is one epoch: the objective is its own whole "data set".
    t.steps = static_cast<std::uint64_t>(
        s.integer("trainer.steps", 1000, 1, kMaxCount));
    t.epochs = t.steps;
  } else {
    const std::string batch = s.text("trainer.batch_size", "32");
    if (batch != "full") {
      try {
        s.record("trainer.batch_size", batch);
        std::size_t used = 0;
        const long long b = std::stoll(batch, &used);
        if (used != batch.size() || b < 1) throw std::invalid_argument("");
        t.batch_size = static_cast<std::size_t>(b);
      } catch (const std::exception&) {
        throw InputError(s.where("trainer.batch_size") +
                         ": expected 'full' or a positive integer");
      }
    }
    t.epochs = static_cast<std::uint64_t>(
        s.integer("trainer.epochs", 10, 0, kMaxCount));
    t.steps =
        static_cast<std::uint64_t>(s.integer("trainer.steps", 0, 0, kMaxCount));
    if (t.epochs == 0 && t.steps == 0)
      throw InputError(s.where("trainer.epochs") +
                       ": expected a budget: trainer.epochs or trainer.steps "
                       "must be positive");
  }
  // Analytic objectives are double only: an f32 there is a mistake.
  static constexpr std::string_view kDtypes[] = {"f64", "f32"};
  static constexpr std::string_view kAnalyticDtypes[] = {"f64"};
  t.dtype =
      s.choice("trainer.dtype", "f64",
               analytic ? std::span<const std::string_view>(kAnalyticDtypes)
                        : std::span<const std::string_view>(kDtypes)) == "f32"
          ? Precision::f32
          : Precision::f64;
  t.divergence_factor = s.real("trainer.divergence_factor", 4.0, 1.0, 1e300);
  t.log_every = static_cast<std::uint64_t>(
      s.integer("trainer.log_every", analytic ? 10 : 1, 1, kMaxCount));
  return t;
}

std::vector<std::string> known_keys(const Experiment& e) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : e.resolved) keys.push_back(key);
  return keys;
}

}  // namespace

Experiment resolve_experiment(Settings& settings, const Registry& registry) {
  Experiment e;
  e.file = settings.file();
  e.name = settings.text("experiment.name", e.file.stem().string());
  e.seed = settings.seed("experiment.seed", 0);
  e.model = choose(settings, registry, DESCENT_KIND_MODEL);
  const bool analytic = e.analytic();
  if (!analytic) e.loss = choose(settings, registry, DESCENT_KIND_LOSS);
  e.optimizer = choose(settings, registry, DESCENT_KIND_OPTIMIZER);
  e.data = resolve_data(settings);
  e.trainer = resolve_trainer(settings, analytic);
  e.schedule = resolve_schedule(settings);
  e.resolved = settings.resolved();
  if (analytic && e.data.source != DataSource::none)
    throw InputError(settings.where("data.source") + ": model '" +
                     std::string(e.model.component->name()) +
                     "' is an analytic objective; expected none");
  if (!analytic && e.data.source == DataSource::none)
    throw InputError(settings.where("model.name") +
                     ": model needs data; "
                     "set data.source to fashion_mnist, csv, linear or blobs");
  settings.reject_unread(known_keys(e));
  return e;
}

namespace {

// Data is generated and split in double, then stored as the trainer wants
// (Fashion-MNIST's bytes serve either precision as they are).
TrainTest in_precision(TrainTest data, Precision precision) {
  if (precision == Precision::f32) {
    store_features_as_f32(data.train);
    store_features_as_f32(data.test);
  }
  return data;
}

}  // namespace

TrainTest load_data(const Experiment& e) {
  const DataSpec& d = e.data;
  switch (d.source) {
    case DataSource::fashion_mnist:
      return load_fashion_mnist(d.dir, d.train_limit, d.test_limit);
    case DataSource::csv:
      return in_precision(
          split(read_csv(d.path, d.csv), d.test_fraction, e.seed),
          e.trainer.dtype);
    case DataSource::linear:
      return in_precision(
          split(make_linear_regression(d.rows, d.features, d.noise, e.seed),
                d.test_fraction, e.seed),
          e.trainer.dtype);
    case DataSource::blobs:
      return in_precision(
          split(make_blobs(d.rows, d.features, d.classes, d.spread, e.seed),
                d.test_fraction, e.seed),
          e.trainer.dtype);
    case DataSource::none:
      break;
  }
  return {};
}

}  // namespace descent

namespace descent {

std::string resolved_lines(const Experiment& e,
                           std::initializer_list<std::string_view> prefixes) {
  std::string lines;
  for (const auto& [key, value] : e.resolved)
    for (std::string_view prefix : prefixes)
      if (key.starts_with(prefix)) {
        lines += key + "=" + value + "\n";
        break;
      }
  return lines;
}

}  // namespace descent
