// descent host — figures from what runs leave behind, drawn by gnuplot.
//
// The plot is chosen from what the folders hold:
//   run folder (config.ini + metrics.csv)   train/test loss per epoch, test
//                                           accuracy in a second panel;
//                                           several runs: one curve each,
//                                           labelled by the config keys
//                                           that differ between them
//   analytic run (metrics.csv has p0, p1)   contours of the objective with
//                                           each run's trajectory, and the
//                                           loss per step
//   sweep folder (trials.jsonl)             final metric against the swept
//                                           value (mean and spread over
//                                           repeats, diverged trials at the
//                                           top, best circled); two swept
//                                           keys: a heat map (grid) or a
//                                           scatter (random search);
//                                           several sweeps: the points each
//                                           tried and the metric they got
//   lr-find folder (lr_find.csv)            loss against the learning rate,
//                                           the suggestion marked
// Kinds that cannot share axes (a run and a sweep) are refused.
//
// Next to the image go the gnuplot data (IMAGE.dat: blocks separated by two
// blank lines, each starting with "# block N: label" and "# columns") and
// script (IMAGE.gp), so a figure can be checked against its numbers and
// restyled by hand.
#pragma once

#include <descent/registry.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace descent::plot {

enum class FolderKind { run, analytic_run, sweep, lr_find };

// What `dir` holds; InputError naming the folder if it is none of these.
FolderKind folder_kind(const std::filesystem::path& dir);

struct PlotOptions {
  std::vector<std::filesystem::path> dirs;
  std::filesystem::path out;        // .png or .svg; empty: dirs[0]/plot.png
  std::string x_axis = "epoch";     // data runs: epoch | steps
  std::string title;                // empty: named after the experiment(s)
  std::string gnuplot = "gnuplot";  // program, looked up on PATH
};

struct PlotFiles {
  std::filesystem::path image, data, script;
};

// Writes the data and script, runs gnuplot, returns the files. InputError
// for bad folders, mixed kinds, a bad --out name or a missing gnuplot;
// RunError if gnuplot fails. Analytic objectives are evaluated through
// their model plugin, found in `registry`.
PlotFiles make_plot(const PlotOptions& options, const Registry& registry);

}  // namespace descent::plot
