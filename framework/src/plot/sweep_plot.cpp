// descent plot — sweeps: the final metric against the swept value (mean
// and spread over repeats, diverged trials drawn at the top, the best
// circled); a heat map for a two-key grid; a scatter for a two-key random
// search; several sweeps side by side (which points each tried, what each
// got), the picture of Bergstra & Bengio's grid-vs-random argument.
#include "plot_internal.hpp"

#include <descent/errors.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace descent::plot::detail {

namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};
const int kMarkers[] = {5, 7, 9, 13};  // square, circle, triangle, diamond
const std::set<std::string> kSweepSettings = {"trials", "repeats",
                                              "then_best_seeds", "metric"};

// How one swept key maps onto an axis: numbers as they are (log when they
// span decades), anything else (optimizer names, "full") as categories.
struct Axis {
  std::string key;
  bool categorical = false;
  bool log = false;
  std::vector<std::string> categories;

  double coordinate(const nlohmann::json& value) const {
    if (!categorical) return value.get<double>();
    const std::string text =
        value.is_string() ? value.get<std::string>() : value.dump();
    const auto it = std::find(categories.begin(), categories.end(), text);
    return static_cast<double>(it - categories.begin());
  }
};

struct Trial {
  std::uint64_t config = 0;
  std::vector<double> at;  // one coordinate per axis
  double metric = NAN;     // NaN unless ok
  bool ok = false;
};

struct Config {
  std::vector<double> at;
  std::vector<double> values;  // the metric of its ok trials
  double mean = NAN, std = 0.0;
};

struct Sweep {
  fs::path dir;
  Ini config;
  std::string metric;
  bool maximize = false;
  std::vector<std::string> keys;
  std::vector<nlohmann::json> records;  // search trials
  std::optional<std::uint64_t> best;    // configuration
};

// The swept keys in the order the [sweep] section gave them.
std::vector<std::string> swept_keys(const fs::path& dir,
                                    const std::vector<nlohmann::json>& recs) {
  std::vector<std::string> keys;
  if (fs::exists(dir / "experiment.ini"))
    for (const auto& [key, value] : read_ini(dir / "experiment.ini"))
      if (key.rfind("sweep.", 0) == 0 && !kSweepSettings.count(key.substr(6)))
        keys.push_back(key.substr(6));
  for (const auto& r : recs)
    for (const auto& [key, value] : r.at("params").items())
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        keys.push_back(key);
  return keys;
}

Sweep read_sweep(const fs::path& dir) {
  Sweep s{dir, {}, "", false, {}, {}, std::nullopt};
  if (fs::exists(dir / "config.ini")) s.config = read_ini(dir / "config.ini");
  for (auto& r : read_jsonl(dir / "trials.jsonl"))
    if (r.value("phase", "search") == "search" && r.contains("params"))
      s.records.push_back(std::move(r));
  if (s.records.empty())
    throw InputError("descent plot: " + dir.string() +
                     ": the sweep has no finished trials yet");
  const auto summary = fs::exists(dir / "summary.json")
                           ? read_json(dir / "summary.json")
                           : nlohmann::json::object();
  const auto info = fs::exists(dir / "sweep.json")
                        ? read_json(dir / "sweep.json")
                        : nlohmann::json::object();
  s.metric = summary.value("metric", info.value("metric", "test_loss"));
  s.maximize =
      summary.value("goal", s.metric == "test_accuracy" ? "max" : "min") ==
      "max";
  if (summary.contains("best") && summary["best"].is_object())
    s.best = summary["best"].at("config").get<std::uint64_t>();
  s.keys = swept_keys(dir, s.records);
  return s;
}

std::vector<Axis> make_axes(const std::vector<Sweep>& sweeps) {
  std::vector<Axis> axes;
  for (const std::string& key : sweeps.front().keys) {
    Axis axis{key, false, false, {}};
    std::vector<double> numbers;
    for (const Sweep& s : sweeps)
      for (const auto& r : s.records) {
        const auto& v = r.at("params").value(key, nlohmann::json());
        if (v.is_number()) {
          numbers.push_back(v.get<double>());
          continue;
        }
        axis.categorical = true;
        const std::string text =
            v.is_string() ? v.get<std::string>() : v.dump();
        if (std::find(axis.categories.begin(), axis.categories.end(), text) ==
            axis.categories.end())
          axis.categories.push_back(text);
      }
    axis.log = !axis.categorical && spans_decades(numbers, 100.0);
    axes.push_back(axis);
  }
  return axes;
}

std::vector<Trial> trials_of(const Sweep& s, const std::vector<Axis>& axes) {
  std::vector<Trial> trials;
  for (const auto& r : s.records) {
    Trial t;
    t.config = r.value("config", std::uint64_t{0});
    for (const Axis& a : axes)
      t.at.push_back(a.coordinate(r.at("params").at(a.key)));
    const auto& final = r.value("final", nlohmann::json::object());
    t.ok = r.value("status", "") == "ok" && final.contains(s.metric) &&
           final[s.metric].is_number();
    if (t.ok) t.metric = final[s.metric].get<double>();
    trials.push_back(t);
  }
  return trials;
}

// Mean and sample standard deviation over each configuration's repeats.
std::map<std::uint64_t, Config> configs_of(const std::vector<Trial>& trials) {
  std::map<std::uint64_t, Config> configs;
  for (const Trial& t : trials) {
    Config& c = configs[t.config];
    c.at = t.at;
    if (t.ok) c.values.push_back(t.metric);
  }
  for (auto& [id, c] : configs) {
    if (c.values.empty()) continue;
    double sum = 0.0, sq = 0.0;
    for (double v : c.values) sum += v;
    c.mean = sum / static_cast<double>(c.values.size());
    for (double v : c.values) sq += (v - c.mean) * (v - c.mean);
    if (c.values.size() > 1)
      c.std = std::sqrt(sq / static_cast<double>(c.values.size() - 1));
  }
  return configs;
}

std::string metric_label(const std::string& metric) {
  std::string words = metric;
  std::replace(words.begin(), words.end(), '_', ' ');
  return "final " + words +
         (metric == "test_accuracy" ? " (fraction correct)" : "");
}

void axis_commands(std::ostringstream& s, const Axis& a, const char* name) {
  s << "set " << name << "label " << quote(key_label(a.key)) << "\n"
    << (a.log ? "set logscale " : "unset logscale ") << name << "\n";
  if (!a.categorical) return;
  s << "set " << name << "tics (";
  for (std::size_t i = 0; i < a.categories.size(); ++i)
    s << (i ? ", " : "") << quote(a.categories[i]) << " " << i;
  s << ")\nset " << name
    << "range [-0.5:" << static_cast<double>(a.categories.size()) - 0.5
    << "]\n";
}

// Where diverged trials are drawn: just above the best-to-worst range.
double top_of(const std::vector<double>& values, bool log) {
  double low = INFINITY, high = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  if (!std::isfinite(high)) return 1.0;
  if (log) return high * 3.0;
  return high + std::max(0.1 * (high - low), 0.05 * std::fabs(high) + 1e-12);
}

// ---- one key: metric against the swept value -------------------------------

struct SeriesBlocks {
  int trials = -1, configs = -1, diverged = -1, best = -1;
};

SeriesBlocks add_series(Figure& figure, const Sweep& s,
                        const std::vector<Trial>& trials, std::size_t axis,
                        double top, const std::string& label) {
  SeriesBlocks b;
  const auto configs = configs_of(trials);
  b.trials = figure.block(label + ": ok trials", "x metric");
  for (const Trial& t : trials)
    if (t.ok) figure.row({t.at[axis], t.metric});
  b.configs = figure.block(label + ": per configuration", "x mean std n_ok");
  for (const auto& [id, c] : configs)
    if (!c.values.empty())
      figure.row(
          {c.at[axis], c.mean, c.std, static_cast<double>(c.values.size())});
  b.diverged =
      figure.block(label + ": diverged or failed trials", "x drawn_at");
  for (const Trial& t : trials)
    if (!t.ok) figure.row({t.at[axis], top});
  if (s.best && configs.count(*s.best)) {
    b.best = figure.block(label + ": best configuration", "x mean");
    figure.row({configs.at(*s.best).at[axis], configs.at(*s.best).mean});
  }
  return b;
}

bool has_repeats(const std::vector<Trial>& trials) {
  std::set<std::uint64_t> configs;
  for (const Trial& t : trials) configs.insert(t.config);
  return configs.size() < trials.size();
}

std::size_t distinct_values(const std::vector<Trial>& trials, std::size_t a) {
  std::set<double> values;
  for (const Trial& t : trials) values.insert(t.at[a]);
  return values.size();
}

void plot_series(Figure& figure, const SeriesBlocks& b, std::size_t i,
                 bool repeats, bool several, const std::string& label,
                 std::string& clauses) {
  const std::string data = quote(figure.data_name);
  const std::string c = std::string("lc rgb '") + kColors[i % 4] + "'";
  const std::string pt = " pt " + std::to_string(kMarkers[i % 4]);
  auto add = [&](const std::string& clause) {
    clauses += (clauses.empty() ? "" : ", \\\n     ") + clause;
  };
  const std::string name = several ? label + ": " : "";
  if (repeats) {
    add(data + " index " + std::to_string(b.trials) + " using 1:2 with points" +
        pt + " ps 0.6 " + c + " title " + quote(name + "each seed"));
    add("'' index " + std::to_string(b.configs) +
        " using 1:2:3 with yerrorlines lw 2" + pt + " ps 1 " + c + " title " +
        quote(name + "mean +/- std over seeds"));
  } else {
    add(data + " index " + std::to_string(b.configs) + " using 1:2 with " +
        (several ? "points" : "linespoints lw 2") + pt + " ps 1.2 " + c +
        " title " + quote(several ? label : "trials"));
  }
  // Markers every series shares are explained once, by the first.
  auto shared_title = [i](const std::string& text) {
    return i == 0 ? " title " + quote(text) : std::string(" notitle");
  };
  add("'' index " + std::to_string(b.diverged) +
      " using 1:2 with points pt 2 ps 2 lw 2 " + c +
      shared_title("diverged (drawn at the top)"));
  if (b.best >= 0)
    add("'' index " + std::to_string(b.best) +
        " using 1:2 with points pt 6 ps 3.5 lw 2 lc rgb 'black'" +
        shared_title(several ? "best of each" : "best"));
}

void metric_panel(Figure& figure, const std::vector<Sweep>& sweeps,
                  const std::vector<std::vector<Trial>>& trials,
                  const std::vector<Axis>& axes,
                  const std::vector<std::string>& labels) {
  std::vector<double> values;
  bool repeats = false;
  for (const auto& ts : trials) {
    repeats = repeats || has_repeats(ts);
    for (const Trial& t : ts) values.push_back(t.metric);
  }
  const bool log_y =
      sweeps.front().metric != "test_accuracy" && spans_decades(values, 30.0);
  const double top = top_of(values, log_y);
  std::string clauses;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    std::string label = labels[i];
    if (sweeps.size() > 1)
      label += " (" + std::to_string(distinct_values(trials[i], 0)) + " " +
               axes[0].key.substr(axes[0].key.rfind('.') + 1) + " values)";
    const auto blocks = add_series(figure, sweeps[i], trials[i], 0, top, label);
    plot_series(figure, blocks, i, repeats, sweeps.size() > 1, label, clauses);
  }
  std::ostringstream& s = figure.script;
  axis_commands(s, axes[0], "x");
  s << "set ylabel " << quote(metric_label(sweeps.front().metric)) << "\n"
    << (log_y ? "set logscale y\n" : "unset logscale y\n")
    << (sweeps.size() > 1
            ? std::string("set key inside ") +
                  (sweeps.front().maximize ? "top" : "bottom") + " left\n"
            : std::string("set key inside ") +
                  (sweeps.front().maximize ? "bottom" : "top") + " right\n")
    << "plot " << clauses << "\n";
}

// ---- two keys: where the points are ----------------------------------------

// Cell edges around sorted distinct values: halfway to each neighbour
// (geometrically on a log axis), mirrored at the ends.
std::map<double, std::pair<double, double>> cell_edges(std::set<double> values,
                                                       bool log) {
  const std::vector<double> v(values.begin(), values.end());
  auto mid = [log](double a, double b) {
    return log ? std::sqrt(a * b) : 0.5 * (a + b);
  };
  auto mirror = [log](double edge, double at) {
    return log ? at * at / edge : 2.0 * at - edge;
  };
  std::map<double, std::pair<double, double>> edges;
  for (std::size_t i = 0; i < v.size(); ++i) {
    double lo = i > 0 ? mid(v[i - 1], v[i]) : NAN;
    double hi = i + 1 < v.size() ? mid(v[i], v[i + 1]) : NAN;
    if (v.size() == 1) {
      lo = log ? v[i] / 3.0 : v[i] - 0.5;
      hi = log ? v[i] * 3.0 : v[i] + 0.5;
    }
    if (std::isnan(lo)) lo = mirror(hi, v[i]);
    if (std::isnan(hi)) hi = mirror(lo, v[i]);
    edges[v[i]] = {lo, hi};
  }
  return edges;
}

// A full grid: every combination of the distinct values, once per config.
bool is_grid(const std::map<std::uint64_t, Config>& configs) {
  std::set<double> xs, ys;
  std::set<std::pair<double, double>> cells;
  for (const auto& [id, c] : configs) {
    xs.insert(c.at[0]);
    ys.insert(c.at[1]);
    cells.insert({c.at[0], c.at[1]});
  }
  return cells.size() == configs.size() &&
         cells.size() == xs.size() * ys.size();
}

void palette_commands(std::ostringstream& s, const Sweep& sweep,
                      const std::vector<double>& values) {
  // Good is green, bad is red, whichever way the metric points.
  s << "set palette defined (0 '" << (sweep.maximize ? "#d7191c" : "#1a9641")
    << "', 0.5 '#ffffbf', 1 '" << (sweep.maximize ? "#1a9641" : "#d7191c")
    << "')\nset cblabel " << quote(metric_label(sweep.metric)) << "\n"
    << (sweep.metric != "test_accuracy" && spans_decades(values, 30.0)
            ? "set logscale cb\n"
            : "unset logscale cb\n");
}

void heat_map(Figure& figure, const Sweep& sweep,
              const std::map<std::uint64_t, Config>& configs,
              const std::vector<Axis>& axes) {
  std::set<double> xs, ys;
  for (const auto& [id, c] : configs) xs.insert(c.at[0]), ys.insert(c.at[1]);
  const auto ex = cell_edges(xs, axes[0].log), ey = cell_edges(ys, axes[1].log);
  auto cell_row = [&](const Config& c, double value) {
    figure.row({c.at[0], c.at[1], ex.at(c.at[0]).first, ex.at(c.at[0]).second,
                ey.at(c.at[1]).first, ey.at(c.at[1]).second, value});
  };
  const std::string columns = "x y x_low x_high y_low y_high mean";
  const int ok = figure.block("cells: mean metric over seeds", columns);
  std::vector<double> values;
  for (const auto& [id, c] : configs)
    if (!c.values.empty()) cell_row(c, c.mean), values.push_back(c.mean);
  const int bad = figure.block("cells where every trial diverged", columns);
  for (const auto& [id, c] : configs)
    if (c.values.empty()) cell_row(c, NAN);
  std::ostringstream& s = figure.script;
  palette_commands(s, sweep, values);
  axis_commands(s, axes[0], "x");
  axis_commands(s, axes[1], "y");
  s << "set xrange [" << num(ex.begin()->second.first) << ":"
    << num(ex.rbegin()->second.second) << "]\nset yrange ["
    << num(ey.begin()->second.first) << ":" << num(ey.rbegin()->second.second)
    << "]\nunset key\nplot " << quote(figure.data_name) << " index " << ok
    << " using 1:2:3:4:5:6:7 with boxxyerror fs solid 1.0 border lc rgb "
       "'white' fc palette, \\\n     '' index "
    << ok << " using 1:2:(sprintf('%.3g', $7)) with labels font ',9', \\\n"
    << "     '' index " << bad << " using 1:2:3:4:5:6 with boxxyerror fs "
    << "solid 1.0 fc rgb '#606060', \\\n     '' index " << bad
    << " using 1:2:('diverged') with labels tc rgb 'white' font ',9'";
  if (sweep.best && configs.count(*sweep.best)) {
    const int best = figure.block("best cell", columns);
    cell_row(configs.at(*sweep.best), configs.at(*sweep.best).mean);
    s << ", \\\n     '' index " << best
      << " using 1:2:3:4:5:6 with boxxyerror fs empty border lc rgb 'black' "
         "lw 4";
  }
  s << "\n";
}

// The points each sweep tried, in the plane of its first two keys; one
// sweep: coloured by its metric.
void points_panel(Figure& figure, const std::vector<Sweep>& sweeps,
                  const std::vector<std::vector<Trial>>& trials,
                  const std::vector<Axis>& axes,
                  const std::vector<std::string>& labels) {
  std::ostringstream& s = figure.script;
  axis_commands(s, axes[0], "x");
  axis_commands(s, axes[1], "y");
  const bool single = sweeps.size() == 1;
  std::string clauses;
  std::vector<double> values;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    const int ok = figure.block(labels[i] + ": points tried", "x y metric");
    for (const Trial& t : trials[i])
      if (t.ok)
        figure.row({t.at[0], t.at[1], t.metric}), values.push_back(t.metric);
    const int bad = figure.block(labels[i] + ": diverged points", "x y");
    for (const Trial& t : trials[i])
      if (!t.ok) figure.row({t.at[0], t.at[1]});
    const std::string pt = " pt " + std::to_string(kMarkers[i % 4]);
    const std::string colour =
        single ? " lc palette"
               : std::string(" lc rgb '") + kColors[i % 4] + "'";
    clauses += std::string(i ? ", \\\n     " : "") + quote(figure.data_name) +
               " index " + std::to_string(ok) + " using 1:2" +
               (single ? ":3" : "") + " with points" + pt + " ps 1.8" + colour +
               " title " + quote(single ? "trials" : labels[i]) +
               ", \\\n     '' index " + std::to_string(bad) +
               " using 1:2 with points pt 2 ps 2 lw 2 lc rgb '#606060' " +
               (i == 0 ? "title 'diverged'" : "notitle");
  }
  if (single) palette_commands(s, sweeps.front(), values);
  s << "set key outside bottom center horizontal\nset bmargin 6\nplot "
    << clauses << "\nset bmargin\n";
}

void check_same_keys(const std::vector<Sweep>& sweeps) {
  for (const Sweep& s : sweeps)
    if (s.keys.empty() || s.keys.front() != sweeps.front().keys.front() ||
        s.keys.size() != sweeps.front().keys.size() ||
        s.metric != sweeps.front().metric)
      throw InputError("descent plot: " + s.dir.string() +
                       ": sweeps with different keys or metrics (" +
                       sweeps.front().dir.string() + ") cannot share a plot");
}

}  // namespace

void sweeps_figure(const std::vector<fs::path>& dirs,
                   const PlotOptions& options, Figure& figure) {
  std::vector<Sweep> sweeps;
  std::vector<Ini> configs;
  for (const fs::path& dir : dirs) {
    sweeps.push_back(read_sweep(dir));
    configs.push_back(sweeps.back().config);
  }
  check_same_keys(sweeps);
  const std::vector<Axis> axes = make_axes(sweeps);
  std::vector<std::vector<Trial>> trials;
  for (const Sweep& s : sweeps) trials.push_back(trials_of(s, axes));
  const auto labels = distinguishing_labels(configs, dirs);
  const std::string title = !options.title.empty()
                                ? options.title
                                : experiment_names(configs) + ": " +
                                      metric_label(sweeps[0].metric) + " by " +
                                      axes[0].key;
  style(figure);
  std::ostringstream& s = figure.script;
  const auto configs0 = configs_of(trials[0]);
  if (sweeps.size() == 1 && axes.size() == 2 && is_grid(configs0)) {
    s << "set title " << quote(title) << "\n";
    heat_map(figure, sweeps[0], configs0, axes);
  } else if (axes.size() >= 2) {
    figure.width = 1000;
    figure.height = 560;  // room for the keys below the panels
    s << "set multiplot layout 1,2 title " << quote(title) << "\n";
    points_panel(figure, sweeps, trials, axes, labels);
    s << "unset colorbox\nunset ytics\nset ytics\nunset yrange\n"
         "set autoscale y\nset autoscale x\nunset xtics\nset xtics\n";
    metric_panel(figure, sweeps, trials, axes, labels);
    s << "unset multiplot\n";
  } else {
    s << "set title " << quote(title) << "\n";
    metric_panel(figure, sweeps, trials, axes, labels);
  }
}

}  // namespace descent::plot::detail
