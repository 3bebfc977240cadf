#!/bin/bash
# CI's bounded reliability stage (.ci/run, after the test suite): every
# libFuzzer target for a short time, then ASan + UBSan over the tests of the
# code that reads untrusted input and runs sweeps (host, engine, sweep and
# CLI tests), then TSan over the trainer and sweep tests and the
# tsan_canary checks, building only the targets they need. Any finding
# fails it.
#
#   tools/ci/reliability.sh      (FUZZ_SECONDS, default 15 per target)
#
# The full runs (every target 30 s or more, the whole suite under ASan,
# TSan on engine_schedule too) stay with tools/ci/fuzz.sh and
# tools/ci/sanitizers.sh: they take
# longer than CI's budget. README, "Fuzzing and sanitizers", lists the
# figures.
set -euo pipefail
cd "$(dirname "$0")/../.."

stage() {  # NAME COMMAND...: runs it, prints its wall time
  local start=$SECONDS
  echo "== reliability: $1"
  shift
  "$@"
  echo "== reliability: done in $((SECONDS - start)) s"
}

# One clang build serves both halves: fuzz.sh configures it (ASan + UBSan,
# libFuzzer coverage), and the tests below are built in the same folder,
# so the host library and the plugins compile once, not twice.
build=${RELIABILITY_BUILD_DIR:-$PWD/build-reliability}
export FUZZ_BUILD_DIR=$build
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

stage "fuzz, ${FUZZ_SECONDS:-15} s per target" \
  tools/ci/fuzz.sh "${FUZZ_SECONDS:-15}"

tests=(host_registry host_settings engine_trainer engine_sweep cli_sweep
       cli_isolate cli_bad_input)
regex="^($(IFS='|'; echo "${tests[*]}")):"
asan_tests() {
  cmake --build "$build" -j"${JOBS:-2}" --target descent \
    descent-optimizer-faulty "${tests[@]}"
  ctest --test-dir "$build" --output-on-failure -j"${JOBS:-2}" -R "$regex"
}
stage "ASan+UBSan: ${tests[*]}" asan_tests

# TSan needs a build of its own (it cannot be combined with ASan). The
# canaries prove the libtbb bridge is active and still reports races.
tsan_tests=(engine_trainer engine_sweep cli_sweep)
stage "TSan: ${tsan_tests[*]} tsan_canary" \
  env TSAN_BUILD_DIR="${RELIABILITY_TSAN_BUILD_DIR:-$PWD/build-reliability-tsan}" \
  TSAN_TARGETS="descent ${tsan_tests[*]} tsan_canary" \
  TSAN_TESTS="^($(IFS='|'; echo "${tsan_tests[*]}")):|^tsan_canary_" \
  tools/ci/sanitizers.sh tsan
