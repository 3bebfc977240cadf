// Optimizer checks of the state in state.h: a blob survives an unload of
// the library, a bad blob is refused without effect, and reset() forgets.
#include "optimizer_harness.hpp"

#include <descent/abi/state.h>

namespace descent::conformance {
namespace {

constexpr std::size_t kN = 37;

template <class T>
struct RoundTrip {
  std::vector<T> uninterrupted;  // 40 steps
  std::vector<T> point;          // 20 steps, then 20 more after the reload
  Blob blob;                     // saved after the first 20 steps
};

// The first half, in a library that is unloaded on return.
template <class T>
RoundTrip<T> before_unload(const Target& target, std::uint64_t problem) {
  const Loaded loaded = load(target);
  const Component& c = *loaded.component;
  const double lr = default_lr(*c.descriptor);
  const HParamValues hp = default_hparams(*c.descriptor);
  RoundTrip<T> out{
      start_point<T>(problem, kN), start_point<T>(problem, kN), {}};
  OptimizerInstance whole(c, hp, kN, dtype_of<T>());
  run_problem(whole, problem, out.uninterrupted, 1, 40, lr);
  OptimizerInstance first(c, hp, kN, dtype_of<T>());
  run_problem(first, problem, out.point, 1, 20, lr);
  out.blob = first.save();
  return out;
}

template <class T>
void round_trip(const Target& target, Findings& findings) {
  constexpr std::uint64_t kProblem = 5;
  RoundTrip<T> run = before_unload<T>(target, kProblem);
  const std::string dtype = dtype_name<T>();
  if (still_loaded(target.file))
    findings.warnings.push_back(
        dtype +
        ": the library stayed loaded after every handle was dropped "
        "(held elsewhere in this process, or not unloadable)");
  const Loaded loaded = load(target);
  const Component& c = *loaded.component;
  OptimizerInstance second(c, default_hparams(*c.descriptor), kN,
                           dtype_of<T>());
  if (second.load(run.blob.data(), run.blob.size()) != DESCENT_OK) {
    findings.failures.push_back(
        dtype + ": state_load refused its own blob: " + second.last_error());
    return;
  }
  if (second.save() != run.blob)
    findings.failures.push_back(
        dtype + ": saving the loaded state gives other bytes than the blob");
  run_problem(second, kProblem, run.point, 21, 20, default_lr(*c.descriptor));
  if (!same_bits(run.point, run.uninterrupted))
    findings.failures.push_back(
        dtype +
        ": 20 steps, save, unload, load, 20 steps differ from 40 "
        "uninterrupted steps");
}

// The blob of `c` after five steps of the check's problem.
Blob blob_after_steps(const Component& c, std::uint64_t n,
                      descent_dtype dtype) {
  const double lr = default_lr(*c.descriptor);
  OptimizerInstance opt(c, default_hparams(*c.descriptor), n, dtype);
  if (dtype == DESCENT_DTYPE_F32) {
    std::vector<float> w = start_point<float>(6, n);
    run_problem(opt, 6, w, 1, 5, lr);
  } else {
    std::vector<double> w = start_point<double>(6, n);
    run_problem(opt, 6, w, 1, 5, lr);
  }
  return opt.save();
}

// A blob from another optimizer in the search path, preferring one of the
// same size, so that only its header tells it apart.
std::optional<std::pair<std::string, Blob>> foreign_blob(const Component& c,
                                                         const Options& options,
                                                         std::size_t own_size) {
  std::optional<std::pair<std::string, Blob>> best;
  for (const Target& other : list_folders(options.search_path)) {
    if (other.kind != DESCENT_KIND_OPTIMIZER || other.name == c.name())
      continue;
    try {
      const Loaded loaded = load(other);
      Blob blob = blob_after_steps(*loaded.component, kN, DESCENT_DTYPE_F64);
      const bool same_size = blob.size() == own_size;
      if (!best || same_size) best.emplace(other.name, std::move(blob));
      if (same_size) break;
    } catch (const std::exception&) {
      // A broken neighbour lends no blob; that is not this plugin's fault.
    }
  }
  return best;
}

using BadBlobs = std::vector<std::pair<std::string, Blob>>;

// Blobs that differ from `good` only in their header.
void add_header_edits(const Blob& good, BadBlobs& bad) {
  Blob renamed = good;
  auto* header = reinterpret_cast<descent_state_header*>(renamed.data());
  std::memset(header->component, 0, sizeof header->component);
  std::strcpy(header->component, "conformance_foreign");
  bad.emplace_back("header renamed to 'conformance_foreign'", renamed);
  const std::size_t payload = good.size() - sizeof(descent_state_header);
  if (payload == 0) return;
  Blob flipped = good;
  flipped[sizeof(descent_state_header) + payload / 2] ^= 0x10;
  bad.emplace_back("one payload bit flipped", flipped);
}

BadBlobs bad_blobs(const Component& c, const Options& options, const Blob& good,
                   Findings& findings) {
  BadBlobs bad;
  bad.emplace_back("empty", Blob{});
  if (good.size() >= sizeof(descent_state_header)) {
    bad.emplace_back("truncated by 1 byte", Blob(good.begin(), good.end() - 1));
    add_header_edits(good, bad);
  } else {
    findings.failures.push_back("the blob is shorter than a state header");
  }
  bad.emplace_back("from n_params " + std::to_string(kN + 1),
                   blob_after_steps(c, kN + 1, DESCENT_DTYPE_F64));
  bad.emplace_back("from an f32 instance",
                   blob_after_steps(c, kN, DESCENT_DTYPE_F32));
  if (auto other = foreign_blob(c, options, good.size()))
    bad.emplace_back("from optimizer '" + other->first + "'", other->second);
  return bad;
}

}  // namespace

CheckResult check_state_round_trip(const Target& target) {
  const char* name = "state-round-trip";
  return run_check(name, [&] {
    Findings findings;
    round_trip<float>(target, findings);
    round_trip<double>(target, findings);
    return findings.result(
        name,
        "20 steps, save, unload the library, load into a new instance, "
        "20 steps == 40 steps bit for bit; re-saved blob identical "
        "(f32, f64)");
  });
}

CheckResult check_bad_state_rejected(const Component& c,
                                     const Options& options) {
  const char* name = "bad-state-rejected";
  return run_check(name, [&] {
    Findings findings;
    OptimizerInstance opt(c, default_hparams(*c.descriptor), kN,
                          DESCENT_DTYPE_F64);
    std::vector<double> w = start_point<double>(6, kN);
    run_problem(opt, 6, w, 1, 5, default_lr(*c.descriptor));
    const Blob good = opt.save();
    const BadBlobs bad = bad_blobs(c, options, good, findings);
    std::string labels;
    for (const auto& [label, blob] : bad) {
      // An empty blob still gets a valid pointer: only the size is wrong.
      const void* data = blob.empty() ? good.data() : blob.data();
      if (opt.load(data, blob.size()) == DESCENT_OK)
        findings.failures.push_back(label + " blob accepted");
      if (opt.save() != good) {
        findings.failures.push_back(label + " blob changed the state");
        opt.load(good.data(), good.size());  // so the next case starts clean
      }
      labels += (labels.empty() ? "" : ", ") + label;
    }
    if (good.size() == sizeof(descent_state_header))
      labels += " (no payload, so no bit to flip)";
    return findings.result(name, "refused, state unchanged: " + labels);
  });
}

CheckResult check_reset(const Component& c) {
  const char* name = "reset";
  return run_check(name, [&] {
    const double lr = default_lr(*c.descriptor);
    const HParamValues hp = default_hparams(*c.descriptor);
    OptimizerInstance fresh(c, hp, kN, DESCENT_DTYPE_F64);
    const Blob fresh_blob = fresh.save();
    std::vector<double> expected = start_point<double>(12, kN);
    run_problem(fresh, 12, expected, 1, 20, lr);

    OptimizerInstance used(c, hp, kN, DESCENT_DTYPE_F64);
    std::vector<double> w = start_point<double>(13, kN);
    run_problem(used, 13, w, 1, 20, lr);
    used.reset();
    Findings findings;
    if (used.save() != fresh_blob)
      findings.failures.push_back(
          "the state after reset() is not a new "
          "instance's state");
    w = start_point<double>(12, kN);
    run_problem(used, 12, w, 1, 20, lr);
    if (!same_bits(w, expected))
      findings.failures.push_back(
          "20 steps after reset() differ from a new "
          "instance's 20 steps");
    return findings.result(name,
                           "20 steps, reset(), 20 steps == a new "
                           "instance's 20 steps bit for bit; state "
                           "blob as new");
  });
}

}  // namespace descent::conformance
