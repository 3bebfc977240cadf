// descent plot (internal) — reading run folders, the Figure that collects a
// gnuplot data file and script, and one builder per kind of figure.
#pragma once

#include <descent/plot.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace descent::plot::detail {

namespace fs = std::filesystem;

// ---- reading folders -------------------------------------------------------

// A numeric CSV file with a header; empty or unparsable cells are NaN.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;

  std::optional<std::size_t> column(std::string_view name) const;
  // The column's values (all NaN when the column is missing).
  std::vector<double> values(std::string_view name) const;
};
Table read_table(const fs::path& file);

// An INI file as "section.key" -> value pairs, in file order.
using Ini = std::vector<std::pair<std::string, std::string>>;
Ini read_ini(const fs::path& file);
std::string ini_value(const Ini& ini, std::string_view key,
                      std::string_view fallback = "");

nlohmann::json read_json(const fs::path& file);
// Whole lines only: a torn last line (a killed sweep) is dropped.
std::vector<nlohmann::json> read_jsonl(const fs::path& file);

// One legend label per folder: the config keys whose values differ between
// them ("adam, lr=0.01"); the folder names when nothing differs.
std::vector<std::string> distinguishing_labels(
    const std::vector<Ini>& configs, const std::vector<fs::path>& dirs);
// The experiment names, "a vs b" when they differ.
std::string experiment_names(const std::vector<Ini>& configs);

// ---- numbers and axes ------------------------------------------------------

// Shortest round-trip text; "NaN" for NaN and infinities (gnuplot skips it).
std::string num(double value);
// A label's number: 3 significant digits.
std::string short_num(double value);
// True when the positive finite values span at least `ratio`.
bool spans_decades(const std::vector<double>& values, double ratio = 100.0);
// The axis label of a swept key, with its unit.
std::string key_label(const std::string& key);
// A gnuplot single-quoted string literal.
std::string quote(std::string_view text);

// ---- the figure ------------------------------------------------------------

// A gnuplot data file (indexed blocks) and the commands that plot it.
class Figure {
 public:
  // Starts a data block; returns its gnuplot `index`.
  int block(const std::string& label, const std::string& columns);
  void row(const std::vector<double>& cells);
  // The blank line that ends one scan of a grid (splot's grid format).
  void blank_line();
  // The whole data file (ends the last block).
  const std::string& data();

  std::ostringstream script;  // commands after the terminal and output
  std::string data_name;      // the data file as the script names it
  int width = 800, height = 500;

 private:
  void close_block();

  std::string data_;
  int blocks_ = 0;
  std::size_t columns_ = 0, rows_ = 0;  // of the block being written
};

// The common style: grid, key, no enhanced text (names hold underscores).
void style(Figure& figure);

// ---- builders, one per kind of figure --------------------------------------

void data_runs_figure(const std::vector<fs::path>& dirs,
                      const PlotOptions& options, Figure& figure);
void analytic_runs_figure(const std::vector<fs::path>& dirs,
                          const PlotOptions& options, const Registry& registry,
                          Figure& figure);
void sweeps_figure(const std::vector<fs::path>& dirs,
                   const PlotOptions& options, Figure& figure);
void lr_find_figure(const std::vector<fs::path>& dirs,
                    const PlotOptions& options, Figure& figure);

// Writes DATA and SCRIPT next to `image` and runs gnuplot.
PlotFiles render(Figure& figure, const fs::path& image,
                 const std::string& gnuplot);

}  // namespace descent::plot::detail
