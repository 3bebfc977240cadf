// The sweep's processes over MPI (the C API; built when DESCENT_MPI is on).
// Texts travel as MPI_CHAR messages of at most INT_MAX bytes: a trial's
// record and files are far smaller.
#include "sweep_cluster.hpp"

#include <descent/errors.hpp>

// The C API only: without these, mpi.h pulls in the deprecated C++
// bindings and their library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdio>

namespace descent::sweep {

namespace {

int checked_length(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw RunError("MPI message of " + std::to_string(n) +
                   " bytes: more than MPI can send at once");
  return static_cast<int>(n);
}

}  // namespace

Cluster::Cluster() {
  if (launcher_size() == 0) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) throw RunError("MPI was already finalized in this process");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    joined_ = true;
    if (provided < MPI_THREAD_FUNNELED)
      throw RunError(
          "the MPI library cannot be used with threads "
          "(MPI_THREAD_FUNNELED not provided)");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Cluster::~Cluster() {
  if (joined_) MPI_Finalize();
}

std::string Cluster::broadcast(const std::string& text) {
  if (size_ == 1) return text;
  unsigned long long length = text.size();
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string out = root() ? text : std::string(length, '\0');
  MPI_Bcast(out.data(), checked_length(length), MPI_CHAR, 0, MPI_COMM_WORLD);
  return out;
}

std::vector<std::string> Cluster::gather(const std::string& text) {
  if (size_ == 1) return {text};
  if (!root()) {
    MPI_Send(text.data(), checked_length(text.size()), MPI_CHAR, 0, 0,
             MPI_COMM_WORLD);
    return {};
  }
  std::vector<std::string> all{text};
  for (int source = 1; source < size_; ++source) {
    MPI_Status status;
    MPI_Probe(source, 0, MPI_COMM_WORLD, &status);
    int length = 0;
    MPI_Get_count(&status, MPI_CHAR, &length);
    std::string message(static_cast<std::size_t>(length), '\0');
    MPI_Recv(message.data(), length, MPI_CHAR, source, 0, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    all.push_back(std::move(message));
  }
  return all;
}

int Cluster::max(int value) {
  if (size_ == 1) return value;
  int out = 0;
  MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

void Cluster::abort(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace descent::sweep
