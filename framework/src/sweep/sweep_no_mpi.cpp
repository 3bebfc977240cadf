// The sweep's processes in a build without MPI (DESCENT_MPI off or MPI not
// found): always this process alone.
#include "sweep_cluster.hpp"

#include <descent/errors.hpp>

#include <cstdio>

namespace descent::sweep {

Cluster::Cluster() {
  joined_ = false;  // never: there is no MPI to join
  if (launcher_size() > 1)
    throw InputError(
        "descent sweep: started by an MPI launcher with " +
        std::to_string(launcher_size()) +
        " processes, but this descent was built without MPI (DESCENT_MPI "
        "off); rebuild with MPI, or run shards with --shard K/N");
}

Cluster::~Cluster() = default;

std::string Cluster::broadcast(const std::string& text) { return text; }

std::vector<std::string> Cluster::gather(const std::string& text) {
  return {text};
}

int Cluster::max(int value) { return value; }

void Cluster::abort(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace descent::sweep
