// --threads bounds a whole sweep: with 1, no TBB worker thread ever joins,
// not even while the data loads (the train and test parts load at once
// when there are threads for it).
#include <descent/registry.hpp>
#include <descent/sweep.hpp>

#include <tbb/task_scheduler_observer.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "data_files.hpp"

using namespace data_files;

namespace {

// Counts the TBB worker threads that join the arena of the thread that
// made it: the implicit one, where a sweep loads its data.
class WorkerCount : public tbb::task_scheduler_observer {
 public:
  WorkerCount() { observe(true); }
  ~WorkerCount() override { observe(false); }
  void on_scheduler_entry(bool is_worker) override {
    if (is_worker) ++workers;
  }
  std::atomic<int> workers{0};
};

Bytes labels(std::uint32_t count) {
  Bytes digits(count);
  for (std::uint32_t i = 0; i < count; ++i)
    digits[i] = static_cast<unsigned char>(i % 10);
  return idx_file({count}, digits);
}

// Fashion-MNIST-shaped files whose parts each take milliseconds to load
// (over 1 MiB of incompressible gzip), time enough for a worker to join.
void write_fashion(const fs::path& dir) {
  constexpr std::uint32_t kImages = 1100;
  std::uint32_t seed = 1;
  for (const std::string part : {"train", "t10k"}) {
    write_file(dir / (part + "-images-idx3-ubyte.gz"),
               gzip(noise_images(kImages, seed++)));
    write_file(dir / (part + "-labels-idx1-ubyte.gz"), gzip(labels(kImages)));
  }
}

}  // namespace

TEST_CASE("a sweep at --threads 1 runs on one thread, loading included",
          "[engine][sweep][threads]") {
  TempDir dir;
  const ScopedEnv no_cache("DESCENT_CACHE_DIR", "off");  // inflate each time
  write_fashion(dir.path());
  const fs::path experiment = write_text(
      dir / "exp.ini",
      "[data]\nsource = fashion_mnist\ndir = " + dir.path().string() +
          "\n[model]\nname = softmax\n[loss]\nname = cross_entropy\n"
          "[optimizer]\nname = sgd\n[trainer]\nbatch_size = 100\nepochs = 1\n"
          "[sweep]\noptimizer.lr = 0.01, 0.1\n");
  descent::Registry registry;
  registry.scan({DESCENT_TEST_PLUGIN_DIR});
  descent::SweepOptions options;
  options.experiment_file = experiment;
  options.out = dir / "sweep";
  options.threads = 1;
  options.quiet = true;

  const WorkerCount count;
  REQUIRE(descent::run_sweep(options, registry) == 0);
  CHECK(count.workers == 0);
}
