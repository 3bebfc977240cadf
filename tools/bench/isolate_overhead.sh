#!/usr/bin/env bash
# Per-trial cost of `descent sweep --isolate`: the same 16-trial sweep of a
# tiny experiment (softmax regression on 400 synthetic blobs, SGD, 2
# epochs: a trial of a few milliseconds, so process start, plugin loading
# and data generation dominate) in process and isolated, at --threads 1
# (no parallel noise) and at all cores. Prints the median wall time of
# REPS runs of each, then (isolated - in process) / 16 per trial.
#
# usage: tools/bench/isolate_overhead.sh [DESCENT_BINARY] [REPS]
#   DESCENT_BINARY  default build/bin/descent
#   REPS            default 5
# Not part of ctest: it measures time, which tests never assert on.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
descent=${1:-$root/build/bin/descent}
reps=${2:-5}
[[ -x $descent ]] || { echo "no descent binary at $descent" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/isolate-overhead.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cat >"$scratch/tiny.ini" <<'INI'
[experiment]
name = tiny
seed = 1
[data]
source = blobs
rows = 400
features = 8
classes = 3
[model]
name = softmax
[loss]
name = cross_entropy
[optimizer]
name = sgd
[trainer]
batch_size = 16
epochs = 2
[sweep]
optimizer.lr = grid(1e-3, 1, 16, log)
INI

# Median wall seconds of `descent sweep tiny.ini ARGS...` over $reps runs.
median_seconds() {
  local times=() i start end
  for ((i = 0; i < reps; i++)); do
    rm -rf "$scratch/out"
    start=$(date +%s.%N)
    "$descent" sweep "$scratch/tiny.ini" --quiet --out "$scratch/out" "$@" \
      >/dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((reps + 1) / 2))p"
}

for threads in 1 "$(nproc)"; do
  in=$(median_seconds --threads "$threads")
  iso=$(median_seconds --threads "$threads" --isolate)
  printf 'threads %s: in process %.3f s, --isolate %.3f s, ' \
    "$threads" "$in" "$iso"
  printf 'overhead %.1f ms per trial (16 trials)\n' \
    "$(echo "($iso - $in) / 16 * 1000" | bc -l)"
done
