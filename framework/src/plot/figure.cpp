// descent plot — the gnuplot data file and script, and running gnuplot.
#include "plot_internal.hpp"

#include <descent/errors.hpp>
#include <descent/records.hpp>
#include <descent/settings.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace descent::plot::detail {

std::string num(double value) {
  return std::isfinite(value) ? format_number(value) : "NaN";
}

std::string short_num(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

bool spans_decades(const std::vector<double>& values, double ratio) {
  double low = INFINITY, high = 0.0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v <= 0.0) return false;  // a log axis cannot show it
    low = std::min(low, v);
    high = std::max(high, v);
  }
  return high > 0.0 && high / low >= ratio;
}

std::string key_label(const std::string& key) {
  if (key == "optimizer.lr") return "learning rate (optimizer.lr)";
  if (key == "trainer.batch_size") return "batch size, examples (" + key + ")";
  return key;
}

std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

int Figure::block(const std::string& label, const std::string& columns) {
  close_block();
  if (blocks_ > 0) data_ += "\n\n";  // two blank lines end a gnuplot index
  data_ += "# block " + std::to_string(blocks_) + ": " + label + "\n# " +
           columns + "\n";
  columns_ = static_cast<std::size_t>(
      std::count(columns.begin(), columns.end(), ' ') + 1);
  rows_ = 0;
  return blocks_++;
}

// gnuplot does not count a block without data lines as an index, which
// would shift every later one: an empty block gets one row of NaN (plotted
// as nothing).
void Figure::close_block() {
  if (blocks_ == 0 || rows_ > 0) return;
  row(std::vector<double>(columns_, NAN));
}

const std::string& Figure::data() {
  close_block();
  return data_;
}

void Figure::blank_line() { data_ += "\n"; }

void Figure::row(const std::vector<double>& cells) {
  std::string line;
  for (double cell : cells) line += (line.empty() ? "" : " ") + num(cell);
  data_ += line + "\n";
  ++rows_;
}

void style(Figure& figure) {
  figure.script << "set grid lc rgb '#dddddd'\n"
                << "set key box opaque samplen 2 spacing 1.1\n"
                << "set border lc rgb '#444444'\n"
                // '%g': log axes show 1e-06, not 0.0000010.
                << "set format x '%g'\nset format y '%g'\nset format cb "
                   "'%g'\n";
}

namespace {

std::string terminal(const fs::path& image, const Figure& figure) {
  const std::string ext = image.extension().string();
  const std::string size = " size " + std::to_string(figure.width) + "," +
                           std::to_string(figure.height);
  // noenhanced: experiment names hold underscores, not subscripts.
  if (ext == ".png")
    return "set terminal pngcairo" + size + " noenhanced font 'sans,10'\n";
  if (ext == ".svg")
    return "set terminal svg" + size +
           " noenhanced font 'sans,10' background rgb 'white'\n";
  throw InputError("descent plot: --out " + image.string() +
                   ": expected a .png or .svg file name");
}

bool on_path(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0)
      return true;
  return false;
}

// Runs `gnuplot SCRIPT` in the script's folder, so the script names its
// files without paths; gnuplot's messages go to `log`.
int run_gnuplot(const std::string& gnuplot, const fs::path& script,
                const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid < 0) throw RunError("descent plot: cannot start gnuplot");
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    const std::string dir = script.parent_path().string();
    if (!dir.empty() && ::chdir(dir.c_str()) != 0) ::_exit(126);
    const std::string name = script.filename().string();
    ::execlp(gnuplot.c_str(), gnuplot.c_str(), name.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string first_error_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) {
      if (line.find("rror") != std::string::npos) return line;
      last = line;
    }
  return last;
}

}  // namespace

PlotFiles render(Figure& figure, const fs::path& image,
                 const std::string& gnuplot) {
  const std::string head = terminal(image, figure);  // checks the extension
  if (!on_path(gnuplot))
    throw InputError("descent plot: '" + gnuplot +
                     "' not found on PATH (install gnuplot, e.g. Debian's "
                     "gnuplot-nox)");
  PlotFiles files{image, image, image};
  files.data.replace_extension(".dat");
  files.script.replace_extension(".gp");
  if (!image.parent_path().empty()) fs::create_directories(image.parent_path());
  write_file_atomically(files.data, figure.data());
  write_file_atomically(
      files.script, "# " + image.filename().string() +
                        ", drawn by `descent plot`\n" + head + "set output " +
                        quote(image.filename().string()) + "\n" +
                        figure.script.str() + "unset output\n");
  fs::path log = image;
  log.replace_extension(".log");
  fs::remove(image);  // a stale image must not pass for a new one
  const int code = run_gnuplot(gnuplot, fs::absolute(files.script), log);
  if (code != 0 || !fs::exists(image) || fs::file_size(image) == 0)
    throw RunError("descent plot: gnuplot failed on " + files.script.string() +
                   ": " + first_error_line(log));
  fs::remove(log);
  return files;
}

}  // namespace descent::plot::detail
