#!/bin/bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) in a
# separate build folder and runs each for a bounded time on a copy of its
# committed seed corpus. Fails on any crash, sanitizer report, timeout, OOM
# or exception other than the reader's own error type; libFuzzer leaves the
# input as <target>-crash-* (or leak-*, timeout-*, oom-*) in $out.
#
#   tools/ci/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default 30, all)
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz in the checkout), FUZZ_OUT (default
# $FUZZ_BUILD_DIR/fuzz-out: working corpora and crash files), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(settings sweep_spec idx csv state_blob)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
out=${FUZZ_OUT:-$build/fuzz-out}
jobs=${JOBS:-2}

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link" \
  "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link" \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  -DDESCENT_SANITIZE=address,undefined -DDESCENT_FUZZ=ON >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for name in "${targets[@]}"; do
  work=$out/$name
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/tmp"
  cp "$src/tests/fuzz/corpus/$name"/* "$work/corpus/"
  echo "== fuzz_$name: ${seconds}s"
  # -rss_limit_mb / -malloc_limit_mb: a reader that believes a header and
  # allocates gigabytes is a finding, not a slow test.
  # TMPDIR: the targets write each input to a temporary file; keep those
  # with this run rather than in the machine's /tmp.
  if ! (cd "$work" && TMPDIR="$work/tmp" "$build/tests/fuzz/fuzz_$name" corpus \
          -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
          -malloc_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
          >"$work/log.txt" 2>&1); then
    echo "fuzz_$name: FAILED; input and log in $work" >&2
    grep -E "ERROR|runtime error|terminate|==[0-9]+==" "$work/log.txt" | head -20 >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/log.txt" || true
done
[ $status = 0 ] && echo "fuzz: no findings"
exit $status
