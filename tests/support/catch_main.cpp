// The main() of every Catch2 test executable.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

// Set here, before any thread starts, for the test process and the descent
// processes it runs: the inflated-data cache inside the build folder, never
// the user's, and OpenBLAS without threads of its own, as descent's main()
// sets it (keep_plugin_libraries_single_threaded).
int main(int argc, char* argv[]) {
  ::setenv("DESCENT_CACHE_DIR", DESCENT_TEST_CACHE_DIR, 1);
  ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
  return Catch::Session().run(argc, argv);
}
