#!/usr/bin/env bash
# Parallel efficiency of `descent sweep`: the same 8-trial sweep (SGD on
# Fashion-MNIST softmax, 8 log-spaced learning rates from 1e-3 to 0.3, none
# of which diverge, trials of a few seconds) with --threads 1, 2 and nproc.
# Prints one line per run, then speedup = T1/T2 and parallel efficiency =
# speedup / 2 (target >= 0.9). Wall-clock includes loading the data once.
#
# usage: tools/bench/sweep_efficiency.sh [DESCENT_BINARY] [TRAIN_LIMIT] [EPOCHS]
#   DESCENT_BINARY  default build/bin/descent
#   TRAIN_LIMIT     Fashion-MNIST training images per trial, default 60000 (all)
#   EPOCHS          default 4
# Not part of ctest: it measures time, which tests never assert on.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
descent=${1:-$root/build/bin/descent}
train_limit=${2:-60000}
epochs=${3:-4}
experiment=$root/experiments/lr_grid_search.ini

[[ -x $descent ]] || { echo "no descent binary at $descent" >&2; exit 2; }
[[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] ||
  { echo "Fashion-MNIST is not installed in /usr/share/datasets/fashion-mnist" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/sweep-efficiency.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

cores=$(nproc)
threads_list=(1 2)
(( cores > 2 )) && threads_list+=("$cores")

declare -A seconds
for threads in "${threads_list[@]}"; do
  out=$scratch/threads-$threads
  start=$(date +%s.%N)
  "$descent" sweep "$experiment" --quiet --threads "$threads" --out "$out" \
    "--sweep.optimizer.lr=grid(1e-3, 0.3, 8, log)" \
    --data.train_limit="$train_limit" --data.test_limit=5000 \
    --trainer.epochs="$epochs" > /dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  seconds[$threads]=$t
  trial_sum=$(grep -o '"seconds":[0-9.e+-]*' "$out/trials.jsonl" |
              cut -d: -f2 | paste -sd+ | bc -l)
  trials=$(wc -l < "$out/trials.jsonl")
  printf 'threads = %-3s wall = %7.2f s   %s trials, mean trial %.2f s\n' \
    "$threads" "$t" "$trials" "$(echo "$trial_sum / $trials" | bc -l)"
done

# The results must not depend on the thread count.
if ! cmp -s "$scratch/threads-1/summary.json" "$scratch/threads-2/summary.json"; then
  echo "summary.json differs between --threads 1 and 2" >&2
  exit 1
fi

speedup=$(echo "${seconds[1]} / ${seconds[2]}" | bc -l)
printf 'speedup = T1/T2 = %.3f\n' "$speedup"
printf 'parallel efficiency = speedup / 2 = %.3f (target >= 0.9)\n' \
  "$(echo "$speedup / 2" | bc -l)"
if (( cores > 2 )); then
  speedup_n=$(echo "${seconds[1]} / ${seconds[$cores]}" | bc -l)
  printf 'speedup with %d threads = %.3f, efficiency = %.3f\n' "$cores" \
    "$speedup_n" "$(echo "$speedup_n / $cores" | bc -l)"
fi
