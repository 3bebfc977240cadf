// descent sweep (internal) — the processes that run one sweep: an MPI job
// started by mpirun or srun, or this process alone. The MPI library is
// used only in sweep_mpi.cpp (sweep_no_mpi.cpp stands in without it), so
// everything else compiles and runs without MPI.
#pragma once

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace descent::sweep {

// The process count an MPI launcher gave this process in its environment,
// 0 when no launcher started it. Checked before MPI_Init, so a plain
// `descent sweep` never starts MPI.
inline int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  if (std::getenv("PMIX_RANK") != nullptr) return 1;
  return 0;
}

// One rank of the sweep's processes. Collective calls must be made by every
// rank in the same order, from the thread that built the Cluster (MPI is
// initialized with MPI_THREAD_FUNNELED: TBB threads never call MPI).
class Cluster {
 public:
  // Joins the MPI job when a launcher started this process; a launched
  // job of several processes in a build without MPI is an InputError.
  Cluster();
  ~Cluster();  // leaves the MPI job (MPI_Finalize)
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  // Collective: rank 0's `text`, on every rank.
  std::string broadcast(const std::string& text);
  // Collective: on rank 0 every rank's `text` in rank order (its own
  // first); empty elsewhere.
  std::vector<std::string> gather(const std::string& text);
  // Collective: the largest `value` of all ranks.
  int max(int value);
  // Ends every rank of the job now (a rank failed mid-phase).
  [[noreturn]] void abort(int code);

 private:
  int rank_ = 0, size_ = 1;
  bool joined_ = false;
};

// Thrown on the ranks where a collective step succeeded while another rank
// failed: that rank reports the error, these end quietly with `code`.
struct PeerFailed {
  int code;
};

// Runs `step` on every rank; if it throws on any rank, every rank stops:
// the failing ones rethrow, the others throw PeerFailed.
void together(Cluster& cluster, const std::function<void()>& step);

}  // namespace descent::sweep
