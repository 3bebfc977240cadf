// descent plot — analytic 2-D objectives: contours of f, evaluated through
// the model plugin (so any 2-D objective plugin works, not only the ones
// this file knows), with each run's trajectory p0, p1 on top, and the loss
// per step beside it.
#include "plot_internal.hpp"

#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/instances.hpp>
#include <descent/settings.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace descent::plot::detail {

namespace {

const char* const kColors[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e",
                               "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr int kGrid = 121;  // contour grid points per axis

struct Box {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
};

struct Trajectory {
  Ini config;
  Table metrics;
  int block = 0;
};

Trajectory read_trajectory(const fs::path& dir) {
  Trajectory t{read_ini(dir / "config.ini"), read_table(dir / "metrics.csv"),
               0};
  if (!t.metrics.column("p1") || t.metrics.column("p2"))
    throw InputError("descent plot: " + dir.string() +
                     ": a contour plot needs a 2-D objective (columns p0, p1 "
                     "only in metrics.csv)");
  return t;
}

// The region the trajectories visit, padded; points whose loss blew up
// (beyond 10x the largest starting loss) would only squash the picture.
Box trajectory_box(const std::vector<Trajectory>& runs) {
  double start = 0.0;
  for (const Trajectory& t : runs)
    if (!t.metrics.rows.empty())
      start = std::max(start, t.metrics.values("loss")[0]);
  Box b;
  for (const Trajectory& t : runs) {
    const auto loss = t.metrics.values("loss"), x = t.metrics.values("p0"),
               y = t.metrics.values("p1");
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
      if (std::isfinite(start) && loss[i] > 10.0 * start) continue;
      b = {std::min(b.x0, x[i]), std::max(b.x1, x[i]), std::min(b.y0, y[i]),
           std::max(b.y1, y[i])};
    }
  }
  if (!std::isfinite(b.x0)) b = {-1.0, 1.0, -1.0, 1.0};
  const double pad_x = std::max(0.15 * (b.x1 - b.x0), 0.1);
  const double pad_y = std::max(0.15 * (b.y1 - b.y0), 0.1);
  return {b.x0 - pad_x, b.x1 + pad_x, b.y0 - pad_y, b.y1 + pad_y};
}

// Writes f on a kGrid x kGrid grid (gnuplot's grid format: one blank line
// after each x); returns the smallest and largest finite value.
std::array<double, 2> add_objective_grid(Figure& figure, const fs::path& dir,
                                         const Box& box,
                                         const Registry& registry) {
  Settings settings = Settings::load(dir / "config.ini", {});
  const Experiment e = resolve_experiment(settings, registry);
  Model model(*e.model.component, e.model.hparams, 0, 1);
  if (model.param_count() != 2)
    throw InputError("descent plot: " + dir.string() + ": the objective has " +
                     std::to_string(model.param_count()) +
                     " parameters; a contour plot needs 2");
  figure.block("objective f(p0, p1) on a grid", "p0 p1 f");
  std::array<double, 2> range{INFINITY, -INFINITY};
  for (int i = 0; i < kGrid; ++i) {
    const double x = box.x0 + (box.x1 - box.x0) * i / (kGrid - 1);
    for (int j = 0; j < kGrid; ++j) {
      const double p[2] = {x, box.y0 + (box.y1 - box.y0) * j / (kGrid - 1)};
      double f = NAN;
      model.forward(p, nullptr, 1, &f);
      figure.row({p[0], p[1], f});
      if (std::isfinite(f))
        range = {std::min(range[0], f), std::max(range[1], f)};
    }
    figure.blank_line();
  }
  return range;
}

// Levels 10^-0.75 apart down from the top: a valley and its walls both show.
std::string contour_levels(std::array<double, 2> range) {
  const double span = range[1] - range[0];
  std::string levels;
  for (int k = 1; k <= 10; ++k)
    levels +=
        (k > 1 ? "," : "") + num(range[0] + span * std::pow(10.0, -0.75 * k));
  return levels;
}

void trajectories_panel(Figure& figure, const std::vector<Trajectory>& runs,
                        const std::vector<std::string>& labels,
                        const Box& box) {
  std::ostringstream& s = figure.script;
  s << "set xlabel 'p0 (x)'\nset ylabel 'p1 (y)'\n"
    << "set xrange [" << num(box.x0) << ":" << num(box.x1) << "]\n"
    << "set yrange [" << num(box.y0) << ":" << num(box.y1) << "]\n"
    << "set key below\nset bmargin 8\n"
    << "plot $contours using 1:2 with lines lw 0.6 lc rgb '#b0b0b0' title "
       "'contours of f'";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string c = std::string("lc rgb '") + kColors[i % 8] + "'";
    const std::string index = " index " + std::to_string(runs[i].block);
    const std::size_t last = runs[i].metrics.rows.size() - 1;
    s << ", \\\n     " << quote(figure.data_name) << index
      << " using 3:4 with linespoints lw 1.5 pt 7 ps 0.3 " << c << " title "
      << quote(labels[i]) << ", \\\n     ''" << index << " every ::" << last
      << "::" << last << " using 3:4 with points pt 9 ps 1.8 " << c
      << " notitle";
  }
  s << ", \\\n     " << quote(figure.data_name) << " index " << runs[0].block
    << " every ::0::0 using 3:4 with points pt 4 ps 2 lw 2 lc rgb 'black' "
       "title 'start'\n";
}

void loss_panel(Figure& figure, const std::vector<Trajectory>& runs,
                const std::vector<std::string>& labels) {
  std::ostringstream& s = figure.script;
  s << "set autoscale x\nset autoscale y\nset logscale y\n"
    << "set xlabel 'optimizer step'\nset ylabel 'loss f(p) (log scale)'\n"
    << "plot ";
  for (std::size_t i = 0; i < runs.size(); ++i)
    s << (i ? ", \\\n     " : "") << quote(figure.data_name) << " index "
      << runs[i].block << " using 1:($2>0?$2:NaN) with lines lw 2 lc rgb '"
      << kColors[i % 8] << "' title " << quote(labels[i]);
  s << "\n";
}

}  // namespace

void analytic_runs_figure(const std::vector<fs::path>& dirs,
                          const PlotOptions& options, const Registry& registry,
                          Figure& figure) {
  std::vector<Trajectory> runs;
  std::vector<Ini> configs;
  for (const fs::path& dir : dirs) {
    runs.push_back(read_trajectory(dir));
    configs.push_back(runs.back().config);
    if (ini_value(configs.back(), "model.name") !=
        ini_value(configs.front(), "model.name"))
      throw InputError("descent plot: " + dir.string() +
                       ": a different objective (model.name) than " +
                       dirs.front().string() + "; they cannot share contours");
  }
  const Box box = trajectory_box(runs);
  // The contours are those of the first run's objective.
  const auto range = add_objective_grid(figure, dirs.front(), box, registry);
  const auto labels = distinguishing_labels(configs, dirs);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i].block = figure.block(labels[i], "step loss p0 p1");
    const auto step = runs[i].metrics.values("step"),
               loss = runs[i].metrics.values("loss"),
               p0 = runs[i].metrics.values("p0"),
               p1 = runs[i].metrics.values("p1");
    for (std::size_t r = 0; r < step.size(); ++r)
      figure.row({step[r], loss[r], p0[r], p1[r]});
    if (runs[i].metrics.rows.empty())
      throw InputError("descent plot: " + dirs[i].string() +
                       ": metrics.csv has no rows");
  }
  const std::string title =
      !options.title.empty()
          ? options.title
          : experiment_names(configs) + ": trajectories on the " +
                ini_value(configs.front(), "model.name") + " objective";
  figure.width = 1000;
  figure.height = 560;  // room for the keys below the panels
  style(figure);
  figure.script << "set view map\nset contour base\nunset surface\n"
                << "set cntrparam levels discrete " << contour_levels(range)
                << "\nset table $contours\nsplot " << quote(figure.data_name)
                << " index 0 using 1:2:3 with lines notitle\nunset table\n"
                << "unset contour\nset multiplot layout 1,2 title "
                << quote(title) << "\n";
  trajectories_panel(figure, runs, labels, box);
  loss_panel(figure, runs, labels);
  figure.script << "unset multiplot\n";
}

}  // namespace descent::plot::detail
