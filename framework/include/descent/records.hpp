// descent host — what a run leaves behind: RUN_DIR/config.ini (resolved,
// runnable as-is), metrics.csv (one line per epoch, appended and flushed so
// a killed run keeps its finished epochs), manifest.json (what ran) and
// summary.json (written last, atomically: temp file, fsync, rename).
#pragma once

#include <descent/experiment.hpp>
#include <descent/trainer.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace descent {

// Writes `content` to `file` so that readers see the old file or the whole
// new one, never a part: temp file in the same folder, fsync, rename.
void write_file_atomically(const std::filesystem::path& file,
                           const std::string& content);

// runs/<name>-<YYYYmmdd-HHMMSS>, with a -2, -3... suffix if taken.
std::filesystem::path default_run_dir(const std::filesystem::path& runs_root,
                                      const std::string& name);

class RunDirectory {
 public:
  // Creates the folder. A folder that already holds a run is refused with
  // an InputError, so nothing that was written is ever overwritten.
  explicit RunDirectory(std::filesystem::path dir);

  const std::filesystem::path& path() const { return dir_; }
  void write_config(const Experiment& experiment) const;
  void write_json(const std::string& name, const nlohmann::json& j) const;

 private:
  std::filesystem::path dir_;
};

// Appends one CSV line per epoch record and flushes it.
class MetricsCsv : public TrainingObserver {
 public:
  MetricsCsv(const std::filesystem::path& file, bool analytic,
             std::size_t n_params);
  void on_epoch(const EpochRecord& record) override;

 private:
  std::ofstream out_;
  std::filesystem::path file_;
  bool analytic_;
  std::size_t n_param_columns_;
};

// Parameters beyond this many are not written as metrics columns.
inline constexpr std::size_t kMaxParamColumns = 16;

nlohmann::json summary_json(const Experiment& experiment,
                            const RunResult& result, double seconds);

struct RunContext {
  std::vector<std::string> command_line;
  unsigned threads = 0;
};
nlohmann::json manifest_json(const Experiment& experiment,
                             const TrainTest& data, const RunContext& context);

// A plugin as a manifest lists it: name, kind, version, file, its SHA-256
// and ABI version.
nlohmann::json plugin_json(const Component& component);

// "nan"-free number text for CSV: shortest round-trip form, "" if NaN.
std::string csv_number(double value);

}  // namespace descent
