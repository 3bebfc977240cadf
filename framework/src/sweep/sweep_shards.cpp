// Sharding a sweep: which trials a job-array task or an MPI rank runs.
#include <descent/errors.hpp>
#include <descent/sweep.hpp>

#include <charconv>
#include <cstdlib>

namespace descent {

namespace {

// A whole decimal number filling `text`, or nothing.
std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::string SweepShard::text() const {
  return std::to_string(k) + "/" + std::to_string(n);
}

SweepShard parse_shard(const std::string& text, const std::string& flag) {
  const auto slash = text.find('/');
  const auto k = whole_number(std::string_view(text).substr(0, slash));
  const auto n = slash == std::string::npos
                     ? std::nullopt
                     : whole_number(std::string_view(text).substr(slash + 1));
  if (!k || !n || *n == 0 || *k == 0 || *k > *n)
    throw InputError(flag + " '" + text +
                     "': expected K/N with 1 <= K <= N, e.g. 2/8");
  return SweepShard{*k, *n};
}

std::vector<TrialPlan> take_part(const std::vector<TrialPlan>& plans,
                                 std::uint64_t part, std::uint64_t parts) {
  std::vector<TrialPlan> mine;
  if (parts == 0) return mine;
  for (std::size_t i = part; i < plans.size(); i += parts)
    mine.push_back(plans[i]);
  return mine;
}

bool launched_as_mpi_worker() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* rank = std::getenv(name)) return std::atoi(rank) != 0;
  return false;
}

}  // namespace descent
