#!/bin/sh
# Builds the {{name}} plugin into ./build and runs descent's conformance
# checks on it. Uses the `descent` on PATH and the SDK installed with it, so
# the plugin is checked by the host it was built for. Set CXX (e.g.
# CXX=clang++) before the first build to pick the compiler.
set -eu
cd "$(dirname "$0")"

descent=$(command -v descent) || {
  echo "check.sh: descent is not on PATH (add <prefix>/bin)" >&2
  exit 2
}
prefix=$(dirname "$(dirname "$descent")")

# (--no-warn-unused-cli: on a re-run the package is already found, cached.)
cmake -S . -B build --no-warn-unused-cli -DCMAKE_PREFIX_PATH="$prefix"
cmake --build build
"$descent" check-plugin ./build/{{target}}.so
