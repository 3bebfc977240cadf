// Where a sweep phase's trials run and where their records go; the MPI
// protocol in terms of Cluster's broadcast and gather. Per phase: rank 0
// broadcasts the ids its trials.jsonl holds, every rank runs its round-robin
// part of the rest, the other ranks send rank 0 their records and trial
// files (CBOR: file bytes travel unchanged), rank 0 writes them.
#include "sweep_phase.hpp"

#include "sweep_records.hpp"

#include <descent/errors.hpp>
#include <descent/records.hpp>
#include <descent/text_file.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <set>

namespace descent::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json binary_of(const std::string& bytes) {
  return json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

std::string bytes_of(const json& binary) {
  const auto& b = binary.get_binary();
  return std::string(b.begin(), b.end());
}

std::string to_message(const json& j) {
  const std::vector<std::uint8_t> cbor = json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

json from_message(const std::string& message) {
  return json::from_cbor(message.begin(), message.end());
}

fs::path trial_dir(const fs::path& out, const json& record) {
  return out / "trials" /
         std::to_string(record.at("trial").get<std::uint64_t>());
}

// A rank other than 0: the records and trial files it made this phase.
class Outbox {
 public:
  explicit Outbox(fs::path out) : out_(std::move(out)) {}

  void add(const json& record) {
    const fs::path dir = trial_dir(out_, record);
    json files = json::object();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.is_regular_file())
        files[entry.path().filename().string()] =
            binary_of(read_text_file(entry.path()));
    fs::remove_all(dir, ec);  // sent: the staging folder stays small
    const std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back({{"record", record}, {"files", files}});
  }
  std::string message() const { return to_message(items_); }

 private:
  fs::path out_;
  std::mutex mutex_;
  json items_ = json::array();
};

// Rank 0: a trial that ran on another rank, written as if it ran here.
void write_remote_trial(const fs::path& out, const json& item, TrialsLog& log) {
  const json& record = item.at("record");
  const fs::path dir = trial_dir(out, record);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : item.at("files").items()) {
    if (name.empty() || name == "." || name == ".." ||
        fs::path(name).filename() != name)
      throw RunError("a rank sent a trial file named '" + name + "'");
    write_file_atomically(dir / name, bytes_of(bytes));
  }
  log.append(record);
}

// trials.jsonl with its records in trial-id order, replaced atomically.
void write_in_id_order(const fs::path& file) {
  std::vector<json> records = TrialsLog(file).existing();
  std::stable_sort(records.begin(), records.end(),
                   [](const json& a, const json& b) {
                     return a.at("trial").get<std::uint64_t>() <
                            b.at("trial").get<std::uint64_t>();
                   });
  std::string text;
  for (const json& r : records) text += r.dump() + "\n";
  write_file_atomically(file, text);
}

// Rank 0's share of a phase with other ranks: its own trials appended as
// they end, then everyone else's, then the file in id order.
void run_root_part(Cluster& cluster, const std::vector<TrialPlan>& mine,
                   const fs::path& out, std::unique_ptr<TrialsLog> log,
                   const RunHere& run_here) {
  run_here(mine, [&](const json& record) { log->append(record); });
  const std::vector<std::string> messages = cluster.gather("");
  for (std::size_t rank = 1; rank < messages.size(); ++rank)
    for (const json& item : from_message(messages[rank]))
      write_remote_trial(out, item, *log);
  log.reset();
  write_in_id_order(out / "trials.jsonl");
}

fs::path local_experiment(const json& view, const fs::path& staging) {
  const fs::path file = view.at("experiment_file").get<std::string>();
  const std::string text = bytes_of(view.at("experiment"));
  std::error_code ec;
  if (fs::exists(file, ec)) {
    if (read_text_file(file) != text)
      throw InputError(file.string() + ": differs from rank 0's copy; every " +
                       "rank must run the same experiment");
    return file;
  }
  // No shared file system: rank 0's text (relative data paths then resolve
  // from this rank's working directory).
  const fs::path copy = staging / "experiment.ini";
  write_file_atomically(copy, text);
  return copy;
}

}  // namespace

void together(Cluster& cluster, const std::function<void()>& step) {
  std::exception_ptr error;
  std::string message;
  int code = 0;
  try {
    step();
  } catch (const InputError& e) {
    error = std::current_exception();
    message = e.what();
    code = kExitBadInput;
  } catch (const std::exception& e) {
    error = std::current_exception();
    message = e.what();
    code = kExitRunFailed;
  }
  if (cluster.size() == 1) {
    if (error) std::rethrow_exception(error);
    return;
  }
  const int worst = cluster.max(code);
  if (worst == 0) return;
  // One line from the lowest failing rank, not one per rank.
  const int first = -cluster.max(code != 0 ? -cluster.rank() : -cluster.size());
  if (cluster.rank() != first) throw PeerFailed{worst};
  if (cluster.root()) std::rethrow_exception(error);
  const std::string where =
      "rank " + std::to_string(cluster.rank()) + " (" + this_host() + "): ";
  if (code == kExitBadInput) throw InputError(where + message);
  throw RunError(where + message);
}

void run_phase(Cluster& cluster, const std::vector<TrialPlan>& plans,
               const fs::path& out, const RunHere& run_here) {
  std::unique_ptr<TrialsLog> log;
  json finished = json::array();
  together(cluster, [&] {
    if (!cluster.root()) return;
    log = std::make_unique<TrialsLog>(out / "trials.jsonl");
    finished = log->finished_ids();
  });
  const auto done = json::parse(cluster.broadcast(finished.dump()))
                        .get<std::set<std::uint64_t>>();
  std::vector<TrialPlan> pending;
  for (const TrialPlan& t : plans)
    if (!done.count(t.id)) pending.push_back(t);
  const auto mine =
      take_part(pending, static_cast<std::uint64_t>(cluster.rank()),
                static_cast<std::uint64_t>(cluster.size()));
  if (cluster.size() == 1) {
    run_here(mine, [&](const json& record) { log->append(record); });
    return;
  }
  try {
    if (cluster.root()) {
      run_root_part(cluster, mine, out, std::move(log), run_here);
    } else {
      Outbox outbox(out);
      run_here(mine, [&](const json& record) { outbox.add(record); });
      cluster.gather(outbox.message());
    }
  } catch (const std::exception& e) {
    // The others wait in a collective call: end the job. Rank 0's folder
    // keeps what it has written; --resume runs the rest.
    std::fprintf(stderr, "run failed: rank %d (%s): %s\n", cluster.rank(),
                 this_host().c_str(), e.what());
    cluster.abort(kExitRunFailed);
  }
}

StagingDir::StagingDir(int rank)
    : path_(fs::temp_directory_path() /
            ("descent-sweep-" + std::to_string(::getpid()) + "-rank" +
             std::to_string(rank))) {
  fs::remove_all(path_);
  fs::create_directories(path_);
}

StagingDir::~StagingDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

SweepOptions shared_options(Cluster& cluster, const SweepOptions& own,
                            const fs::path& staging) {
  std::string view;
  together(cluster, [&] {
    if (own.shard)
      throw InputError("--shard " + own.shard->text() + ": not under mpirun (" +
                       std::to_string(cluster.size()) +
                       " processes), whose ranks already share the trials");
    if (cluster.root())
      view = to_message(
          {{"experiment_file", own.experiment_file.string()},
           {"overrides", own.overrides},
           {"isolate", own.isolate},
           {"trial_timeout", own.trial_timeout},
           {"experiment", binary_of(read_text_file(own.experiment_file))}});
  });
  const json root_view = from_message(cluster.broadcast(view));
  SweepOptions o = own;
  together(cluster, [&] {
    if (cluster.root()) return;
    o.overrides = root_view.at("overrides").get<std::vector<std::string>>();
    o.isolate = root_view.at("isolate").get<bool>();
    o.trial_timeout = root_view.at("trial_timeout").get<double>();
    o.experiment_file = local_experiment(root_view, staging);
    o.out = staging;
    o.quiet = true;
    o.resume = false;  // rank 0 alone reads and writes the sweep folder
  });
  return o;
}

std::string this_host() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

}  // namespace descent::sweep
