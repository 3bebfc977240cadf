#!/bin/bash
# The test suite under sanitizers, each in its own build folder:
#   1. ASan + UBSan (-fsanitize=address,undefined -fno-omit-frame-pointer
#      -fno-sanitize-recover=undefined) on the host library, the plugins, the
#      CLI and the tests; runs ctest minus $ASAN_EXCLUDE (see below).
#   2. TSan on the sweep, schedule and trainer tests (and what they load)
#      and the tsan_canary tests. Debian's libtbb is not TSan-built: the
#      TSan build compiles with TBB_USE_PROFILING_TOOLS=2 and ctest preloads
#      tests/support/tsan_tbb_bridge.cpp, which turns TBB's synchronization
#      into happens-before; tsan_canary_clean (no report) and
#      tsan_canary_race (a real race between two tasks is reported) prove
#      that it is active and hides nothing.
# Both use DESCENT_SANITIZE from the top-level CMakeLists.txt.
#
#   tools/ci/sanitizers.sh [asan|tsan|all]     (default all)
#
# Environment: ASAN_BUILD_DIR (default build-asan in the checkout), TSAN_BUILD_DIR
# (default build-tsan), JOBS (default 2), ASAN_TARGETS (build only
# these targets, default all), ASAN_TESTS (a ctest -R regex, default all;
# tools/ci/reliability.sh uses both for its bounded subset), TSAN_TARGETS
# and TSAN_TESTS (the same for TSan; defaults: the tests above),
# ASAN_EXCLUDE (a ctest -E
# regex; default: tests of the binaries themselves, not of memory safety,
# which instrumentation falsifies: install_* (packaging), abi_stability's
# export list (ASan adds __odr_asan.* symbols) and RSS/heap load-unload
# checks (ASan's allocator and quarantine), and abi_clang_host (an
# uninstrumented clang host cannot load ASan-built plugins)).
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
what=${1:-all}
jobs=${JOBS:-2}
asan_dir=${ASAN_BUILD_DIR:-$src/build-asan}
tsan_dir=${TSAN_BUILD_DIR:-$src/build-tsan}
asan_exclude=${ASAN_EXCLUDE:-^install_|^abi_stability|^abi_clang_host}

# -O1: sanitizer reports stay readable and the tests stay fast enough.
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g"
        "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g")

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

if [ "$what" = asan ] || [ "$what" = all ]; then
  echo "== ASan+UBSan: $asan_dir"
  cmake -S "$src" -B "$asan_dir" "${common[@]}" \
    -DDESCENT_SANITIZE=address,undefined >/dev/null
  # shellcheck disable=SC2086  # ASAN_TARGETS is a list of target names
  cmake --build "$asan_dir" -j"$jobs" ${ASAN_TARGETS:+--target $ASAN_TARGETS}
  ctest --test-dir "$asan_dir" --output-on-failure -j"$jobs" \
    -R "${ASAN_TESTS:-.}" -E "$asan_exclude"
fi

if [ "$what" = tsan ] || [ "$what" = all ]; then
  echo "== TSan: $tsan_dir"
  cmake -S "$src" -B "$tsan_dir" "${common[@]}" \
    -DDESCENT_SANITIZE=thread >/dev/null
  # shellcheck disable=SC2086  # TSAN_TARGETS is a list of target names
  cmake --build "$tsan_dir" -j"$jobs" --target \
    ${TSAN_TARGETS:-engine_trainer engine_sweep engine_schedule cli_sweep tsan_canary}
  ctest --test-dir "$tsan_dir" --output-on-failure -j"$jobs" -R \
    "${TSAN_TESTS:-^(engine_trainer|engine_sweep|cli_sweep|engine_schedule):|^tsan_canary_}"
fi
echo "sanitizers: clean"
