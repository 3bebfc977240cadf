// tsan_canary clean|race (TSan builds only, tests/CMakeLists.txt): without
// it a clean TSan run would prove nothing, so it checks both halves of the
// configuration with tsan_tbb_bridge preloaded.
//   clean: tasks hand data to each other and to the caller only through
//          TBB (spawn, join, reused task memory); must give no report.
//          Without the bridge TSan reports false races here.
//   race:  two tasks, on two threads at once, write one plain int; TSan
//          must report that race, in this file, or the bridge hides races.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

namespace {

int shared_value = 0;  // "race": written by both tasks, unsynchronized

// Holds each of two tasks until both run, so that they run on two threads:
// otherwise one thread could run both and there would be no race to find.
// The writes after it are unordered: each thread's write follows its own
// arrival, and the other thread acquired only what preceded that arrival.
bool meet(std::atomic<int>& arrived) {
  arrived.fetch_add(1);
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (arrived.load() < 2) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 2 ? argv[1] : "";
  if (mode != "clean" && mode != "race") {
    std::fprintf(stderr, "usage: tsan_canary clean|race\n");
    return 2;
  }
  // Two threads even on a one-core machine: the caller and one worker.
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
  tbb::task_arena arena(2);
  std::vector<double> input(4096), output(input.size());
  const std::size_t half = input.size() / 2;
  double sum = 0;
  std::atomic<bool> met{true};
  // Rounds reuse task memory and the join's stack slot across threads.
  for (int round = 0; round < 20; ++round) {
    for (std::size_t i = 0; i < input.size(); ++i)
      input[i] = static_cast<double>(round) + static_cast<double>(i);
    std::atomic<int> arrived{0};
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, 2, 1),
          [&](const tbb::blocked_range<std::size_t>& r) {
            if (!meet(arrived)) met = false;
            if (mode == "race") {
              shared_value = static_cast<int>(r.begin());
              return;
            }
            for (std::size_t i = r.begin() * half; i < (r.begin() + 1) * half;
                 ++i)
              output[i] = 2 * input[i];
          },
          tbb::simple_partitioner{});
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, input.size()),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i < r.end(); ++i)
                            output[i] += input[i];
                        });
    });
    for (double v : output) sum += v;  // the caller reads after the join
  }
  if (!met) {
    std::fprintf(stderr, "tsan_canary: the two tasks never ran at once\n");
    return 3;
  }
  std::printf("tsan_canary %s: sum %g, shared %d\n", argv[1], sum,
              shared_value);
  return 0;
}
