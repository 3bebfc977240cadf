#include <descent/build_info.hpp>
#include <descent/errors.hpp>
#include <descent/file_hash.hpp>
#include <descent/records.hpp>

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <oneapi/tbb/version.h>
#include <Eigen/Core>
#include <boost/version.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#ifndef DESCENT_VERSION
#define DESCENT_VERSION "unknown"
#endif

namespace descent {
namespace fs = std::filesystem;

namespace {

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string now_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", &tm);
  return buffer;
}

}  // namespace

void write_file_atomically(const fs::path& file, const std::string& content) {
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw RunError(temp.string() + ": cannot write");
  }
  fsync_path(temp, O_RDONLY);
  std::error_code ec;
  fs::rename(temp, file, ec);
  if (ec)
    throw RunError(file.string() +
                   ": cannot rename into place: " + ec.message());
  fsync_path(file.parent_path().empty() ? fs::path(".") : file.parent_path(),
             O_RDONLY | O_DIRECTORY);
}

fs::path default_run_dir(const fs::path& runs_root, const std::string& name) {
  const fs::path base = runs_root / (name + "-" + now_stamp());
  fs::path candidate = base;
  for (int i = 2; fs::exists(candidate); ++i)
    candidate = base.string() + "-" + std::to_string(i);
  return candidate;
}

RunDirectory::RunDirectory(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  for (const char* taken : {"summary.json", "metrics.csv", "config.ini"})
    if (fs::exists(dir_ / taken, ec))
      throw InputError(dir_.string() + ": already holds a run (" + taken +
                       "); choose another --out");
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw InputError(dir_.string() +
                     ": cannot create run folder: " + ec.message());
}

void RunDirectory::write_config(const Experiment& e) const {
  write_file_atomically(
      dir_ / "config.ini",
      to_ini(e.resolved, "# Resolved by descent " DESCENT_VERSION " from " +
                             e.file.string() +
                             ": every default filled in.\n# Re-run with: "
                             "descent run " +
                             (dir_ / "config.ini").string() + "\n"));
}

void RunDirectory::write_json(const std::string& name,
                              const nlohmann::json& j) const {
  write_file_atomically(dir_ / name, j.dump(2) + "\n");
}

std::string csv_number(double value) {
  return std::isnan(value) ? std::string() : format_number(value);
}

MetricsCsv::MetricsCsv(const fs::path& file, bool analytic,
                       std::size_t n_params)
    : out_(file, std::ios::binary | std::ios::app),
      file_(file),
      analytic_(analytic),
      n_param_columns_(analytic ? std::min(n_params, kMaxParamColumns) : 0) {
  if (!out_) throw RunError(file.string() + ": cannot open for writing");
  if (analytic_) {
    out_ << "step,loss,lr,seconds";
    for (std::size_t i = 0; i < n_param_columns_; ++i) out_ << ",p" << i;
  } else {
    out_ << "epoch,steps,train_loss,test_loss,test_accuracy,lr,seconds";
  }
  out_ << "\n" << std::flush;
}

void MetricsCsv::on_epoch(const EpochRecord& r) {
  if (analytic_) {
    out_ << r.steps << ',' << csv_number(r.train_loss) << ','
         << csv_number(r.lr) << ',' << csv_number(r.seconds);
    for (std::size_t i = 0; i < n_param_columns_ && i < r.params.size(); ++i)
      out_ << ',' << csv_number(r.params[i]);
  } else {
    out_ << r.epoch << ',' << r.steps << ',' << csv_number(r.train_loss) << ','
         << csv_number(r.test_loss) << ',' << csv_number(r.test_accuracy) << ','
         << csv_number(r.lr) << ',' << csv_number(r.seconds);
  }
  out_ << '\n' << std::flush;
  if (!out_) throw RunError(file_.string() + ": write failed");
}

namespace {

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

}  // namespace

nlohmann::json summary_json(const Experiment& e, const RunResult& result,
                            double seconds) {
  nlohmann::json j;
  j["experiment"] = e.name;
  j["status"] = result.status == RunStatus::ok ? "ok" : "diverged";
  if (!result.reason.empty()) j["reason"] = result.reason;
  j["epochs"] = result.last.epoch;
  j["steps"] = result.last.steps;
  j["seconds"] = seconds;
  j["initial_loss"] = number_or_null(result.initial_loss);
  nlohmann::json final;
  if (result.analytic) {
    final["loss"] = number_or_null(result.last.train_loss);
    final["params"] = result.last.params;
  } else {
    final["train_loss"] = number_or_null(result.last.train_loss);
    final["test_loss"] = number_or_null(result.last.test_loss);
    if (result.classifier)
      final["test_accuracy"] = number_or_null(result.last.test_accuracy);
  }
  j["final"] = final;
  return j;
}

namespace {

nlohmann::json component_json(const ComponentChoice& c) {
  if (c.component == nullptr) return nullptr;
  return plugin_json(*c.component);
}

std::string os_text() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

// The first "model name" of /proc/cpuinfo: results are promised only on the
// same CPU architecture, so the manifest says which one ran.
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

nlohmann::json data_file_json(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return {{"path", fs::absolute(file).string()},
          {"size", ec ? 0 : size},
          {"sha256", sha256_file(file)}};
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

}  // namespace

nlohmann::json plugin_json(const Component& p) {
  return {{"name", std::string(p.name())},
          {"kind", kind_name(p.kind)},
          {"version", p.descriptor->version},
          {"file", fs::absolute(p.file).string()},
          {"sha256", sha256_file(p.file)},
          {"abi", std::to_string(p.abi_version.major) + "." +
                      std::to_string(p.abi_version.minor) + "." +
                      std::to_string(p.abi_version.patch)}};
}

nlohmann::json manifest_json(const Experiment& e, const TrainTest& data,
                             const RunContext& context) {
  nlohmann::json j;
  j["descent_version"] = DESCENT_VERSION;
  j["abi_version"] = std::to_string(DESCENT_ABI_VERSION_MAJOR) + "." +
                     std::to_string(DESCENT_ABI_VERSION_MINOR) + "." +
                     std::to_string(DESCENT_ABI_VERSION_PATCH);
  j["git_commit"] = kGitCommit;
  j["git_dirty"] = kGitDirty;
#if defined(__clang__)
  j["compiler"] = "clang " __clang_version__;
#else
  j["compiler"] = "gcc " __VERSION__;
#endif
  j["compile_flags"] = kCompileFlags;
  j["os"] = os_text();
  j["cpu"] = cpu_model();
  j["libraries"] = {{"boost", BOOST_LIB_VERSION},
                    {"eigen", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                  std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                  std::to_string(EIGEN_MINOR_VERSION)},
                    {"tbb", TBB_VERSION_STRING}};
  j["host"] = host_name();
  j["threads"] = context.threads;
  j["command_line"] = context.command_line;
  j["experiment_file"] = e.file.string();
  j["seed"] = e.seed;
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [key, value] : e.resolved) config[key] = value;
  j["config"] = config;
  j["plugins"] = {component_json(e.model), component_json(e.loss),
                  component_json(e.optimizer)};
  nlohmann::json files = nlohmann::json::array();
  std::vector<fs::path> seen;
  for (const Dataset* d : {&data.train, &data.test})
    for (const fs::path& f : d->sources)
      if (std::find(seen.begin(), seen.end(), f) == seen.end()) {
        seen.push_back(f);
        files.push_back(data_file_json(f));
      }
  j["data_files"] = files;
  return j;
}

}  // namespace descent
