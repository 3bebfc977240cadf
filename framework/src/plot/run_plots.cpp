// descent plot — data runs: loss per epoch (or per optimizer step), and
// test accuracy in a second panel for classifiers.
#include "plot_internal.hpp"

#include <descent/errors.hpp>

#include <cmath>

namespace descent::plot::detail {

namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                               "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string color(std::size_t i) {
  return std::string("lc rgb '") + kColors[i % std::size(kColors)] + "'";
}

struct DataRun {
  Ini config;
  Table metrics;
  int block = 0;
};

bool has_values(const std::vector<double>& values) {
  for (double v : values)
    if (std::isfinite(v)) return true;
  return false;
}

// A run's columns as the figure plots them.
void add_block(Figure& figure, DataRun& run, const std::string& label) {
  run.block = figure.block(label,
                           "epoch steps train_loss test_loss "
                           "test_accuracy");
  const Table& m = run.metrics;
  const auto epoch = m.values("epoch"), steps = m.values("steps"),
             train = m.values("train_loss"), test = m.values("test_loss"),
             accuracy = m.values("test_accuracy");
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    figure.row({epoch[r], steps[r], train[r], test[r], accuracy[r]});
}

// The x column: epochs from 0, or optimizer steps on a log axis (step 0
// cannot be shown there).
std::string x_using(bool by_steps) { return by_steps ? "($2>0?$2:NaN)" : "1"; }

void loss_panel(Figure& figure, const std::vector<DataRun>& runs,
                const std::vector<std::string>& labels, bool by_steps) {
  std::vector<double> losses;
  for (const DataRun& r : runs)
    for (const char* name : {"train_loss", "test_loss"})
      for (double v : r.metrics.values(name)) losses.push_back(v);
  std::ostringstream& s = figure.script;
  s << (spans_decades(losses, 30.0) ? "set logscale y\n" : "unset logscale y\n")
    << "set ylabel 'loss'\nset key top right\n";
  const bool single = runs.size() == 1;
  s << "plot ";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string index = "index " + std::to_string(runs[i].block);
    const std::string x = x_using(by_steps);
    s << (i ? ", \\\n     " : "") << quote(figure.data_name) << " " << index
      << " using " << x << ":3 with lines lw 1.5 dt 2 " << color(i)
      << (single ? " title 'train loss'" : " notitle");
    if (has_values(runs[i].metrics.values("test_loss")))
      s << ", \\\n     '' " << index << " using " << x << ":4 with lines lw 2 "
        << color(i) << " title " << quote(single ? "test loss" : labels[i]);
  }
  s << "\n";
}

void accuracy_panel(Figure& figure, const std::vector<DataRun>& runs,
                    const std::vector<std::string>& labels, bool by_steps) {
  std::ostringstream& s = figure.script;
  s << "unset logscale y\nset ylabel 'test accuracy (fraction correct)'\n"
    << "set key bottom right\nplot ";
  for (std::size_t i = 0; i < runs.size(); ++i)
    s << (i ? ", \\\n     " : "") << quote(figure.data_name) << " index "
      << runs[i].block << " using " << x_using(by_steps)
      << ":5 with lines lw 2 " << color(i) << " title "
      << quote(runs.size() == 1 ? "test accuracy" : labels[i]);
  s << "\n";
}

}  // namespace

void data_runs_figure(const std::vector<fs::path>& dirs,
                      const PlotOptions& options, Figure& figure) {
  if (options.x_axis != "epoch" && options.x_axis != "steps")
    throw InputError("descent plot: --x " + options.x_axis +
                     ": expected epoch or steps");
  const bool by_steps = options.x_axis == "steps";
  std::vector<DataRun> runs;
  std::vector<Ini> configs;
  for (const fs::path& dir : dirs) {
    runs.push_back(
        {read_ini(dir / "config.ini"), read_table(dir / "metrics.csv"), 0});
    configs.push_back(runs.back().config);
  }
  const auto labels = distinguishing_labels(configs, dirs);
  for (std::size_t i = 0; i < runs.size(); ++i)
    add_block(figure, runs[i], labels[i]);

  bool accuracy = false;
  for (const DataRun& r : runs)
    accuracy = accuracy || has_values(r.metrics.values("test_accuracy"));
  const std::string title =
      !options.title.empty()
          ? options.title
          : experiment_names(configs) +
                (by_steps ? ": loss per optimizer step" : ": loss per epoch");
  style(figure);
  std::ostringstream& s = figure.script;
  s << (by_steps ? "set logscale x\nset xlabel 'optimizer steps (log scale)'\n"
                 : "set xlabel 'epoch (passes over the training set)'\n");
  if (runs.size() > 1)
    s << "set label 1 'dashed: train loss, solid: test loss' at graph 0.02, "
         "graph 0.04 font ',8'\n";
  if (accuracy) {
    figure.width = 1000;
    s << "set multiplot layout 1,2 title " << quote(title) << "\n";
  } else {
    s << "set title " << quote(title) << "\n";
  }
  loss_panel(figure, runs, labels, by_steps);
  if (accuracy) {
    s << "unset label 1\n";
    accuracy_panel(figure, runs, labels, by_steps);
    s << "unset multiplot\n";
  }
}

}  // namespace descent::plot::detail
