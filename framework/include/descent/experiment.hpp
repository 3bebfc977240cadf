// descent host — an experiment: the data, the three components with their
// hyperparameters, and the trainer settings, resolved from Settings against
// the plugins' descriptors. Every default is filled in, so the resolved
// settings written next to a run reproduce it as-is.
#pragma once

#include <descent/data.hpp>
#include <descent/instances.hpp>
#include <descent/registry.hpp>
#include <descent/schedule.hpp>
#include <descent/settings.hpp>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace descent {

struct ComponentChoice {
  const Component* component = nullptr;  // null: not used (e.g. loss of an
                                         // analytic objective)
  HParamValues hparams;
};

enum class DataSource { none, fashion_mnist, csv, linear, blobs };

struct DataSpec {
  DataSource source = DataSource::none;
  std::filesystem::path dir;    // fashion_mnist
  std::size_t train_limit = 0;  // fashion_mnist: 0 = all
  std::size_t test_limit = 0;
  std::filesystem::path path;  // csv
  CsvOptions csv;
  double test_fraction = 0.2;                       // csv and synthetic
  std::size_t rows = 0, features = 0, classes = 0;  // synthetic
  double noise = 0.0, spread = 0.0;
};

struct TrainerSpec {
  std::size_t batch_size = 0;  // 0 = full batch
  std::uint64_t epochs = 0;    // 0 = no epoch limit
  std::uint64_t steps = 0;     // 0 = no step limit
  double divergence_factor = 4.0;
  std::uint64_t log_every = 1;  // epochs between metrics rows
  // trainer.dtype: the precision of parameters, gradients, features and the
  // model's products; f32 needs a model with the ABI 1.1 float32 path.
  Precision dtype = Precision::f64;
};

struct Experiment {
  std::string name;
  std::uint64_t seed = 0;
  DataSpec data;
  ComponentChoice model, loss, optimizer;
  TrainerSpec trainer;
  ScheduleSpec schedule;
  // key -> resolved value, for config.ini
  std::vector<std::pair<std::string, std::string>> resolved;
  std::filesystem::path file;

  bool analytic() const {
    return (model.component->model->flags & DESCENT_MODEL_ANALYTIC) != 0;
  }
};

// Resolves `settings` into an experiment; throws InputError naming the file
// and key on any unknown key, bad value or missing plugin.
Experiment resolve_experiment(Settings& settings, const Registry& registry);

// Reads or generates the experiment's data (none for analytic objectives).
TrainTest load_data(const Experiment& experiment);

// The resolved settings whose keys start with one of `prefixes` ("data."
// for a section, "trainer.dtype" for one key), as "key=value" lines in
// resolution order: a cache key for what those settings determine.
std::string resolved_lines(const Experiment& experiment,
                           std::initializer_list<std::string_view> prefixes);

}  // namespace descent
