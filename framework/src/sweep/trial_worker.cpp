// Crash isolation for sweep trials: the parent's side (spawn, wait with a
// timeout, turn the worker's end into a record) and the worker's side
// (`descent sweep-trial`). See trial_worker.hpp.
#include "trial_worker.hpp"

#include "sweep_trial.hpp"

#include <descent/errors.hpp>
#include <descent/records.hpp>
#include <descent/text_file.hpp>

#include <tbb/global_control.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

extern char** environ;

namespace descent::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// The worker's record and stderr live outside trials/<id>/, which the
// worker empties when its trial starts.
struct WorkerFiles {
  fs::path record, err;
};

WorkerFiles worker_files(const SweepOptions& o, const TrialPlan& t) {
  const fs::path dir = o.out / ".workers";
  fs::create_directories(dir);
  const std::string id = std::to_string(t.id);
  return {dir / (id + ".record.json"), dir / (id + ".stderr")};
}

std::string request_text(const SweepOptions& o, const TrialPlan& t,
                         const std::vector<fs::path>& plugin_dirs,
                         const WorkerFiles& files) {
  json dirs = json::array();
  for (const fs::path& d : plugin_dirs) dirs.push_back(d.string());
  return json{{"experiment_file", o.experiment_file.string()},
              {"overrides", o.overrides},
              {"out", o.out.string()},
              {"plugin_dirs", dirs},
              {"plan", plan_json(t)},
              {"record_file", files.record.string()},
              {"parent", ::getpid()}}
      .dump();
}

// Starts `descent sweep-trial REQUEST` with stdin from /dev/null and
// stdout and stderr into `err`. posix_spawn (clone + exec, no fork of
// this threaded process); every signal back to its default, none blocked.
pid_t spawn_worker(const std::string& request, const fs::path& err) {
  std::string exe = "/proc/self/exe";  // this very binary, even if replaced
  std::string command = "sweep-trial";
  std::string arg = request;
  char* argv[] = {exe.data(), command.data(), arg.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int error =
      ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error != 0)
    throw RunError("cannot start a trial worker: " +
                   std::string(std::strerror(error)));
  return pid;
}

// Waits for `pid` until `deadline` (none: forever). Returns its wait
// status, or nothing if the deadline passed first. A pidfd makes the wait
// a poll(); without one (kernels before 5.3) it polls waitpid every 2 ms.
std::optional<int> wait_until(pid_t pid,
                              std::optional<Clock::time_point> deadline) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  std::optional<int> result;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result = status;
      break;
    }
    if (r < 0 && errno != EINTR) break;  // cannot happen: pid is our child
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - Clock::now());
      if (left.count() <= 0) break;
      wait_ms = static_cast<int>(std::min<long long>(left.count() + 1, 60000));
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, wait_ms);
    } else {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(wait_ms < 0 ? 2 : std::min(wait_ms, 2)));
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  return result;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "unknown";
}

// The last non-empty line the worker wrote to stderr, or "".
std::string last_line(const fs::path& file) {
  std::string text;
  try {
    text = read_text_file(file);
  } catch (const std::exception&) {
    return "";
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text.substr(
      text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

// Why a worker that left no record ended, for its "crashed" record.
std::string crash_reason(int status, const std::string& stderr_line) {
  std::string reason =
      WIFSIGNALED(status)
          ? "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                signal_name(WTERMSIG(status)) + ")"
          : "worker exited with code " + std::to_string(WEXITSTATUS(status)) +
                " without a record";
  if (!stderr_line.empty()) reason += "; its last stderr line: " + stderr_line;
  return reason;
}

std::optional<json> read_record(const fs::path& file) {
  try {
    if (!fs::exists(file)) return std::nullopt;
    return json::parse(read_text_file(file));
  } catch (const std::exception&) {
    return std::nullopt;  // torn or unreadable: the worker did not finish
  }
}

// Keeps a failed worker's whole stderr beside its trial.
void keep_stderr(const SweepOptions& o, const TrialPlan& t,
                 const fs::path& err) {
  std::error_code ec;
  if (fs::file_size(err, ec) == 0 || ec) return;
  const fs::path dir = o.out / "trials" / std::to_string(t.id);
  fs::create_directories(dir, ec);
  fs::copy_file(err, dir / "worker-stderr.txt",
                fs::copy_options::overwrite_existing, ec);
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

}  // namespace

json run_isolated_trial(const SweepOptions& o, const TrialPlan& t,
                        const std::vector<fs::path>& plugin_dirs) {
  const auto start = Clock::now();
  const WorkerFiles files = worker_files(o, t);
  fs::remove(files.record);
  const pid_t pid =
      spawn_worker(request_text(o, t, plugin_dirs, files), files.err);
  std::optional<Clock::time_point> deadline;
  if (o.trial_timeout > 0)
    deadline = start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(o.trial_timeout));
  std::optional<int> status = wait_until(pid, deadline);
  const bool timed_out = !status;
  if (timed_out) {
    ::kill(pid, SIGKILL);
    int s = 0;
    while (::waitpid(pid, &s, 0) < 0 && errno == EINTR) {
    }
  }
  std::optional<json> record;
  if (!timed_out && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
    record = read_record(files.record);
  if (!record) {
    record = record_head(t);
    (*record)["status"] = timed_out ? "timeout" : "crashed";
    (*record)["reason"] = timed_out
                              ? "killed after the trial timeout of " +
                                    seconds_text(o.trial_timeout) + " s"
                              : crash_reason(*status, last_line(files.err));
    (*record)["final"] = json::object();
    keep_stderr(o, t, files.err);
  }
  // The worker's whole life: process start, plugins, data and training.
  (*record)["seconds"] =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::error_code ec;
  fs::remove(files.record, ec);
  fs::remove(files.err, ec);
  return *record;
}

}  // namespace descent::sweep

namespace descent {

using nlohmann::json;
namespace fs = std::filesystem;

int run_sweep_trial_worker(const std::string& request_text) {
  json request;
  try {
    request = json::parse(request_text);
  } catch (const json::exception& e) {
    throw InputError(std::string("descent sweep-trial: unreadable request: ") +
                     e.what());
  }
  // Die with the sweep: a SIGKILLed parent must not leave workers behind.
  // Checked after the call, in case the parent died before it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != request.at("parent").get<pid_t>()) return kExitRunFailed;
  // One thread: a trial's numbers do not depend on it, and --threads
  // workers share the cores.
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism,
                                 1);
  Registry registry;
  std::vector<fs::path> dirs;
  for (const json& d : request.at("plugin_dirs"))
    dirs.emplace_back(d.get<std::string>());
  registry.scan(dirs);
  SweepOptions o;
  o.experiment_file = request.at("experiment_file").get<std::string>();
  o.overrides = request.at("overrides").get<std::vector<std::string>>();
  o.out = request.at("out").get<std::string>();
  sweep::TrialCache cache;
  const json record = sweep::run_trial(
      o, sweep::plan_from_json(request.at("plan")), registry, cache);
  write_file_atomically(request.at("record_file").get<std::string>(),
                        record.dump() + "\n");
  return kExitOk;
}

}  // namespace descent
