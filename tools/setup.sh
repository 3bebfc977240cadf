#!/bin/sh
# Sets up descent on Debian 12: installs the build dependencies and the
# Fashion-MNIST data set (when run as root), then builds into build/.
# Used by both commands at the top of README.md and by .ci/run.
set -eu
cd "$(dirname "$0")/.."

packages="cmake make g++ libboost-dev libboost-program-options-dev \
  libeigen3-dev libopenblas-dev libtbb-dev nlohmann-json3-dev zlib1g-dev libdeflate-dev pkg-config libssl-dev catch2 \
  clang libclang-rt-14-dev gnuplot-nox dataset-fashion-mnist \
  libopenmpi-dev openmpi-bin"

if [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $packages >/dev/null
else
  echo "setup: not root, skipping apt-get install of: $packages" >&2
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
