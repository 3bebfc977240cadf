// descent plot — the learning-rate range test: raw and smoothed loss
// against the rate on a log axis, the suggested rate marked.
#include "plot_internal.hpp"

#include <algorithm>
#include <cmath>

namespace descent::plot::detail {

namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};

// The test ends in a blow-up; showing all of it would flatten the part
// that matters, so the axis stops a little above the starting loss.
double y_top(const std::vector<Table>& curves) {
  double top = 0.0, highest = 0.0;
  for (const Table& t : curves) {
    const auto smoothed = t.values("smoothed_loss");
    if (!smoothed.empty() && std::isfinite(smoothed[0]))
      top = std::max(top, smoothed[0]);
    for (double v : t.values("loss"))
      if (std::isfinite(v)) highest = std::max(highest, v);
  }
  return std::min(highest, 1.5 * top);
}

}  // namespace

void lr_find_figure(const std::vector<fs::path>& dirs,
                    const PlotOptions& options, Figure& figure) {
  std::vector<Ini> configs;
  std::vector<Table> curves;
  for (const fs::path& dir : dirs) {
    configs.push_back(
        fs::exists(dir / "config.ini") ? read_ini(dir / "config.ini") : Ini{});
    curves.push_back(read_table(dir / "lr_find.csv"));
  }
  const auto labels = distinguishing_labels(configs, dirs);
  style(figure);
  std::ostringstream& s = figure.script;
  const std::string title =
      !options.title.empty()
          ? options.title
          : experiment_names(configs) + ": learning-rate range test";
  s << "set title " << quote(title) << "\nset logscale x\n"
    << "set xlabel 'learning rate (log scale)'\nset ylabel 'loss'\n"
    << "set yrange [*:" << num(y_top(curves)) << "]\nset key top left\n";
  std::string clauses;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    const int curve = figure.block(labels[i], "step lr loss smoothed_loss");
    const auto step = curves[i].values("step"), lr = curves[i].values("lr"),
               loss = curves[i].values("loss"),
               smooth = curves[i].values("smoothed_loss");
    for (std::size_t r = 0; r < step.size(); ++r)
      figure.row({step[r], lr[r], loss[r], smooth[r]});
    const std::string c = std::string("lc rgb '") + kColors[i % 4] + "'";
    const std::string name = dirs.size() > 1 ? labels[i] + ": " : "";
    clauses += std::string(i ? ", \\\n     " : "") + quote(figure.data_name) +
               " index " + std::to_string(curve) +
               " using 2:3 with lines lw 1 " + c + " dt 3 title " +
               quote(name + "loss of each batch") + ", \\\n     '' index " +
               std::to_string(curve) + " using 2:4 with lines lw 2.5 " + c +
               " title " + quote(name + "smoothed loss");
    const auto summary = fs::exists(dirs[i] / "summary.json")
                             ? read_json(dirs[i] / "summary.json")
                             : nlohmann::json::object();
    const auto suggested = summary.value("suggested_lr", nlohmann::json());
    if (!suggested.is_number()) continue;
    const double lr_s = suggested.get<double>();
    const int mark = figure.block(labels[i] + ": suggested lr", "lr");
    figure.row({lr_s});
    s << "set arrow from " << num(lr_s) << ", graph 0 to " << num(lr_s)
      << ", graph 1 nohead dt 2 lw 2 " << c << "\n";
    clauses += ", \\\n     '' index " + std::to_string(mark) +
               " using 1:(NaN) with lines dt 2 lw 2 " + c + " title " +
               quote(name + "suggested lr = " + short_num(lr_s));
  }
  s << "plot " << clauses << "\n";
}

}  // namespace descent::plot::detail
