// descent plot — which figure a set of folders makes, and where it goes.
#include "plot_internal.hpp"

#include <descent/errors.hpp>

namespace descent::plot {

namespace fs = std::filesystem;

FolderKind folder_kind(const fs::path& dir) {
  if (!fs::is_directory(dir))
    throw InputError("descent plot: " + dir.string() + ": not a folder");
  if (fs::exists(dir / "trials.jsonl")) return FolderKind::sweep;
  if (fs::exists(dir / "lr_find.csv")) return FolderKind::lr_find;
  if (fs::exists(dir / "metrics.csv") && fs::exists(dir / "config.ini")) {
    const auto metrics = detail::read_table(dir / "metrics.csv");
    return metrics.column("p0") ? FolderKind::analytic_run : FolderKind::run;
  }
  throw InputError("descent plot: " + dir.string() +
                   ": not a run, sweep or lr-find folder (no metrics.csv "
                   "with config.ini, trials.jsonl or lr_find.csv)");
}

namespace {

const char* kind_name(FolderKind kind) {
  switch (kind) {
    case FolderKind::run:
      return "a run";
    case FolderKind::analytic_run:
      return "an analytic-objective run";
    case FolderKind::sweep:
      return "a sweep";
    case FolderKind::lr_find:
      return "an lr-find folder";
  }
  return "?";
}

// Every folder must be of the first one's kind: a sweep's metric and a
// run's loss curve have no axis in common.
FolderKind common_kind(const std::vector<fs::path>& dirs) {
  if (dirs.empty())
    throw InputError("descent plot: expected at least one folder");
  const FolderKind kind = folder_kind(dirs.front());
  for (const fs::path& dir : dirs)
    if (folder_kind(dir) != kind)
      throw InputError("descent plot: " + dir.string() + " is " +
                       kind_name(folder_kind(dir)) + " but " +
                       dirs.front().string() + " is " + kind_name(kind) +
                       "; they cannot share a plot");
  return kind;
}

}  // namespace

PlotFiles make_plot(const PlotOptions& options, const Registry& registry) {
  const FolderKind kind = common_kind(options.dirs);
  const fs::path image =
      options.out.empty() ? options.dirs.front() / "plot.png" : options.out;
  detail::Figure figure;
  fs::path data_file = image;
  figure.data_name = data_file.replace_extension(".dat").filename().string();
  switch (kind) {
    case FolderKind::run:
      detail::data_runs_figure(options.dirs, options, figure);
      break;
    case FolderKind::analytic_run:
      detail::analytic_runs_figure(options.dirs, options, registry, figure);
      break;
    case FolderKind::sweep:
      detail::sweeps_figure(options.dirs, options, figure);
      break;
    case FolderKind::lr_find:
      detail::lr_find_figure(options.dirs, options, figure);
      break;
  }
  return detail::render(figure, image, options.gnuplot);
}

}  // namespace descent::plot
