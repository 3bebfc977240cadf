#!/usr/bin/env bash
# tools/gallery.sh — regenerates the README's gallery (docs/gallery/*.png)
# from scratch: runs the experiments in experiments/gallery/ with
# `descent run` / `descent sweep` / `descent lr-find` into a fresh work
# folder, draws each figure with `descent plot`, and copies the PNGs.
#
#   tools/gallery.sh                 every figure
#   tools/gallery.sh learning_rate   only the named figures
#   tools/gallery.sh --list          the figure names, one a line
#
# DESCENT (default build/bin/descent) picks the binary; GALLERY_WORK keeps
# the runs, data and gnuplot scripts (default: a temp folder, removed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
descent=${DESCENT:-$root/build/bin/descent}
experiments=$root/experiments/gallery
out=$root/docs/gallery

# Every figure the README embeds; each has a figure_<name> function below.
figures=(
  batch_sizes_epochs
  batch_sizes_steps
  learning_rate
  learning_rate_sweep
  lr_find
  momentum_quadratic
  momentum_rosenbrock
  adaptive_fashion_mnist
  grid_search_heatmap
  grid_vs_random
)

# The PNGs stay small enough to commit: 800x500 (two panels: 1000 wide).
run() { # run NAME EXPERIMENT [overrides...]: one run, once per gallery
  local name=$1 experiment=$2
  shift 2
  [[ -d $work/$name ]] ||
    "$descent" run "$experiments/$experiment.ini" --out "$work/$name" \
      --quiet "$@" >/dev/null || [[ $? == 1 ]] # a diverged run is a result
}
sweep() { # sweep EXPERIMENT: one sweep, once per gallery
  [[ -d $work/$1 ]] ||
    "$descent" sweep "$experiments/$1.ini" --out "$work/$1" --quiet >/dev/null
}
plot() { # plot FIGURE DIR... [-- plot options]
  local figure=$1
  shift
  "$descent" plot "$@" --out "$work/$figure.png" >/dev/null
  cp "$work/$figure.png" "$out/$figure.png"
}

batch_runs() {
  run batch-full batch_sizes --trainer.batch_size=full
  run batch-32 batch_sizes --trainer.batch_size=32
  run batch-1 batch_sizes --trainer.batch_size=1
}
figure_batch_sizes_epochs() {
  batch_runs
  plot batch_sizes_epochs "$work"/batch-{full,32,1} --title \
    "Batch sizes, same lr: loss per epoch (= per 1600 examples seen)"
}
figure_batch_sizes_steps() {
  batch_runs
  plot batch_sizes_steps "$work"/batch-{full,32,1} --x steps --title \
    "Batch sizes, same lr: loss per optimizer step"
}

figure_learning_rate() {
  run lr-small learning_rate --optimizer.lr=0.005
  run lr-right learning_rate --optimizer.lr=0.3
  run lr-large learning_rate --optimizer.lr=1.2
  plot learning_rate "$work"/lr-{small,right,large} --title \
    "Learning rate too small (0.005), about right (0.3), too large (1.2)"
}

figure_learning_rate_sweep() {
  sweep learning_rate_sweep
  plot learning_rate_sweep "$work/learning_rate_sweep"
}

figure_lr_find() {
  [[ -d $work/lr-find ]] ||
    "$descent" lr-find "$root/experiments/fashion_mnist_softmax.ini" \
      --out "$work/lr-find" >/dev/null
  plot lr_find "$work/lr-find"
}

momentum_runs() { # momentum_runs EXPERIMENT
  run "$1-sgd" "$1" --optimizer.name=sgd
  run "$1-momentum" "$1" --optimizer.name=momentum
  run "$1-nesterov" "$1" --optimizer.name=nesterov
}
figure_momentum_quadratic() {
  momentum_runs momentum_quadratic
  plot momentum_quadratic "$work"/momentum_quadratic-{sgd,momentum,nesterov}
}
figure_momentum_rosenbrock() {
  momentum_runs momentum_rosenbrock
  plot momentum_rosenbrock "$work"/momentum_rosenbrock-{sgd,momentum,nesterov}
}

figure_adaptive_fashion_mnist() {
  local name
  for name in sgd adagrad rmsprop adam; do
    run "adaptive-$name" adaptive_fashion_mnist --optimizer.name=$name
  done
  plot adaptive_fashion_mnist "$work"/adaptive-{sgd,adagrad,rmsprop,adam}
}

figure_grid_search_heatmap() {
  sweep grid_search
  plot grid_search_heatmap "$work/grid_search"
}
figure_grid_vs_random() {
  sweep grid_search
  sweep random_search
  plot grid_vs_random "$work/grid_search" "$work/random_search" --title \
    "Grid vs random search, 9 trials each: lr matters, init_scale does not"
}

main() {
  if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${figures[@]}"
    return
  fi
  local chosen=("$@")
  [[ ${#chosen[@]} -gt 0 ]] || chosen=("${figures[@]}")
  [[ -x $descent ]] || {
    echo "gallery: no descent binary at $descent (build first, or set DESCENT)" >&2
    exit 2
  }
  if [[ -n ${GALLERY_WORK:-} ]]; then
    work=$GALLERY_WORK
    mkdir -p "$work"
  else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
  fi
  mkdir -p "$out"
  local figure start=$SECONDS
  for figure in "${chosen[@]}"; do
    declare -F "figure_$figure" >/dev/null || {
      echo "gallery: unknown figure '$figure' (see --list)" >&2
      exit 2
    }
    "figure_$figure"
    echo "docs/gallery/$figure.png"
  done
  echo "gallery: ${#chosen[@]} figures in $((SECONDS - start)) s"
}

main "$@"
