// descent plot — draw a run, several runs, a sweep or an lr-find folder
// with gnuplot; the figure is chosen from what the folders hold.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/plot.hpp>

#include <iostream>

namespace descent::cli {
namespace {

po::options_description plot_options() {
  po::options_description options(
      "usage: descent plot DIR [DIR ...] [--out FILE.png|FILE.svg] "
      "[options]\n\n"
      "Draws what the folders hold: a run (loss and accuracy per epoch), "
      "several runs\n(one curve each, labelled by the config keys that "
      "differ), an analytic 2-D\nobjective (contours and trajectories), a "
      "sweep (final metric against the\nswept value; two keys: heat map) or "
      "an lr-find folder (loss against the rate).\nNext to the image: "
      "FILE.dat (the numbers plotted) and FILE.gp (the gnuplot\nscript). "
      "Needs gnuplot on PATH.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "image file, .png or .svg (default: DIR/plot.png)")(
      "x", po::value<std::string>()->default_value("epoch"),
      "runs: x axis, epoch or steps (optimizer steps, log scale)")(
      "title", po::value<std::string>(),
      "figure title (default: named after the experiment)");
  add_plugin_options(options);
  return options;
}

}  // namespace

int plot_command(const std::vector<std::string>& args) {
  const po::options_description options = plot_options();
  po::options_description all = options;
  all.add_options()("dirs", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("dirs", -1);
  const po::variables_map vm = parse(args, all, positional, "plot");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("dirs"))
    throw InputError(
        "descent plot: expected a run, sweep or lr-find folder "
        "(see descent plot --help)");
  plot::PlotOptions o;
  for (const auto& dir : vm["dirs"].as<std::vector<std::string>>())
    o.dirs.emplace_back(dir);
  if (vm.count("out")) o.out = vm["out"].as<std::string>();
  if (vm.count("title")) o.title = vm["title"].as<std::string>();
  o.x_axis = vm["x"].as<std::string>();
  // Plugins are needed only to evaluate analytic objectives.
  const Registry registry = load_registry(vm);
  const plot::PlotFiles files = plot::make_plot(o, registry);
  std::cout << "wrote " << files.image.string() << " (data "
            << files.data.filename().string() << ", script "
            << files.script.filename().string() << ")\n";
  return kExitOk;
}

}  // namespace descent::cli
